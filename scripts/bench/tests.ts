/**
 * pnpm bench:tests [--runs 3] [--base REF] [--full] [--cases LIST]: wall time of the test commands on this
 * checkout against the same commands on REF (a detached git worktree of it sharing this checkout's
 * node_modules, .venv and .cache), median of --runs, the two alternating run by run so that a
 * machine's drifting load falls on both alike. Measured:
 *   - `pnpm test:unit`, the change loop (on REF whatever its test:unit ran);
 *   - `vitest run` of every project, so that tests moved between commands are still counted;
 *   - with --full, `pnpm test`, the whole test command (set SKIP_HOST_TESTS=1 to leave the host
 *     tests out of both sides).
 * Each line gives the test count each side ran, so a speed-up that drops tests shows.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runMain, UsageError } from "../../lib/cli";
import { median } from "./measure";

const root = resolve(import.meta.dirname, "../..");
/** What a worktree needs from this checkout to run its tests without installing anything. Each is a
 *  real folder in the worktree holding a link per entry: a link in place of the folder would not match
 *  .gitignore's `node_modules/`, `.venv/`, `.cache/` (patterns for folders), and the scale suite's
 *  scratch copy, which copies every file git does not ignore, would try to copy it as a file. */
const SHARED = ["node_modules", "pipelines/node_modules", ".venv", ".cache"];

interface Case {
  readonly name: string;
  /** pnpm arguments; the JSON report, when the command writes one, goes to `report`. */
  readonly args: (report: string) => string[];
}

const CASES: Readonly<Record<string, Case>> = {
  unit: {
    name: "pnpm test:unit",
    args: (report) => ["-s", "test:unit", "--reporter=json", `--outputFile.json=${report}`],
  },
  vitest: {
    name: "vitest run (every project)",
    args: (report) => ["-s", "exec", "vitest", "run", "--reporter=json", `--outputFile.json=${report}`],
  },
  test: { name: "pnpm test", args: () => ["-s", "test"] },
};

interface Run {
  readonly seconds: number;
  /** Tests the command reported (vitest JSON), or for `pnpm test` its closing `tests:` line. */
  readonly tests: number;
}

function runCase(dir: string, testCase: Case): Run {
  const report = join(mkdtempSync(join(tmpdir(), "bench-tests-")), "report.json");
  const started = process.hrtime.bigint();
  const run = spawnSync("pnpm", testCase.args(report), { cwd: dir, encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) {
    throw new Error(
      `${testCase.name} failed in ${dir} (exit ${run.status}):\n${(run.stdout + run.stderr).slice(-3000)}`,
    );
  }
  const closing = /tests: (\d+) passed/.exec(run.stdout)?.[1];
  const tests = existsSync(report)
    ? (JSON.parse(readFileSync(report, "utf8")) as { numTotalTests: number }).numTotalTests
    : Number(closing ?? Number.NaN);
  rmSync(resolve(report, ".."), { recursive: true, force: true });
  return { seconds, tests };
}

function worktreeOf(ref: string): string {
  const commit = spawnSync("git", ["rev-parse", "--verify", `${ref}^{commit}`], { cwd: root, encoding: "utf8" });
  if (commit.status !== 0) throw new UsageError(`--base ${ref} is not a commit here; name a branch, tag or commit`);
  const dir = mkdtempSync(join(tmpdir(), "bench-tests-base-"));
  const added = spawnSync("git", ["worktree", "add", "--detach", dir, commit.stdout.trim()], { cwd: root });
  if (added.status !== 0) throw new Error(`git worktree add failed: ${added.stderr}`);
  for (const path of SHARED) {
    if (!existsSync(join(root, path))) continue;
    mkdirSync(join(dir, path), { recursive: true });
    for (const entry of readdirSync(join(root, path))) {
      if (!existsSync(join(dir, path, entry))) symlinkSync(join(root, path, entry), join(dir, path, entry));
    }
  }
  return dir;
}

await runMain({
  name: "pnpm bench:tests",
  usage: `usage: pnpm bench:tests [--runs N] [--base REF] [--full] [--cases LIST]

Median wall time of pnpm test:unit and of vitest over every project, here and on REF, alternating.
  --runs N     runs of each command on each side (default 3)
  --base REF   the baseline commit (default HEAD~1)
  --full       also pnpm test, the whole test command (minutes per run)
  --cases LIST which, comma-separated: unit, vitest, test (default unit,vitest; --full adds test)`,
  flags: {
    runs: { type: "string", default: "3" },
    base: { type: "string", default: "HEAD~1" },
    full: { type: "boolean", default: false },
    cases: { type: "string", default: "unit,vitest" },
  },
  run: ({ flags, out }) => {
    const runs = Number(flags.runs);
    if (!Number.isInteger(runs) || runs < 1)
      throw new UsageError(`--runs must be a positive integer, got "${flags.runs}"`);
    const names = [...new Set([...flags.cases.split(","), ...(flags.full ? ["test"] : [])])];
    const unknown = names.filter((name) => !(name in CASES));
    if (unknown.length > 0) {
      throw new UsageError(
        `--cases ${unknown.join(",")}: expected a comma-separated list of ${Object.keys(CASES).join(", ")}`,
      );
    }
    const cases = names.map((name) => CASES[name]);
    const base = worktreeOf(flags.base);
    try {
      out(`median of ${runs} runs, ${flags.base} (before) and this checkout (after) alternating`);
      for (const testCase of cases) {
        const before: Run[] = [];
        const after: Run[] = [];
        for (let index = 0; index < runs; index++) {
          before.push(runCase(base, testCase));
          after.push(runCase(root, testCase));
        }
        const [was, now] = [median(before.map((r) => r.seconds)), median(after.map((r) => r.seconds))];
        out(
          `${testCase.name.padEnd(28)} before ${was.toFixed(1).padStart(6)} s (${before[0].tests} tests)  after ${now
            .toFixed(1)
            .padStart(6)} s (${after[0].tests} tests)  after/before ${(now / was).toFixed(2)}x  [${after
            .map((r) => r.seconds.toFixed(1))
            .join(", ")}]`,
        );
      }
    } finally {
      spawnSync("git", ["worktree", "remove", "--force", base], { cwd: root });
    }
  },
});
