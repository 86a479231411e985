/**
 * pnpm policy: the security gate over the synthesized Terraform.
 *   1. checkov (terraform_json) over every cdk.tf.json, no check skipped; a failure counts as
 *      waived only where policy-waivers.yaml names its check and its resource, with a reason;
 *   2. the project rules (scripts/policy/rules.ts) over the same files.
 * Writes machine-readable results (checkov JSON + SARIF, project rules, a summary) under
 * --reports, prints passed / failed / skipped per stack, and exits 1 on any failure.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { runMain, UsageError } from "../../lib/cli";
import { runPolicyGate } from "./gate";
import { skippedIds } from "./skips";
import { failureLines, formatTable } from "./tally";

const root = resolve(import.meta.dirname, "../..");
const shown = (path: string) => relative(root, path) || path;

await runMain({
  name: "pnpm policy",
  usage: `usage: pnpm policy [--dir cdktf.out] [--reports reports/policy]

Synthesizes the app (pnpm policy runs \`pnpm synth\` first), then runs checkov and the project
rules over <dir>/stacks/*/cdk.tf.json. Exit 1 on any failed check.`,
  flags: {
    dir: { type: "string", default: join(root, "cdktf.out") },
    reports: { type: "string", default: join(root, "reports/policy") },
  },
  run: async ({ flags, out, err }) => {
    const dir = resolve(flags.dir);
    const reports = resolve(flags.reports);
    if (!existsSync(join(dir, "stacks"))) {
      throw new UsageError(`${join(dir, "stacks")} does not exist; run \`pnpm synth\` first (or pass --dir)`);
    }
    const skipped = skippedIds(readFileSync(join(root, ".checkov.yaml"), "utf8"));
    if (skipped.length > 0) {
      throw new UsageError(
        `.checkov.yaml skips ${skipped.join(", ")} for every resource, present and future; waive each failing resource in policy-waivers.yaml instead (check, resource, reason)`,
      );
    }
    const { summary, unusedWaivers } = await runPolicyGate({ root, dir, reports });
    for (const waiver of unusedWaivers) {
      err(
        `warning: waiver ${waiver.check} ${waiver.resource} covers no failure here; remove it from policy-waivers.yaml if it is stale`,
      );
    }

    out(`policy gate (checkov + project rules) over ${shown(dir)}`);
    out(formatTable(summary));
    out(`reports: ${shown(reports)}/{results_json.json,results_sarif.sarif,project_rules.json,summary.json}`);
    const failures = failureLines(summary);
    if (failures.length > 0) {
      err(`\nFAILED checks (${failures.length}): fix the resource, or skip in .checkov.yaml with a reason`);
      err(failures.join("\n"));
      return 1;
    }
    out("0 failed checks");
    return 0;
  },
});
