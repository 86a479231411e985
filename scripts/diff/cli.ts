/**
 * pnpm diff [--base REF] [--stack NAME]... [--format markdown|json] [--fail-on HAZARD]...
 *
 * What this change does to the synthesized Terraform, offline and without credentials: per stack
 * added/removed/changed/unchanged, per resource create/update/replace/delete with the changed
 * attributes and the hazards they carry. Exit 3 when a hazard named by --fail-on is found.
 */
import { runMain } from "../../lib/cli";
import { reviewChange } from "../review/change";
import { failingHazards } from "../review/diff";
import { HAZARDS } from "../review/hazards";
import { diffJson, diffMarkdown, parseFormat, parseHazards } from "../review/report";

await runMain({
  name: "pnpm diff",
  usage: `usage: pnpm diff [--base REF] [--stack NAME]... [--format markdown|json] [--fail-on HAZARD]...

Synthesizes the base in a temporary git worktree (its own code and synth) and the working tree as
it is, and compares every stack's cdk.tf.json: create / update / replace / delete per resource,
with the hazards ${HAZARDS.join(", ")}.
  --base      git ref to compare with (default: the merge base of HEAD and main)
  --stack     only this stack (repeatable; default: every stack)
  --format    markdown (default, the pull-request comment) or json
  --fail-on   exit 3 when this hazard is found (repeatable)
The working tree is synthesized as it is: after editing environments/, run pnpm vars first.
Exit codes: 0 no hazard named by --fail-on, 3 one found, 1 failure, 2 bad input.`,
  flags: {
    base: { type: "string" },
    stack: { type: "string", multiple: true, default: [] },
    format: { type: "string", default: "markdown" },
    "fail-on": { type: "string", multiple: true, default: [] },
  },
  run: async ({ flags, out, err }) => {
    const format = parseFormat(flags.format);
    const failOn = parseHazards(flags["fail-on"], "--fail-on");
    const { base, report } = await reviewChange({
      cwd: process.cwd(),
      base: flags.base,
      stacks: flags.stack,
      say: (text) => err(`pnpm diff: ${text}`),
    });
    out(format === "json" ? diffJson(report, base) : diffMarkdown(report, base));
    const failing = failingHazards(report.hazards, failOn);
    if (failing.length > 0) {
      err(`pnpm diff: hazards found that --fail-on names: ${failing.join(", ")}`);
      return 3;
    }
    return 0;
  },
});
