/**
 * pnpm plan-summary [--format markdown|json] [--fail-on HAZARD]... PLAN_JSON...
 *
 * Reads `terraform show -json <planfile>` output (one file per stack) and prints the same review as
 * pnpm diff: per resource its action and hazards, Terraform's counts, drift.
 */
import { readFileSync } from "node:fs";
import { runMain, UsageError } from "../../lib/cli";
import { failingHazards } from "../review/diff";
import { HAZARDS } from "../review/hazards";
import { summarizePlan } from "../review/plan";
import { parseFormat, parseHazards, planJson, planMarkdown } from "../review/report";

function readPlan(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`${file}: no such file; pass the output of \`terraform show -json <planfile>\``);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(
      `${file}: not JSON; pass the output of \`terraform show -json <planfile>\`, not the plan file itself`,
    );
  }
}

await runMain({
  name: "pnpm plan-summary",
  usage: `usage: pnpm plan-summary [--format markdown|json] [--fail-on HAZARD]... PLAN_JSON...

Summarizes \`terraform show -json <planfile>\` output, one file per stack: each resource's action
(create, update, delete, replace and its order), Terraform's action reason, drift, and the
hazards ${HAZARDS.join(", ")}. Counts equal Terraform's "Plan: X to add, Y to change, Z to destroy".
  --format    markdown (default, the pull-request comment) or json
  --fail-on   exit 3 when this hazard is found (repeatable)`,
  flags: {
    format: { type: "string", default: "markdown" },
    "fail-on": { type: "string", multiple: true, default: [] },
  },
  positionals: ["PLAN_JSON..."],
  run: ({ flags, positionals, out, err }) => {
    const format = parseFormat(flags.format);
    const failOn = parseHazards(flags["fail-on"], "--fail-on");
    const plans = positionals.map((file) => {
      const plan = readPlan(file);
      if (plan === null || typeof plan !== "object" || !("format_version" in plan)) {
        throw new UsageError(`${file}: not the output of \`terraform show -json <planfile>\` (no format_version)`);
      }
      return summarizePlan(file, plan as Record<string, unknown>);
    });
    out(format === "json" ? planJson(plans) : planMarkdown(plans));
    const failing = failingHazards([...new Set(plans.flatMap((plan) => plan.hazards))], failOn);
    if (failing.length > 0) {
      err(`pnpm plan-summary: hazards found that --fail-on names: ${failing.join(", ")}`);
      return 3;
    }
    return 0;
  },
});
