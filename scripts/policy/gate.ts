/**
 * The work of `pnpm policy` once its inputs are checked: checkov with the skips of .checkov.yaml,
 * checkov again with the skipped checks alone (to count what is waived), the project rules; the
 * reports written under `reports`, and the per-stack summary returned.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCheckov } from "./checkov";
import { skippedIds } from "./skips";
import { evaluateStacks, type PolicySummary, tallyPolicy } from "./tally";

export interface GateInput {
  /** The repository root: .venv/bin/checkov and .checkov.yaml live there. */
  readonly root: string;
  /** The folder holding stacks/<stack>/cdk.tf.json. */
  readonly dir: string;
  readonly reports: string;
}

export async function runPolicyGate({ root, dir, reports }: GateInput): Promise<PolicySummary> {
  const configFile = join(root, ".checkov.yaml");
  const stacksDir = join(dir, "stacks");
  const stacks = readdirSync(stacksDir);
  const checkov = await runCheckov(root, { dir, reports, selection: ["--config-file", configFile], cwd: root });
  const skipped = skippedIds(readFileSync(configFile, "utf8"));
  const waived =
    skipped.length === 0
      ? []
      : await runCheckov(root, {
          dir,
          reports: join(reports, "waived"),
          selection: ["--check", skipped.join(",")],
          // Away from the repository, so that checkov does not pick up .checkov.yaml's skips.
          cwd: mkdtempSync(join(tmpdir(), "checkov-")),
        });
  const projectRules = evaluateStacks(
    Object.fromEntries(
      stacks.map((stack) => [stack, JSON.parse(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8"))]),
    ),
  );
  writeJson(join(reports, "project_rules.json"), projectRules);
  const summary = tallyPolicy({ stacks, checkov, waived, projectRules });
  writeJson(join(reports, "summary.json"), summary);
  return summary;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
