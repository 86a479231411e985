/**
 * pnpm bench:hosts [--warm-only]: wall time of `pnpm test:hosts` with a cold cache (no image, no
 * cached packages: a fresh HOSTS_CACHE_DIR, so the real cache is left alone) and then warm (the same
 * cache again), the phases the global setup logs (hosts up, first and second converge), the disk the
 * cache takes and the memory the hosts' writable layers took. Needs root, like the tests.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { runMain } from "../../lib/cli";
import { CACHE_DIR } from "../hosts/topology";

const root = resolve(import.meta.dirname, "../..");

interface Sample {
  readonly seconds: number;
  readonly passed: boolean;
  /** Seconds since the start at each "[hosts] ... after N s" line of the global setup. */
  readonly phases: Record<string, string>;
  readonly layers: string;
}

function measure(cacheDir: string): Sample {
  const started = process.hrtime.bigint();
  const run = spawnSync(join(root, "node_modules/.bin/vitest"), ["run", "--config", "vitest.hosts.config.ts"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, HOSTS_CACHE_DIR: cacheDir },
    maxBuffer: 256 * 2 ** 20,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const phases: Record<string, string> = {};
  for (const match of run.stdout.matchAll(/^\[hosts\] (.+?) after (\d+ s)/gm)) phases[match[1]] = match[2];
  const layers = /^\[hosts\] writable layers: (.+)$/m.exec(run.stdout)?.[1] ?? "?";
  return { seconds, passed: run.status === 0, phases, layers };
}

function diskUsed(dir: string): string {
  const du = spawnSync("du", ["-sh", "--apparent-size", dir], { encoding: "utf8" });
  const used = spawnSync("du", ["-sh", dir], { encoding: "utf8" });
  return `${used.stdout.split("\t")[0]} on disk (${du.stdout.split("\t")[0]} apparent)`;
}

function report(name: string, sample: Sample, out: (text: string) => void) {
  const phases = Object.entries(sample.phases)
    .map(([phase, at]) => `${phase} at ${at}`)
    .join(", ");
  out(`${name}: ${sample.seconds.toFixed(0)} s${sample.passed ? "" : " (FAILED)"}; ${phases}; layers ${sample.layers}`);
}

await runMain({
  name: "pnpm bench:hosts",
  usage: `usage: pnpm bench:hosts [--warm-only]

Runs pnpm test:hosts cold (a fresh, empty cache folder) and warm (the same folder again) and prints
wall times, phases and disk use. --warm-only measures one run on the real cache (${CACHE_DIR}).`,
  flags: { "warm-only": { type: "boolean", default: false } },
  run: ({ flags, out }) => {
    const load = () =>
      spawnSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).stdout.split(" ").slice(0, 3).join(" ");
    out(`load average before: ${load()}`);
    if (flags["warm-only"]) {
      report("warm", measure(CACHE_DIR), out);
      out(`cache ${CACHE_DIR}: ${diskUsed(CACHE_DIR)}; load average after: ${load()}`);
      return;
    }
    const cache = mkdtempSync(join("/var/cache", "connected-express-hosts-bench-"));
    try {
      report("cold", measure(cache), out);
      out(`cache after the cold run: ${diskUsed(cache)}`);
      for (const entry of readdirSync(cache)) out(`  ${entry}: ${diskUsed(join(cache, entry))}`);
      report("warm", measure(cache), out);
      out(`load average after: ${load()}`);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  },
});
