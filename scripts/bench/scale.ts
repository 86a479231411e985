/**
 * pnpm bench:scale [--runs 3]: wall time and peak memory of pnpm vars, pnpm synth, pnpm policy and
 * pnpm diff with 2, N/2 and N application environments (N: the most the VPC layout holds), each in
 * a scratch copy of the repository (scripts/scale/scratch.ts), median of --runs. Ratios are to the
 * 2-environment figure of the same command; the goal is at most N/2 for N environments.
 */
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadVars } from "../../config/load";
import { runMain, UsageError } from "../../lib/cli";
import { maxApplicationEnvironments, scratchCopy } from "../scale/scratch";
import { measure as measureIn, median, type Sample } from "./measure";

const root = resolve(import.meta.dirname, "../..");

function measure(dir: string, args: string[]): Sample {
  return measureIn(dir, process.execPath, args);
}

const COMMANDS: Record<string, string[]> = {
  "pnpm vars": ["--import", "tsx", "scripts/vars/cli.ts"],
  // Warm: the first synth of a copy builds its bundle; the runs measured reuse it.
  "pnpm synth": ["scripts/synth.mjs"],
  "pnpm policy": ["--import", "tsx", "scripts/policy/cli.ts"],
  "pnpm diff": ["--import", "tsx", "scripts/diff/cli.ts", "--base", "HEAD", "--format", "json"],
};

await runMain({
  name: "pnpm bench:scale",
  usage: `usage: pnpm bench:scale [--runs 3]

Measures pnpm vars, synth, policy and diff at 2, N/2 and N application environments (N: the most
the VPC layout holds), each in a scratch copy of the repository; median of --runs.`,
  flags: { runs: { type: "string", default: "3" } },
  run: ({ flags, out }) => {
    const runs = Number(flags.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs ${flags.runs}: expected a positive integer`);
    const maximum = maxApplicationEnvironments(loadVars(join(root, "environments")));
    const sizes = [...new Set([2, Math.round(maximum / 2), maximum])];
    const results: Record<number, Record<string, Sample>> = {};
    for (const size of sizes) {
      const dir = scratchCopy(root, size, { commit: true });
      try {
        measure(dir, COMMANDS["pnpm vars"]);
        measure(dir, COMMANDS["pnpm synth"]);
        results[size] = Object.fromEntries(
          Object.entries(COMMANDS).map(([name, args]) => {
            const samples = Array.from({ length: runs }, () => measure(dir, args));
            return [
              name,
              { seconds: median(samples.map((s) => s.seconds)), peakMiB: median(samples.map((s) => s.peakMiB)) },
            ];
          }),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const base = results[sizes[0]];
    out(
      `median of ${runs} runs; ratio to ${sizes[0]} application environments (goal for ${maximum}: at most ${maximum / 2}x)`,
    );
    out(`| command | ${sizes.map((size) => `${size} envs: time, peak RSS (ratio)`).join(" | ")} |`);
    out(`|---|${sizes.map(() => "---").join("|")}|`);
    for (const name of Object.keys(COMMANDS)) {
      const cells = sizes.map((size) => {
        const { seconds, peakMiB } = results[size][name];
        return `${seconds.toFixed(2)} s, ${peakMiB.toFixed(0)} MiB (${(seconds / base[name].seconds).toFixed(2)}x)`;
      });
      out(`| ${name} | ${cells.join(" | ")} |`);
    }
  },
});
