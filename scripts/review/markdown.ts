/**
 * The Markdown a pull-request comment shows, for `pnpm diff` and `pnpm plan-summary` alike: a
 * one-line verdict; every hazard first, in bold, with its reason; one table row per stack (or plan)
 * with its counts; each stack's resources folded in `<details>`. A change of hundreds of resources
 * stays a verdict, a hazard list and a table until the reader unfolds a stack.
 */
import type { Action, Finding } from "./hazards";
import { HAZARDS } from "./hazards";

export interface AttributeLine {
  readonly path: string;
  readonly before: string;
  readonly after: string;
  readonly forcesReplacement?: boolean;
}

export interface ResourceLine {
  readonly address: string;
  readonly action: Action;
  readonly reasons: readonly Finding[];
  readonly changes: readonly AttributeLine[];
  /** Said after the address: "moved from …", "create before delete", Terraform's action reason. */
  readonly note?: string;
}

export interface Section {
  /** The stack (or plan file) this section is about. */
  readonly title: string;
  /** `added`, `changed`, ...: shown in the table when given. */
  readonly status?: string;
  readonly resources: readonly ResourceLine[];
  /** Findings that belong to the stack, not a resource (the state backend). */
  readonly findings: readonly Finding[];
  /** Lines shown at the top of the section's details: outputs, backend, provider, drift. */
  readonly notes: readonly string[];
}

export interface Review {
  /** `pnpm diff: main (1a2b3c4) → working tree`. */
  readonly heading: string;
  readonly sections: readonly Section[];
  /** Counted in the verdict: "stack" or "plan". */
  readonly unit: string;
}

const SYMBOL: Record<Action, string> = { create: "+", update: "~", replace: "±", delete: "−" };
const ORDER: Action[] = ["delete", "replace", "update", "create"];
const VERB: Record<Action, string> = {
  create: "to create",
  update: "to update",
  replace: "to replace",
  delete: "to delete",
};
/** Hazard lines listed before the table; the rest are in the details. */
const MOST_HAZARD_LINES = 40;
/** Attribute lines per resource in the details. */
const MOST_ATTRIBUTE_LINES = 6;

/** Inline code that survives a table cell: no backticks inside, pipes escaped. */
export function code(text: string): string {
  return `\`${text.replaceAll("`", "'").replaceAll("|", "\\|")}\``;
}

/** Text for a table cell or list item: pipes escaped, backticks kept as inline code marks. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function counts(resources: readonly ResourceLine[]): Record<Action, number> {
  const tally: Record<Action, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const resource of resources) tally[resource.action] += 1;
  return tally;
}

function countsText(tally: Record<Action, number>): string {
  const parts = (["create", "update", "replace", "delete"] as Action[])
    .filter((action) => tally[action] > 0)
    .map((action) => `${tally[action]} ${VERB[action]}`);
  return parts.length > 0 ? parts.join(", ") : "no resource changes";
}

function hazardsOf(section: Section): string[] {
  const found = new Set(
    [...section.findings, ...section.resources.flatMap((resource) => resource.reasons)].map((f) => f.hazard),
  );
  return HAZARDS.filter((hazard) => found.has(hazard));
}

export function renderMarkdown(review: Review): string {
  const all = review.sections.flatMap((section) => section.resources);
  const tally = counts(all);
  const hazards = HAZARDS.filter((hazard) => review.sections.some((section) => hazardsOf(section).includes(hazard)));
  const changed = review.sections.filter(
    (section) => section.resources.length > 0 || section.notes.length > 0 || section.findings.length > 0,
  );
  const lines = [`### ${review.heading}`, ""];

  const scope = `${changed.length} of ${review.sections.length} ${review.unit}s changed`;
  if (changed.length === 0) {
    lines.push(`✅ **No changes**: every ${review.unit} unchanged (${review.sections.length}).`);
  } else if (hazards.length === 0) {
    lines.push(`🟢 **No hazards**: ${countsText(tally)}; ${scope}.`);
  } else {
    lines.push(`⚠️ **Hazards: ${hazards.join(", ")}**: ${countsText(tally)}; ${scope}.`);
  }

  const hazardLines = review.sections.flatMap((section) => [
    ...section.findings.map(
      (finding) => `- **${finding.hazard}** ${code(section.title)} state backend: ${cell(finding.reason)}`,
    ),
    ...section.resources.flatMap((resource) =>
      [...resource.reasons]
        .sort((a, b) => HAZARDS.indexOf(a.hazard) - HAZARDS.indexOf(b.hazard))
        .map(
          (finding) =>
            `- **${finding.hazard}** ${code(section.title)} ${code(resource.address)} (${resource.action}): ${cell(finding.reason)}`,
        ),
    ),
  ]);
  if (hazardLines.length > 0) {
    const sorted = [...hazardLines].sort((a, b) => rank(a) - rank(b));
    lines.push("", ...sorted.slice(0, MOST_HAZARD_LINES));
    if (sorted.length > MOST_HAZARD_LINES) {
      lines.push(`- … ${sorted.length - MOST_HAZARD_LINES} more, in the details below`);
    }
  }

  lines.push(
    "",
    `| ${review.unit} |${review.sections.some((s) => s.status) ? " change |" : ""} + create | ~ update | ± replace | − delete | hazards |`,
    `|---|${review.sections.some((s) => s.status) ? "---|" : ""}--:|--:|--:|--:|---|`,
  );
  for (const section of review.sections) {
    const sectionTally = counts(section.resources);
    const status = review.sections.some((s) => s.status) ? ` ${section.status ?? ""} |` : "";
    const sectionHazards = hazardsOf(section);
    lines.push(
      `| ${code(section.title)} |${status} ${sectionTally.create} | ${sectionTally.update} | ${sectionTally.replace} | ${sectionTally.delete} | ${sectionHazards.map((hazard) => `**${hazard}**`).join(", ")} |`,
    );
  }

  for (const section of changed) lines.push("", ...details(section));
  return `${lines.join("\n")}\n`;
}

/** Hazard lines in the order of HAZARDS (destroy first, availability last). */
function rank(line: string): number {
  const hazard = /^- \*\*([a-z-]+)\*\*/.exec(line)?.[1];
  return HAZARDS.indexOf(hazard as (typeof HAZARDS)[number]);
}

function details(section: Section): string[] {
  const lines = [`<details><summary><b>${section.title}</b>: ${countsText(counts(section.resources))}</summary>`, ""];
  for (const note of section.notes) lines.push(`- ${cell(note)}`);
  if (section.notes.length > 0) lines.push("");
  if (section.resources.length > 0) {
    lines.push("| | resource | changes |", "|---|---|---|");
    const ordered = [...section.resources].sort(
      (a, b) => ORDER.indexOf(a.action) - ORDER.indexOf(b.action) || a.address.localeCompare(b.address),
    );
    for (const resource of ordered) {
      const changes = resource.changes.slice(0, MOST_ATTRIBUTE_LINES).map((change) => {
        const forced = change.forcesReplacement ? " **(forces replacement)**" : "";
        return `${code(change.path)}: ${code(change.before)} → ${code(change.after)}${forced}`;
      });
      if (resource.changes.length > MOST_ATTRIBUTE_LINES) {
        changes.push(`… ${resource.changes.length - MOST_ATTRIBUTE_LINES} more`);
      }
      const note = resource.note ? ` (${cell(resource.note)})` : "";
      const hazards = [...new Set(resource.reasons.map((reason) => reason.hazard))];
      const marks = hazards.length > 0 ? ` ${hazards.map((hazard) => `**${hazard}**`).join(" ")}` : "";
      lines.push(`| ${SYMBOL[resource.action]} | ${code(resource.address)}${note}${marks} | ${changes.join("<br>")} |`);
    }
    lines.push("");
  }
  lines.push("</details>");
  return lines;
}
