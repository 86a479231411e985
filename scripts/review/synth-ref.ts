/**
 * Synthesizes what `pnpm diff` compares: a git ref, in a temporary worktree with that ref's own code
 * and its own synth command (cdktf.json's `app`), and the working tree as it is. The worktree reuses
 * the installed node_modules when the ref's pnpm-lock.yaml is the working tree's, and otherwise
 * installs the ref's own (`pnpm install --frozen-lockfile`, said on stderr). It is removed again
 * whatever happens.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../lib/cli";
import { readSynthOutput } from "./diff";
import type { Json } from "./values";

function git(cwd: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const run = spawnSync("git", args, { cwd, encoding: "utf8" });
  return { ok: run.status === 0, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
}

/** The repository that holds `cwd`. */
export function repositoryRoot(cwd: string): string {
  const top = git(cwd, ["rev-parse", "--show-toplevel"]);
  if (!top.ok) throw new UsageError(`${cwd} is not inside a git repository; run pnpm diff from the repository`);
  return top.stdout;
}

/** Branches and tags a user may name, for the message about an unknown ref. */
export function knownRefs(root: string): string[] {
  return git(root, ["for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/tags", "refs/remotes"])
    .stdout.split("\n")
    .filter(Boolean);
}

/** The commit `ref` names; throws UsageError listing the valid refs when it names none. */
export function resolveCommit(root: string, ref: string): string {
  const commit = git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  if (!commit.ok) {
    const refs = knownRefs(root);
    const shown = refs.slice(0, 30).join(", ") + (refs.length > 30 ? `, … (${refs.length - 30} more)` : "");
    throw new UsageError(
      `--base ${ref}: no such commit, branch or tag. Valid refs: ${shown || "(none)"}; or a commit sha`,
    );
  }
  return commit.stdout;
}

/** The default base: where the working tree's branch left `main` (or `origin/main`). */
export function defaultBase(root: string): { ref: string; commit: string } {
  for (const main of ["main", "origin/main"]) {
    const mergeBase = git(root, ["merge-base", "HEAD", main]);
    if (mergeBase.ok) return { ref: `the merge base of HEAD and ${main}`, commit: mergeBase.stdout };
  }
  throw new UsageError("no branch main or origin/main to compare with; pass --base <ref>");
}

/** Runs cdktf.json's `app` in `dir` with CDKTF_OUTDIR=`outdir`; resolves with the stacks it wrote. */
async function runSynth(dir: string, outdir: string, label: string): Promise<Record<string, Json>> {
  const app = JSON.parse(readFileSync(join(dir, "cdktf.json"), "utf8")).app as string;
  const stderr: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(app, {
      cwd: dir,
      shell: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, CDKTF_OUTDIR: outdir },
    });
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) {
    throw new Error(
      `synth of ${label} failed (\`${app}\` exited ${code}):\n${Buffer.concat(stderr).toString().trim()}`,
    );
  }
  return readSynthOutput(outdir);
}

/** Synthesizes the working tree of `root` as it is. */
export async function synthesizeWorkingTree(root: string): Promise<Record<string, Json>> {
  const outdir = mkdtempSync(join(tmpdir(), "diff-head-"));
  try {
    return await runSynth(root, outdir, "the working tree");
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface RefSynthesis {
  readonly stacks: Record<string, Json>;
  /** How the worktree got its dependencies. */
  readonly dependencies: "reused" | "installed";
}

/**
 * Synthesizes `commit` of the repository at `root` in a temporary worktree. `say` reports what the
 * user should know (a fresh install) on stderr.
 */
export async function synthesizeCommit(
  root: string,
  commit: string,
  say: (text: string) => void,
): Promise<RefSynthesis> {
  const scratch = mkdtempSync(join(tmpdir(), "diff-base-"));
  const worktree = join(scratch, "worktree");
  const added = git(root, ["worktree", "add", "--detach", "--quiet", worktree, commit]);
  if (!added.ok) {
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`git worktree add for ${commit} failed: ${added.stderr}`);
  }
  try {
    const lockfile = (dir: string) =>
      existsSync(join(dir, "pnpm-lock.yaml")) ? readFileSync(join(dir, "pnpm-lock.yaml"), "utf8") : "";
    let dependencies: RefSynthesis["dependencies"] = "reused";
    if (lockfile(worktree) === lockfile(root) && existsSync(join(root, "node_modules"))) {
      symlinkSync(realpathSync(join(root, "node_modules")), join(worktree, "node_modules"), "dir");
      // The base's synth bundle is kept between runs (scripts/synth-bundle.mjs rebuilds it when
      // any of its inputs differs), so diffing against the same base again costs only the run.
      const bundleCache = join(root, ".cache/diff-base-synth");
      mkdirSync(bundleCache, { recursive: true });
      mkdirSync(join(worktree, ".cache"), { recursive: true });
      symlinkSync(bundleCache, join(worktree, ".cache/synth"), "dir");
    } else {
      dependencies = "installed";
      say(
        `base ${commit.slice(0, 12)} has another pnpm-lock.yaml: installing its dependencies (pnpm install --frozen-lockfile)`,
      );
      const install = spawnSync("pnpm", ["install", "--frozen-lockfile", "--silent"], {
        cwd: worktree,
        encoding: "utf8",
      });
      if (install.status !== 0) throw new Error(`pnpm install in the base's worktree failed:\n${install.stderr}`);
    }
    const stacks = await runSynth(worktree, join(scratch, "out"), `base ${commit.slice(0, 12)}`);
    return { stacks, dependencies };
  } finally {
    // Unlink the shared folders first: removing the worktree must never reach into them.
    for (const link of ["node_modules", ".cache/synth"]) {
      if (lstatSync(join(worktree, link), { throwIfNoEntry: false })?.isSymbolicLink())
        unlinkSync(join(worktree, link));
    }
    git(root, ["worktree", "remove", "--force", worktree]);
    rmSync(scratch, { recursive: true, force: true });
    git(root, ["worktree", "prune"]);
  }
}
