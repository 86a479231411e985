/**
 * `pnpm diff`'s work: synthesize the base (a temporary worktree) and the working tree side by side,
 * diff them, and keep the stacks asked for.
 */
import { UsageError } from "../../lib/cli";
import { type DiffReport, diffStacks } from "./diff";
import { sortHazards } from "./hazards";
import type { BaseDescription } from "./report";
import { defaultBase, repositoryRoot, resolveCommit, synthesizeCommit, synthesizeWorkingTree } from "./synth-ref";

export interface ChangeReview {
  readonly base: BaseDescription;
  readonly report: DiffReport;
}

export interface ReviewOptions {
  /** Any folder inside the repository whose working tree is reviewed. */
  readonly cwd: string;
  /** A git ref; default: the merge base with main. */
  readonly base?: string;
  /** Stack names to keep; default: every stack. */
  readonly stacks?: readonly string[];
  /** Tells the user what they should know on stderr (a fresh install in the worktree). */
  readonly say: (text: string) => void;
}

export async function reviewChange(options: ReviewOptions): Promise<ChangeReview> {
  const root = repositoryRoot(options.cwd);
  const base =
    options.base === undefined ? defaultBase(root) : { ref: options.base, commit: resolveCommit(root, options.base) };
  // Two processes on two cores: the base's synth and the working tree's run side by side.
  const [baseSynthesis, head] = await Promise.all([
    synthesizeCommit(root, base.commit, options.say),
    synthesizeWorkingTree(root),
  ]);
  const report = diffStacks(baseSynthesis.stacks, head);
  return { base, report: selectStacks(report, options.stacks ?? []) };
}

/** The report limited to `names` (all when empty); throws UsageError listing the stacks there are. */
export function selectStacks(report: DiffReport, names: readonly string[]): DiffReport {
  if (names.length === 0) return report;
  const valid = report.stacks.map((stack) => stack.stack);
  const unknown = names.filter((name) => !valid.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `--stack ${unknown.join(", ")}: no such stack at the base or in the working tree. Valid: ${valid.join(", ")}`,
    );
  }
  const stacks = report.stacks.filter((stack) => names.includes(stack.stack));
  return { stacks, hazards: sortHazards(stacks.flatMap((stack) => stack.hazards)) };
}
