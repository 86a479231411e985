/**
 * `pnpm test:unit` is the TypeScript-only loop a change runs first: a test file that starts one of
 * the Python or JVM tools belongs to vitest's `tools` project (`toolTestFiles` in vitest.config.ts),
 * or the unit loop pays seconds of CPU per run for it (tests/provisioning/apt-keys.test.ts did).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, matchesGlob, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { toolTestFiles } from "../vitest.config";

const root = resolve(import.meta.dirname, "..");

/**
 * How a test file starts a Python tool: the Ansible runners (tests/provisioning/support.ts), checkov,
 * a program from .venv. (The gate's and the Groovy check's files are listed in the project by name.)
 */
const TOOL_STARTS = [/\b(runTool|startTool)\(/, /\brunCheckov\(/, /\.venv\/bin\//];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules") return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith(".test.ts") ? [relative(root, path)] : [];
  });
}

const inToolsProject = (file: string) => toolTestFiles.some((pattern) => matchesGlob(file, pattern));

describe("vitest projects", () => {
  const files = [...testFiles(join(root, "tests")), ...testFiles(join(root, "pipelines", "tests"))];

  it("finds the test files and tells the tools project's own ones apart", () => {
    expect(files).toContain("tests/provisioning/ansible.test.ts");
    expect(inToolsProject("tests/provisioning/ansible.test.ts")).toBe(true);
    expect(inToolsProject("tests/example.tools.test.ts")).toBe(true);
    expect(inToolsProject("tests/vars.test.ts")).toBe(false);
  });

  it("keeps every test file that starts ansible, checkov, Terraform or the JVM in the tools project", () => {
    const starters = files.filter((file) =>
      TOOL_STARTS.some((start) => start.test(readFileSync(join(root, file), "utf8"))),
    );
    expect(starters.length).toBeGreaterThan(4);
    expect(starters.filter((file) => !inToolsProject(file))).toEqual([]);
  });
});
