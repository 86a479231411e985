import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
// Spelled in pieces so that this file does not match its own search.
const BARREL = ["@cdktf", "provider-aws"].join("/");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (["node_modules", "cdktf.out", ".venv", ".git", "reports"].includes(entry)) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry) ? [path] : [];
  });
}

describe("provider classes are imported by deep path (the barrel costs ~7 s per synth)", () => {
  it("no source file imports the @cdktf/provider-aws barrel", () => {
    const quoted = `["']${BARREL.replace("/", "\\/")}["']`;
    const barrelImport = new RegExp(`from\\s+${quoted}|require\\(\\s*${quoted}|import\\(\\s*${quoted}`);
    const offenders = sourceFiles(root).filter((file) => barrelImport.test(readFileSync(file, "utf8")));
    expect(offenders.map((file) => relative(root, file))).toEqual([]);
  });

  it("the lint rule rejects a barrel import", () => {
    const probe = join(root, "stacks", `barrel-probe-${process.pid}.ts`);
    writeFileSync(probe, `import { Vpc } from "${BARREL}";\nexport const vpc = Vpc;\n`);
    try {
      const result = spawnSync(join(root, "node_modules/.bin/biome"), ["lint", relative(root, probe)], {
        cwd: root,
        encoding: "utf8",
      });
      expect(result.status).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toContain("lint/style/noRestrictedImports");
    } finally {
      rmSync(probe, { force: true });
    }
  });
});
