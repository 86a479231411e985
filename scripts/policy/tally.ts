/**
 * What `pnpm policy` reports: per stack, the checks passed, failed and skipped (checkov's and
 * the project rules'), each failure named; then the table and the failure list it prints.
 */
import type { CheckovCheck, CheckovReport } from "./checkov";
import { evaluate, type RuleResult } from "./rules";
import { applyWaivers, type Waiver } from "./waivers";

export interface StackTally {
  passed: number;
  failed: number;
  skipped: number;
  /** `<check id> <resource>: <what is wrong>`, one per failed check. */
  failures: string[];
}

/** Stack name → its tally, stacks in name order (summary.json). */
export type PolicySummary = Record<string, StackTally>;

export type StackRuleResult = RuleResult & { readonly stack: string };

export interface PolicyResults {
  /** Every synthesized stack, so that one without any check still has a row. */
  readonly stacks: readonly string[];
  /** checkov's one run, with no check skipped. */
  readonly checkov: readonly CheckovReport[];
  /** policy-waivers.yaml: a failed check one of them covers counts as skipped (waived). */
  readonly waivers: readonly Waiver[];
  readonly projectRules: readonly StackRuleResult[];
}

/** The stack of a checkov `file_path` (`/stacks/<stack>/cdk.tf.json`); any other path stands for itself. */
export function stackOf(filePath: string): string {
  return /stacks\/([^/]+)\/cdk\.tf\.json$/.exec(filePath)?.[1] ?? filePath;
}

/** The project rules over each stack's synthesized JSON, each result labelled with its stack. */
export function evaluateStacks(stacks: Readonly<Record<string, Record<string, unknown>>>): StackRuleResult[] {
  return Object.entries(stacks).flatMap(([stack, json]) => evaluate(json).map((result) => ({ ...result, stack })));
}

/** checkov's failed checks as findings the waivers apply to. */
export function checkovFindings(reports: readonly CheckovReport[]) {
  return reports
    .flatMap((report) => report.results.failed_checks ?? [])
    .map((check) => ({
      check: check.check_id,
      resource: check.resource,
      stack: stackOf(check.file_path),
      name: check.check_name,
    }));
}

export function tallyPolicy(results: PolicyResults): PolicySummary {
  const tally = new Map<string, StackTally>();
  const of = (stack: string) => {
    if (!tally.has(stack)) tally.set(stack, { passed: 0, failed: 0, skipped: 0, failures: [] });
    return tally.get(stack) as StackTally;
  };
  const fail = (stack: string, failure: string) => {
    of(stack).failed++;
    of(stack).failures.push(failure);
  };
  const checks = (reports: readonly CheckovReport[], kind: keyof CheckovReport["results"]): CheckovCheck[] =>
    reports.flatMap((report) => report.results[kind] ?? []);

  for (const stack of results.stacks) of(stack);
  for (const check of checks(results.checkov, "passed_checks")) of(stackOf(check.file_path)).passed++;
  for (const check of checks(results.checkov, "skipped_checks")) of(stackOf(check.file_path)).skipped++;
  const verdict = applyWaivers(checkovFindings(results.checkov), results.waivers);
  for (const finding of verdict.failed) fail(finding.stack, `${finding.check} ${finding.resource}: ${finding.name}`);
  for (const finding of verdict.waived) of(finding.stack).skipped++;
  for (const finding of results.projectRules) {
    if (finding.passed) of(finding.stack).passed++;
    else fail(finding.stack, `${finding.id} ${finding.resource}: ${finding.message}`);
  }
  return Object.fromEntries([...tally.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** One row per stack under a header: passed, failed, skipped in aligned columns. */
export function formatTable(summary: PolicySummary): string {
  const row = (stack: string, passed: unknown, failed: unknown, skipped: unknown) =>
    `${stack.padEnd(14)}${String(passed).padStart(8)}${String(failed).padStart(8)}${String(skipped).padStart(9)}`;
  return [
    row("stack", "passed", "failed", "skipped"),
    ...Object.entries(summary).map(([stack, counts]) => row(stack, counts.passed, counts.failed, counts.skipped)),
  ].join("\n");
}

/** Every failure as `  <stack>: <failure>`, stacks in summary order. */
export function failureLines(summary: PolicySummary): string[] {
  return Object.entries(summary).flatMap(([stack, counts]) =>
    counts.failures.map((failure) => `  ${stack}: ${failure}`),
  );
}
