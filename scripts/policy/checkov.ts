/** Runs checkov (from .venv) over the synthesized stacks and reads back its JSON report. */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { $ } from "zx";

export interface CheckovCheck {
  readonly check_id: string;
  readonly check_name: string;
  readonly resource: string;
  /** Where checkov found the resource: `/stacks/<stack>/cdk.tf.json`. */
  readonly file_path: string;
}

/** One framework's part of checkov's results_json.json (checkov writes one or a list of them). */
export interface CheckovReport {
  /** Files checkov could not read: it checks nothing in them, and says so only here. */
  readonly summary?: { readonly parsing_errors?: number };
  readonly results: {
    readonly passed_checks?: readonly CheckovCheck[];
    readonly failed_checks?: readonly CheckovCheck[];
    readonly skipped_checks?: readonly CheckovCheck[];
  };
}

export interface CheckovRun {
  /** The folder holding stacks/<stack>/cdk.tf.json. */
  readonly dir: string;
  /** Where checkov writes results_json.json and results_sarif.sarif. */
  readonly reports: string;
  /** Which checks: `--config-file <file>` or `--check <ids>`. */
  readonly selection: readonly string[];
  /** checkov also reads a .checkov.yaml it finds in (or above) its working directory. */
  readonly cwd: string;
}

/** checkov's reports of one run; throws when checkov is missing or did not finish. */
export async function runCheckov(root: string, run: CheckovRun): Promise<CheckovReport[]> {
  const checkov = join(root, ".venv/bin/checkov");
  if (!existsSync(checkov)) {
    throw new Error(`${checkov} is missing; run \`bash scripts/ensure-venv.sh\` (pnpm test does it for you)`);
  }
  mkdirSync(run.reports, { recursive: true });
  // --skip-download: without it checkov first asks api0.prismacloud.io for policy metadata (it needs
  // none to run its own checks); the tests and the gate reach no address but loopback.
  const result = await $({
    cwd: run.cwd,
    quiet: true,
    nothrow: true,
  })`${checkov} --directory ${run.dir} --framework terraform_json ${run.selection} --skip-download --output json --output sarif --output-file-path ${run.reports}`;
  const reportFile = join(run.reports, "results_json.json");
  // checkov exits 1 when a check fails: that is a result, not a failure to run.
  if ((result.exitCode !== 0 && result.exitCode !== 1) || !existsSync(reportFile)) {
    throw new Error(`checkov did not run cleanly (exit ${result.exitCode}): ${result.stderr.slice(-2000)}`);
  }
  const parsed = JSON.parse(readFileSync(reportFile, "utf8"));
  const reports: CheckovReport[] = Array.isArray(parsed) ? parsed : [parsed];
  const unparsed = reports.reduce((count, report) => count + (report.summary?.parsing_errors ?? 0), 0);
  if (unparsed > 0) {
    throw new Error(
      `checkov could not parse ${unparsed} file(s) under ${run.dir}, and checked nothing in them; keep blocks its terraform_json parser cannot read (moved, import, removed) out of cdk.tf.json: stacks/constructs/moved.ts writes moves to moved.tf`,
    );
  }
  return reports.filter((report) => report.results);
}
