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

describe("imports run one way: pipelines, scripts, main.ts → stacks → config → lib", () => {
  const importPattern = /(?:from\s+|import\s*\(\s*|require\(\s*)["']([^"']+)["']/g;
  /** Every relative import of every source file under `dir`, resolved against the repository root. */
  function relativeImports(dir: string): { file: string; target: string }[] {
    return sourceFiles(join(root, dir)).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(importPattern)]
        .map((match) => match[1])
        .filter((specifier) => specifier.startsWith("."))
        .map((specifier) => ({ file: relative(root, file), target: relative(root, resolve(file, "..", specifier)) })),
    );
  }
  const rules: { layer: string; mayNotImport: string[] }[] = [
    { layer: "lib", mayNotImport: ["config", "stacks", "scripts", "pipelines", "main.ts"] },
    { layer: "config", mayNotImport: ["stacks", "scripts", "pipelines", "main.ts"] },
    { layer: "stacks", mayNotImport: ["scripts", "pipelines", "main.ts"] },
  ];

  for (const { layer, mayNotImport } of rules) {
    it(`no file under ${layer}/ imports from ${mayNotImport.join(", ")}`, () => {
      const imports = relativeImports(layer);
      const offenders = imports.filter(({ target }) =>
        mayNotImport.some((forbidden) => target === forbidden || target.startsWith(`${forbidden}/`)),
      );
      expect(offenders).toEqual([]);
    });
  }

  it("the check sees an upward import when one exists", () => {
    const probe = join(root, "config", `upward-probe-${process.pid}.ts`);
    writeFileSync(probe, `export { RULES } from "../scripts/policy/rules";\n`);
    try {
      const offenders = relativeImports("config").filter(({ target }) => target.startsWith("scripts/"));
      expect(offenders).toEqual([{ file: relative(root, probe), target: "scripts/policy/rules" }]);
    } finally {
      rmSync(probe, { force: true });
    }
  });
});
