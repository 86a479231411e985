/**
 * pnpm bench:diff [--runs 5] [--base REF]: wall time of `pnpm diff` over every stack (the base
 * synthesized in a temporary git worktree, the working tree beside it, the diff, the Markdown),
 * median of N runs, against `pnpm synth` of the same stacks measured in the same command.
 * One run of each comes first so that both find their synth bundles built (the base's is kept in
 * .cache/diff-base-synth), as they are on a machine that diffed before.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { measure, median } from "./measure";

const root = resolve(import.meta.dirname, "../..");
const { values } = parseArgs({
  options: { runs: { type: "string", default: "5" }, base: { type: "string", default: "HEAD" } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench:diff: --runs must be a positive integer, got "${values.runs}"`);
  process.exit(2);
}

const seconds = (args: string[], env: Record<string, string> = {}) =>
  measure(root, process.execPath, args, env).seconds;

const outdir = mkdtempSync(join(tmpdir(), "bench-diff-"));
try {
  const diff = ["--import", "tsx", "scripts/diff/cli.ts", "--base", values.base as string];
  const synth = () => seconds(["scripts/synth.mjs"], { CDKTF_OUTDIR: outdir });
  synth();
  seconds(diff);
  const stacks = readdirSync(join(outdir, "stacks")).length;
  const diffSamples = Array.from({ length: runs }, () => seconds(diff));
  const synthSamples = Array.from({ length: runs }, synth);
  const [diffMedian, synthMedian] = [median(diffSamples), median(synthSamples)];
  console.log(`median of ${runs} runs each, ${stacks} stacks, wall time`);
  console.log(
    `pnpm diff --base ${values.base} (base worktree + 2 synths + diff)  ${diffMedian.toFixed(2).padStart(6)} s`,
  );
  console.log(`pnpm synth (working tree only)${" ".repeat(26)}${synthMedian.toFixed(2).padStart(6)} s`);
  console.log(`diff / synth: ${(diffMedian / synthMedian).toFixed(2)}x`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
