/**
 * What `pnpm diff` and `pnpm plan-summary` print: the JSON shapes other tools rely on (the
 * `infrastructure` Jenkins job labels and comments from them) and the Markdown of the comment.
 *
 *   pnpm diff:          {"stacks":[{"stack","change","resources":[{"address","action","attributes","hazards"}]}]}
 *   pnpm plan-summary:  {"plans":[{"file","add","change","destroy","resources":[{"address","action","hazards"}]}]}
 *
 * Both carry more fields (reasons, changed values, outputs, drift) and a top-level `hazards` list.
 */
import { UsageError } from "../../lib/cli";
import type { DiffReport, StackDiff } from "./diff";
import { HAZARDS, type Hazard } from "./hazards";
import { renderMarkdown, type Section } from "./markdown";
import { type PlanSummary, planSection } from "./plan";

export const FORMATS = ["markdown", "json"] as const;
export type Format = (typeof FORMATS)[number];

/** Where the base came from, for the heading and the JSON. */
export interface BaseDescription {
  readonly ref: string;
  readonly commit: string;
}

export function diffJson(report: DiffReport, base: BaseDescription): string {
  return JSON.stringify({ base, hazards: report.hazards, stacks: report.stacks }, null, 2);
}

function stackSection(stack: StackDiff): Section {
  const notes = [
    ...stack.backend.changes.map((change) => `state backend \`${change.path}\`: ${change.before} → ${change.after}`),
    ...stack.provider.map((change) => `provider \`${change.path}\`: ${change.before} → ${change.after}`),
    ...stack.outputs.map((output) => `output \`${output.name}\`: ${output.action}`),
  ];
  return {
    title: stack.stack,
    status: stack.change,
    resources: stack.resources.map((resource) => ({
      ...resource,
      note: resource.movedFrom ? `moved from ${resource.movedFrom}` : undefined,
    })),
    findings: stack.backend.reasons,
    notes,
  };
}

export function diffMarkdown(report: DiffReport, base: BaseDescription): string {
  return renderMarkdown({
    heading: `\`pnpm diff\`: ${base.ref} (${base.commit.slice(0, 7)}) → this change`,
    unit: "stack",
    sections: report.stacks.map(stackSection),
  });
}

export function planJson(plans: readonly PlanSummary[]): string {
  const hazards = HAZARDS.filter((hazard) => plans.some((plan) => plan.hazards.includes(hazard)));
  return JSON.stringify({ hazards, plans }, null, 2);
}

export function planMarkdown(plans: readonly PlanSummary[]): string {
  return renderMarkdown({
    heading: "`pnpm plan-summary`: Terraform's plan",
    unit: "plan",
    sections: plans.map(planSection),
  });
}

/** Parses `--format`; throws with the valid names on another. */
export function parseFormat(value: string): Format {
  if (!(FORMATS as readonly string[]).includes(value)) {
    throw new UsageError(`--format ${value}: no such format. Valid: ${FORMATS.join(", ")}`);
  }
  return value as Format;
}

/** Parses `--fail-on` values; throws with the valid names on an unknown one. */
export function parseHazards(values: readonly string[], flag: string): Hazard[] {
  const unknown = values.filter((value) => !(HAZARDS as readonly string[]).includes(value));
  if (unknown.length > 0) {
    throw new UsageError(`${flag} ${unknown.join(", ")}: no such hazard. Valid: ${HAZARDS.join(", ")}`);
  }
  return values as Hazard[];
}
