/**
 * pnpm policy: the security gate over the synthesized Terraform.
 *   1. checkov (terraform_json) over every cdk.tf.json, skips only from .checkov.yaml;
 *   2. the project rules (scripts/policy/rules.ts) over the same files.
 * Writes machine-readable results (checkov JSON + SARIF, project rules, a summary) under
 * --reports, prints passed / failed / skipped per stack, and exits 1 on any failure.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { evaluate, type RuleResult } from "./rules";
import { skippedIds, skipsWithoutReason } from "./skips";

const root = resolve(import.meta.dirname, "../..");
const HELP = `usage: pnpm policy [--dir cdktf.out] [--reports reports/policy]

Synthesizes the app (pnpm policy runs \`pnpm synth\` first), then runs checkov and the project
rules over <dir>/stacks/*/cdk.tf.json. Exit 1 on any failed check.`;

interface StackTally {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: checkov's report is untyped JSON.
type Json = Record<string, any>;

function stackOf(filePath: string): string {
  return /stacks\/([^/]+)\/cdk\.tf\.json$/.exec(filePath)?.[1] ?? filePath;
}

/** `cwd` matters: checkov also reads a .checkov.yaml it finds in (or above) its working directory. */
function runCheckov(dir: string, reports: string, selection: string[], cwd = root): Json[] {
  const checkov = join(root, ".venv/bin/checkov");
  if (!existsSync(checkov)) {
    throw new Error(`${checkov} is missing; run \`bash scripts/ensure-venv.sh\` (pnpm test does it for you)`);
  }
  const run = spawnSync(
    checkov,
    [
      "--directory",
      dir,
      "--framework",
      "terraform_json",
      ...selection,
      "--output",
      "json",
      "--output",
      "sarif",
      "--output-file-path",
      reports,
    ],
    { encoding: "utf8", cwd },
  );
  const reportFile = join(reports, "results_json.json");
  if (run.error || (run.status !== 0 && run.status !== 1) || !existsSync(reportFile)) {
    throw new Error(
      `checkov did not run cleanly (exit ${run.status}): ${run.error?.message ?? run.stderr.slice(-2000)}`,
    );
  }
  const parsed = JSON.parse(readFileSync(reportFile, "utf8"));
  return (Array.isArray(parsed) ? parsed : [parsed]).filter((report: Json) => report.results);
}

function main(): number {
  const { values } = parseArgs({
    options: {
      dir: { type: "string", default: join(root, "cdktf.out") },
      reports: { type: "string", default: join(root, "reports/policy") },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const dir = resolve(values.dir);
  const reports = resolve(values.reports);
  const stacksDir = join(dir, "stacks");
  if (!existsSync(stacksDir)) {
    console.error(`pnpm policy: ${stacksDir} does not exist; run \`pnpm synth\` first (or pass --dir)`);
    return 2;
  }
  const config = readFileSync(join(root, ".checkov.yaml"), "utf8");
  const unexplained = skipsWithoutReason(config);
  if (unexplained.length > 0) {
    console.error(
      `pnpm policy: .checkov.yaml skips ${unexplained.join(", ")} without a reason; put "# <ID>: <why>" on the line above each skip`,
    );
    return 2;
  }
  mkdirSync(reports, { recursive: true });

  const tally = new Map<string, StackTally>();
  const of = (stack: string) => {
    if (!tally.has(stack)) tally.set(stack, { passed: 0, failed: 0, skipped: 0, failures: [] });
    return tally.get(stack) as StackTally;
  };
  for (const stack of readdirSync(stacksDir)) of(stack);

  for (const report of runCheckov(dir, reports, ["--config-file", join(root, ".checkov.yaml")])) {
    for (const check of report.results.passed_checks ?? []) of(stackOf(check.file_path)).passed++;
    for (const check of report.results.skipped_checks ?? []) of(stackOf(check.file_path)).skipped++;
    for (const check of report.results.failed_checks ?? []) {
      const stack = of(stackOf(check.file_path));
      stack.failed++;
      stack.failures.push(`${check.check_id} ${check.resource}: ${check.check_name}`);
    }
  }

  // Run the skipped checks alone to show, per stack, what .checkov.yaml waives.
  const skipped = skippedIds(config);
  if (skipped.length > 0) {
    const waivedDir = join(reports, "waived");
    mkdirSync(waivedDir, { recursive: true });
    for (const report of runCheckov(
      dir,
      waivedDir,
      ["--check", skipped.join(",")],
      mkdtempSync(join(tmpdir(), "checkov-")),
    )) {
      for (const check of report.results.failed_checks ?? []) of(stackOf(check.file_path)).skipped++;
    }
  }

  const projectResults: Array<RuleResult & { stack: string }> = [];
  for (const stack of readdirSync(stacksDir)) {
    const json = JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8"));
    for (const finding of evaluate(json)) {
      projectResults.push({ ...finding, stack });
      const entry = of(stack);
      if (finding.passed) entry.passed++;
      else {
        entry.failed++;
        entry.failures.push(`${finding.id} ${finding.resource}: ${finding.message}`);
      }
    }
  }
  writeFileSync(join(reports, "project_rules.json"), `${JSON.stringify(projectResults, null, 2)}\n`);

  const summary = Object.fromEntries([...tally.entries()].sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(join(reports, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);

  console.log(`policy gate (checkov + project rules) over ${relative(root, dir) || dir}`);
  console.log(`${"stack".padEnd(14)}${"passed".padStart(8)}${"failed".padStart(8)}${"skipped".padStart(9)}`);
  for (const [stack, counts] of Object.entries(summary)) {
    console.log(
      `${stack.padEnd(14)}${String(counts.passed).padStart(8)}${String(counts.failed).padStart(8)}${String(counts.skipped).padStart(9)}`,
    );
  }
  const failures = Object.entries(summary).flatMap(([stack, counts]) => counts.failures.map((f) => `  ${stack}: ${f}`));
  console.log(
    `reports: ${relative(root, reports) || reports}/{results_json.json,results_sarif.sarif,project_rules.json,summary.json}`,
  );
  if (failures.length > 0) {
    console.error(
      `\nFAILED checks (${failures.length}): fix the resource, or skip in .checkov.yaml with a reason\n${failures.join("\n")}`,
    );
    return 1;
  }
  console.log("0 failed checks");
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`pnpm policy: ${(error as Error).message}`);
  process.exitCode = 2;
}
