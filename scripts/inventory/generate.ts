/**
 * The work of `pnpm inventory`: read and check the outputs file (the preflight, which changes
 * nothing), then write the inventory beside its target and rename it into place, so a failed run
 * never leaves a half-written or stale-but-new inventory.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Vars } from "../../config/schema";
import { renderInventory } from "./inventory";
import { OutputsError, parseMgmtOutputs } from "./outputs";

export interface GenerateOptions {
  /** JSON written by `cdktf output --outputs-file` or `terraform output -json`. */
  readonly outputsFile: string;
  /** Inventory file to write. */
  readonly out: string;
  readonly vars: Vars;
  readonly managementEnvironment: string;
  /** pnpm version for the Jenkins host (from package.json's packageManager). */
  readonly pnpmVersion?: string;
  /** Render and return the inventory without writing it. */
  readonly dryRun?: boolean;
}

export interface GenerateResult {
  readonly text: string;
  /** true when the file on disk changed. */
  readonly written: boolean;
}

export function generateInventory(options: GenerateOptions): GenerateResult {
  const { outputsFile, out, vars, managementEnvironment, pnpmVersion } = options;
  if (!existsSync(outputsFile)) {
    throw new OutputsError([
      `${outputsFile}: not found; write it with \`cdktf output ${managementEnvironment} --outputs-file ${outputsFile}\` (or \`terraform output -json > ${outputsFile}\`) after \`cdktf deploy ${managementEnvironment}\``,
    ]);
  }
  const outputs = parseMgmtOutputs(readFileSync(outputsFile, "utf8"), managementEnvironment, outputsFile);
  const text = renderInventory({ outputs, vars, managementEnvironment, pnpmVersion }, outputsFile);
  if (options.dryRun) return { text, written: false };
  if (existsSync(out) && readFileSync(out, "utf8") === text) return { text, written: false };
  mkdirSync(dirname(out), { recursive: true });
  const temporary = `${out}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, out);
  return { text, written: true };
}
