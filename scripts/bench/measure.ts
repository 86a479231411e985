/** What every benchmark under scripts/bench/ shares: the median, and one timed run of a command. */
import { spawnSync } from "node:child_process";

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface Sample {
  readonly seconds: number;
  readonly peakMiB: number;
}

/** Runs `command args` in `cwd` under /usr/bin/time: wall seconds and the largest process's peak
 *  RSS. Throws with the end of its stderr when it fails. */
export function measure(cwd: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Sample {
  const run = spawnSync("/usr/bin/time", ["-f", "%e %M", command, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd} (exit ${run.status}): ${run.stderr.slice(-2000)}`);
  }
  const [seconds, kib] = run.stderr.trim().split("\n").at(-1)?.split(" ").map(Number) ?? [];
  return { seconds, peakMiB: kib / 1024 };
}
