/**
 * The review of a real Terraform plan: `terraform show -json <planfile>` of one stack, summarized
 * with the same actions and hazards as `pnpm diff`. Counts follow Terraform's own
 * "Plan: X to add, Y to change, Z to destroy": a replace adds one and destroys one.
 */
import {
  type Action,
  availabilityFindings,
  type Finding,
  type Hazard,
  type ReviewedResource,
  resourceFindings,
  sortHazards,
} from "./hazards";
import type { ResourceLine, Section } from "./markdown";
import { type Json, MASKED, showValue, valueChanges } from "./values";

/** `["delete","create"]` replaces the object after destroying it; `["create","delete"]` creates the
 *  new one first (`create_before_destroy`). */
export type ReplaceOrder = "delete-before-create" | "create-before-delete";

export interface PlannedResource extends ReviewedResource {
  /** Only for a replace. */
  readonly order?: ReplaceOrder;
  /** Terraform's `action_reason` (`replace_because_cannot_update`, `delete_because_no_resource_config`, ...). */
  readonly actionReason?: string;
  /** Terraform's `replace_paths`, as attribute paths (`triggers_replace`, `ingress[0].cidr_blocks`). */
  readonly replacePaths?: readonly string[];
  readonly changes: readonly { readonly path: string; readonly before: string; readonly after: string }[];
}

/** A change Terraform found outside Terraform since the last apply (`resource_drift`). */
export interface Drift {
  readonly address: string;
  readonly actions: readonly string[];
  readonly attributes: readonly string[];
}

export interface PlanSummary {
  readonly file: string;
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly resources: readonly PlannedResource[];
  readonly drift: readonly Drift[];
  readonly hazards: readonly Hazard[];
}

/** Terraform's actions list → one review action; undefined for no-op, read and forget. */
export function actionOf(actions: readonly string[]): { action: Action; order?: ReplaceOrder } | undefined {
  const joined = actions.join(",");
  if (joined === "delete,create") return { action: "replace", order: "delete-before-create" };
  if (joined === "create,delete") return { action: "replace", order: "create-before-delete" };
  if (joined === "create" || joined === "update" || joined === "delete") return { action: joined };
  return undefined;
}

/** `["ingress", 0, "cidr_blocks"]` → `ingress[0].cidr_blocks`. */
function pathText(steps: readonly (string | number)[]): string {
  return steps.reduce<string>(
    (path, step) => (typeof step === "number" ? `${path}[${step}]` : path ? `${path}.${step}` : step),
    "",
  );
}

/** Whether a (possibly nested) `*_unknown` / `*_sensitive` marker covers `path`. */
function marked(markers: unknown, path: string): boolean {
  let node = markers;
  if (node === true) return true;
  for (const step of path.match(/[^.[\]]+/g) ?? []) {
    if (node === null || typeof node !== "object") return false;
    node = (node as Json)[step];
    if (node === true) return true;
  }
  return false;
}

function plannedChanges(change: Json): PlannedResource["changes"] {
  const before = change.before ?? undefined;
  const after = change.after ?? undefined;
  const known = valueChanges(before, after).map((diff) => ({
    path: diff.path,
    before: marked(change.before_sensitive, diff.path) ? MASKED : showValue(diff.before, diff.sensitive),
    after: marked(change.after_sensitive, diff.path)
      ? MASKED
      : diff.after === undefined && marked(change.after_unknown, diff.path)
        ? "(known after apply)"
        : showValue(diff.after, diff.sensitive),
  }));
  const seen = new Set(known.map((diff) => diff.path));
  // Attributes known only after apply that had no value before do not show in before/after.
  const unknown = Object.entries<unknown>(change.after_unknown ?? {})
    .filter(([name, flag]) => flag === true && !seen.has(name) && before?.[name] !== undefined)
    .map(([name]) => ({
      path: name,
      before: marked(change.before_sensitive, name) ? MASKED : showValue(before[name]),
      after: "(known after apply)",
    }));
  return [...known, ...unknown].sort((a, b) => a.path.localeCompare(b.path));
}

/** Planned values as a synthesized stack looks (`resource.<type>.<name>`), for the zero-downtime rules. */
function asStack(changes: Json[], side: "before" | "after"): Json {
  const resource: Json = {};
  for (const change of changes) {
    const values = change.change?.[side];
    if (!values || change.mode !== "managed") continue;
    resource[change.type] ??= {};
    resource[change.type][String(change.address).slice(change.type.length + 1)] = values;
  }
  return { resource };
}

/** The review of one plan (`terraform show -json` output). */
export function summarizePlan(file: string, plan: Json): PlanSummary {
  if (!Array.isArray(plan.resource_changes) && plan.format_version === undefined) {
    throw new Error(
      `${file}: not the output of \`terraform show -json <planfile>\` (no format_version, no resource_changes)`,
    );
  }
  const managed: Json[] = (plan.resource_changes ?? []).filter((change: Json) => change.mode === "managed");
  const availability = availabilityFindings("plan", asStack(managed, "before"), asStack(managed, "after"));
  const resources: PlannedResource[] = [];
  for (const resourceChange of managed) {
    const mapped = actionOf(resourceChange.change?.actions ?? []);
    if (!mapped) continue;
    const change: Json = resourceChange.change;
    const replacePaths = Array.isArray(change.replace_paths)
      ? change.replace_paths.map((steps: (string | number)[]) => pathText(steps))
      : undefined;
    const reasons = [
      ...resourceFindings({
        type: resourceChange.type,
        action: mapped.action,
        before: change.before ?? undefined,
        after: change.after ?? undefined,
        replacedBy: replacePaths,
        groupIsNew: change.after_unknown?.security_group_id === true ? true : undefined,
      }),
      ...(availability.get(resourceChange.address) ?? []).map(
        (reason): Finding => ({ hazard: "availability", reason }),
      ),
    ];
    resources.push({
      address: resourceChange.address,
      type: resourceChange.type,
      action: mapped.action,
      hazards: sortHazards(reasons.map((reason) => reason.hazard)),
      reasons,
      ...(mapped.order ? { order: mapped.order } : {}),
      ...(resourceChange.action_reason ? { actionReason: resourceChange.action_reason } : {}),
      ...(replacePaths ? { replacePaths } : {}),
      changes: mapped.action === "update" || mapped.action === "replace" ? plannedChanges(change) : [],
    });
  }
  const tally = (action: Action) => resources.filter((resource) => resource.action === action).length;
  const drift: Drift[] = (plan.resource_drift ?? []).map((entry: Json) => ({
    address: entry.address,
    actions: entry.change?.actions ?? [],
    attributes: [
      ...new Set(
        valueChanges(entry.change?.before ?? undefined, entry.change?.after ?? undefined).map(
          (c) => c.path.split(/[.[]/)[0],
        ),
      ),
    ],
  }));
  return {
    file,
    add: tally("create") + tally("replace"),
    change: tally("update"),
    destroy: tally("delete") + tally("replace"),
    resources,
    drift,
    hazards: sortHazards(resources.flatMap((resource) => resource.hazards)),
  };
}

/** A plan as a Markdown section (markdown.ts). */
export function planSection(summary: PlanSummary): Section {
  const resources: ResourceLine[] = summary.resources.map((resource) => ({
    address: resource.address,
    action: resource.action,
    reasons: resource.reasons,
    changes: resource.changes.map((change) => ({
      ...change,
      forcesReplacement:
        resource.replacePaths?.some((path) => change.path === path || change.path.startsWith(`${path}.`)) ?? false,
    })),
    note: [resource.order?.replaceAll("-", " "), resource.actionReason].filter(Boolean).join("; ") || undefined,
  }));
  const notes = [
    `Terraform: ${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy`,
    ...summary.drift.map(
      (drift) =>
        `drift: \`${drift.address}\` changed outside Terraform (${drift.actions.join(", ")})${drift.attributes.length ? `: ${drift.attributes.join(", ")}` : ""}`,
    ),
  ];
  return {
    title: summary.file,
    resources,
    findings: [],
    notes: summary.resources.length + summary.drift.length > 0 ? notes : [],
  };
}
