import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const packageManager = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager as string;
const pinnedPnpm = /^pnpm@(\d+\.\d+\.\d+)/.exec(packageManager)?.[1];

describe("supply chain: what the repository installs is pinned", () => {
  it("installs pnpm at exactly the version package.json pins, in CI and in the README's first command", () => {
    expect(pinnedPnpm).toMatch(/^10\.\d+\.\d+$/);
    expect(readFileSync(join(root, ".ci/run"), "utf8")).toContain('require("./package.json").packageManager');
    expect(readFileSync(join(root, "README.md"), "utf8")).toContain(
      `npm install -g pnpm@${pinnedPnpm} && pnpm install`,
    );
  });

  it("refuses a Groovy jar whose SHA-256 is not the pinned one, and removes it", () => {
    const scratch = mkdtempSync(join(tmpdir(), "groovy-pin-"));
    mkdirSync(join(scratch, "scripts/groovy"), { recursive: true });
    mkdirSync(join(scratch, ".cache/groovy"), { recursive: true });
    copyFileSync(join(root, "scripts/ensure-groovy.sh"), join(scratch, "scripts/ensure-groovy.sh"));
    copyFileSync(
      join(root, "scripts/groovy/GroovySyntaxCheck.java"),
      join(scratch, "scripts/groovy/GroovySyntaxCheck.java"),
    );
    const jar = join(scratch, ".cache/groovy/groovy-4.0.28.jar");
    writeFileSync(jar, "not the groovy jar");
    const run = spawnSync("bash", [join(scratch, "scripts/ensure-groovy.sh")], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("does not have the pinned SHA-256");
    expect(existsSync(jar)).toBe(false);
  });

  it("installs the Python tools only against the hashes in requirements-dev.txt", () => {
    const requirements = readFileSync(join(root, "requirements-dev.txt"), "utf8");
    const pins = requirements.split("\n").filter((line) => /^[A-Za-z0-9_.-]+==/.test(line));
    expect(pins.length).toBeGreaterThan(100);
    const blocks = requirements.split(/\n(?=[A-Za-z0-9_.-]+==)/).filter((block) => /^[A-Za-z0-9_.-]+==/.test(block));
    for (const block of blocks) expect(block, block.split(" ")[0]).toMatch(/--hash=sha256:[0-9a-f]{64}/);
    expect(readFileSync(join(root, "scripts/ensure-venv.sh"), "utf8")).toContain("--require-hashes");
  });
});
