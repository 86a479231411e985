/**
 * The work of `pnpm policy` once its inputs are checked: checkov once over every stack with no
 * check skipped, the per-resource waivers of policy-waivers.yaml applied to its failures, the
 * project rules; the reports written under `reports`, and the per-stack summary returned.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCheckov } from "./checkov";
import { checkovFindings, evaluateStacks, type PolicySummary, tallyPolicy } from "./tally";
import { applyWaivers, parseWaivers, type Waiver } from "./waivers";

/** The per-resource waivers, beside .checkov.yaml. */
export const WAIVERS_FILE = "policy-waivers.yaml";

export interface GateInput {
  /** The repository root: .venv/bin/checkov, .checkov.yaml and policy-waivers.yaml live there. */
  readonly root: string;
  /** The folder holding stacks/<stack>/cdk.tf.json. */
  readonly dir: string;
  readonly reports: string;
}

export interface GateResult {
  readonly summary: PolicySummary;
  /** Waivers that covered no failure: stale, to be removed before they cover something new. */
  readonly unusedWaivers: readonly Waiver[];
}

export async function runPolicyGate({ root, dir, reports }: GateInput): Promise<GateResult> {
  const configFile = join(root, ".checkov.yaml");
  const stacksDir = join(dir, "stacks");
  const stacks = readdirSync(stacksDir);
  const checkov = await runCheckov(root, { dir, reports, selection: ["--config-file", configFile], cwd: root });
  const waivers = parseWaivers(readFileSync(join(root, WAIVERS_FILE), "utf8"));
  const projectRules = evaluateStacks(
    Object.fromEntries(
      stacks.map((stack) => [stack, JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8"))]),
    ),
  );
  writeJson(join(reports, "project_rules.json"), projectRules);
  const summary = tallyPolicy({ stacks, checkov, waivers, projectRules });
  writeJson(join(reports, "summary.json"), summary);
  return { summary, unusedWaivers: applyWaivers(checkovFindings(checkov), waivers).unused };
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
