/**
 * pnpm bench:synth [--runs 5]: wall time and peak memory of `pnpm synth` (scripts/synth.mjs: an
 * esbuild bundle of main.ts), median of N runs, with a warm bundle (inputs unchanged: reused) and a
 * cold one (SYNTH_REBUILD=1: built first), against baselines measured in the same command:
 *   - runtime: node + tsx starting and doing nothing (the floor no synth can beat);
 *   - tsx:     the same app run unbundled with node --import tsx;
 *   - barrel:  importing the @cdktf/provider-aws barrel alone (what the deep imports avoid).
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { measure as measureIn, median } from "./measure";

const root = resolve(import.meta.dirname, "../..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench:synth: --runs must be a positive integer, got "${values.runs}"`);
  process.exit(2);
}

function measure(args: string[], env: Record<string, string> = {}) {
  return measureIn(root, process.execPath, args, env);
}

const barrel = ["@cdktf", "provider-aws"].join("/");
const cases: Array<[string, string[], Record<string, string>?]> = [
  ["runtime (node --import tsx, empty)", ["--import", "tsx", "-e", "0"]],
  ["pnpm synth, warm bundle (all stacks)", ["scripts/synth.mjs"]],
  ["pnpm synth, cold bundle (SYNTH_REBUILD=1)", ["scripts/synth.mjs"], { SYNTH_REBUILD: "1" }],
  ["node --import tsx main.ts (same output)", ["--import", "tsx", "main.ts"]],
  ["barrel import alone", ["--import", "tsx", "-e", `await import("${barrel}")`]],
];

// One run first so that the warm case finds a bundle of the current inputs.
measure(["scripts/synth.mjs"]);
const results = cases.map(([name, args, env]) => {
  const samples = Array.from({ length: runs }, () => measure(args, env));
  return { name, seconds: median(samples.map((s) => s.seconds)), peakMiB: median(samples.map((s) => s.peakMiB)) };
});
const [runtime, synth, cold, viaTsx, barrelImport] = results;
console.log(`median of ${runs} runs each (/usr/bin/time: elapsed, max RSS)`);
for (const result of results) {
  console.log(
    `${result.name.padEnd(42)} ${result.seconds.toFixed(2).padStart(6)} s ${result.peakMiB.toFixed(0).padStart(6)} MiB`,
  );
}
console.log(
  `synth / runtime: ${(synth.seconds / runtime.seconds).toFixed(2)}x; synth minus runtime: ${(synth.seconds - runtime.seconds).toFixed(2)} s`,
);
console.log(`cold bundle / warm bundle: ${(cold.seconds / synth.seconds).toFixed(2)}x`);
console.log(`node --import tsx main.ts / synth: ${(viaTsx.seconds / synth.seconds).toFixed(2)}x`);
console.log(`barrel import alone / synth: ${(barrelImport.seconds / synth.seconds).toFixed(2)}x`);
