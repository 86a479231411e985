/**
 * What a change does to the synthesized Terraform, before any plan: every stack's cdk.tf.json at
 * the base against the working tree's, per resource address `create`, `update`, `replace` or
 * `delete` with the changed attribute paths, and the hazards each one carries (hazards.ts).
 *
 * `replace` comes from the replacement table (replacement.ts), and spreads the way it will in the
 * plan: an argument that refers to a computed attribute of a replaced resource (`${aws_subnet.x.id}`)
 * changes too, inside the stack and through the cross-stack outputs other stacks read, until
 * nothing more changes.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Action,
  availabilityFindings,
  backendFindings,
  type Finding,
  type Hazard,
  type ReviewedResource,
  resourceFindings,
  sortHazards,
} from "./hazards";
import { forcesReplacement } from "./replacement";
import { type Json, showValue, type ValueChange, valueChanges } from "./values";

export type StackChange = "added" | "removed" | "changed" | "unchanged";

/** One changed attribute path, its values as a review prints them. */
export interface AttributeChange {
  readonly path: string;
  readonly before: string;
  readonly after: string;
  readonly forcesReplacement: boolean;
}

export interface ResourceChange extends ReviewedResource {
  /** Top-level arguments that change (empty for create and delete). */
  readonly attributes: readonly string[];
  readonly changes: readonly AttributeChange[];
  /** A `moved` block brings the object from this address. */
  readonly movedFrom?: string;
}

export interface OutputChange {
  readonly name: string;
  readonly action: "create" | "update" | "delete";
}

export interface StackDiff {
  readonly stack: string;
  readonly change: StackChange;
  readonly resources: readonly ResourceChange[];
  readonly outputs: readonly OutputChange[];
  /** Changes of `terraform.backend` (where the state lives), with their hazards. */
  readonly backend: { readonly changes: readonly AttributeChange[]; readonly reasons: readonly Finding[] };
  /** Changes of the provider configuration (region, default tags): every resource sees them. */
  readonly provider: readonly AttributeChange[];
  readonly hazards: readonly Hazard[];
}

export interface DiffReport {
  readonly stacks: readonly StackDiff[];
  readonly hazards: readonly Hazard[];
}

/** The file stacks/constructs/moved.ts writes a stack's moves to. That module is imported only when
 *  a stack has one: it loads cdktf, which costs `pnpm diff` about a second. */
export const MOVED_FILE = "moved.tf";

/** Every stack of a synth output folder (`<outdir>/stacks/<stack>/cdk.tf.json`), with the moves of its moved.tf. */
export async function readSynthOutput(outdir: string): Promise<Record<string, Json>> {
  const stacksDir = join(outdir, "stacks");
  const stacks: Record<string, Json> = {};
  for (const name of readdirSync(stacksDir)) {
    if (!existsSync(join(stacksDir, name, "cdk.tf.json"))) continue;
    const json: Json = JSON.parse(readFileSync(join(stacksDir, name, "cdk.tf.json"), "utf8"));
    const movedFile = join(stacksDir, name, MOVED_FILE);
    if (existsSync(movedFile)) {
      const { parseMovedFile } = await import("../../stacks/constructs/moved");
      json.moved = [
        ...(Array.isArray(json.moved) ? json.moved : []),
        ...parseMovedFile(readFileSync(movedFile, "utf8")),
      ];
    }
    stacks[name] = json;
  }
  return stacks;
}

/** `type.name` → arguments, for every resource of a stack. */
function resourcesOf(stack: Json | undefined): Map<string, Json> {
  const resources = new Map<string, Json>();
  for (const [type, byName] of Object.entries<Json>(stack?.resource ?? {})) {
    for (const [name, body] of Object.entries<Json>(byName)) resources.set(`${type}.${name}`, body);
  }
  return resources;
}

/** A resource as both sides see it; `before` absent for a create, `after` for a delete. */
interface Pair {
  readonly address: string;
  readonly type: string;
  readonly before?: Json;
  readonly after?: Json;
  readonly movedFrom?: string;
}

function pairsOf(base: Json | undefined, head: Json | undefined): Pair[] {
  const before = resourcesOf(base);
  const after = resourcesOf(head);
  const movedTo = new Map<string, string>();
  for (const move of Array.isArray(head?.moved) ? (head.moved as { from: string; to: string }[]) : []) {
    if (before.has(move.from) && !after.has(move.from)) movedTo.set(move.to, move.from);
  }
  const consumed = new Set(movedTo.values());
  const typeOf = (address: string) => address.slice(0, address.indexOf("."));
  const pairs: Pair[] = [...after].map(([address, body]) => {
    const movedFrom = movedTo.get(address);
    const origin = before.has(address) ? address : movedFrom;
    return {
      address,
      type: typeOf(address),
      before: origin === undefined ? undefined : before.get(origin),
      after: body,
      movedFrom: before.has(address) ? undefined : movedFrom,
    };
  });
  for (const [address, body] of before) {
    if (!after.has(address) && !consumed.has(address)) pairs.push({ address, type: typeOf(address), before: body });
  }
  return pairs.sort((a, b) => a.address.localeCompare(b.address));
}

/** Meta-arguments that change no object in the plan. */
const IGNORED = new Set(["depends_on"]);

function argumentChanges(pair: Pair): ValueChange[] {
  if (!pair.before || !pair.after) return [];
  return valueChanges(pair.before, pair.after).filter((change) => !IGNORED.has(change.path.split(/[.[]/)[0]));
}

/** String leaves of a value, with their paths. */
function leaves(value: unknown, path = ""): [string, string][] {
  if (typeof value === "string") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, `${path}[${index}]`));
  if (value && typeof value === "object") {
    return Object.entries(value)
      .filter(([key]) => key !== "//")
      .flatMap(([key, child]) => leaves(child, path ? `${path}.${key}` : key));
  }
  return [];
}

const RESOURCE_REFERENCE = /(?<![\w.-])([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)/g;
const REMOTE_OUTPUT_REFERENCE =
  /data\.terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g;

/** What has changed so far, across every stack: the fixpoint's state. */
interface Knowledge {
  /** `stack address` → changed top-level arguments, for every resource that updates or is replaced. */
  readonly changedArguments: Map<string, Set<string>>;
  readonly replaced: Set<string>;
  /** `stack output` of every output whose value changes. */
  readonly changedOutputs: Set<string>;
}

const key = (stack: string, name: string) => `${stack} ${name}`;

/** Why a string argument of `stack` changes at apply although its text does not; undefined if it does not. */
function referenceChange(
  stack: string,
  text: string,
  heads: Map<string, Map<string, Json>>,
  known: Knowledge,
): string | undefined {
  if (!text.includes("${")) return undefined;
  for (const [, type, name, attribute] of text.matchAll(RESOURCE_REFERENCE)) {
    const address = `${type}.${name}`;
    const changed = known.changedArguments.get(key(stack, address));
    if (!changed) continue;
    const configured = heads.get(stack)?.get(address)?.[attribute] !== undefined;
    if (changed.has(attribute)) return `${address}.${attribute} changes`;
    if (known.replaced.has(key(stack, address)) && !configured) return `${address} is replaced`;
  }
  for (const [, producer, output] of text.matchAll(REMOTE_OUTPUT_REFERENCE)) {
    if (known.changedOutputs.has(key(producer, output))) return `stack ${producer} changes its output ${output}`;
  }
  return undefined;
}

interface PairChanges {
  readonly changes: ValueChange[];
  /** Paths that change only through a reference, and why. */
  readonly knownAfterApply: Map<string, string>;
}

function changesOf(stack: string, pair: Pair, heads: Map<string, Map<string, Json>>, known: Knowledge): PairChanges {
  const changes = argumentChanges(pair);
  const knownAfterApply = new Map<string, string>();
  if (pair.before && pair.after) {
    const textual = new Set(changes.map((change) => change.path));
    for (const [path, text] of leaves(pair.after)) {
      if (textual.has(path) || IGNORED.has(path.split(/[.[]/)[0])) continue;
      const why = referenceChange(stack, text, heads, known);
      if (why) knownAfterApply.set(path, why);
    }
  }
  return { changes, knownAfterApply };
}

const topLevel = (path: string) => path.split(/[.[]/)[0];

/** The diff of every stack: `base` and `head` map stack names to their cdk.tf.json (readSynthOutput). */
export function diffStacks(base: Record<string, Json>, head: Record<string, Json>): DiffReport {
  const names = orderStacks([...new Set([...Object.keys(base), ...Object.keys(head)])], head, base);
  const pairs = new Map(names.map((stack) => [stack, pairsOf(base[stack], head[stack])]));
  const heads = new Map(names.map((stack) => [stack, resourcesOf(head[stack])]));
  const known: Knowledge = { changedArguments: new Map(), replaced: new Set(), changedOutputs: new Set() };

  // Spread changes through references until nothing more changes (each pass can only add).
  for (let grew = true; grew; ) {
    grew = false;
    for (const stack of names) {
      for (const pair of pairs.get(stack) ?? []) {
        if (!pair.before || !pair.after) continue;
        const { changes, knownAfterApply } = changesOf(stack, pair, heads, known);
        const paths = [...changes.map((change) => change.path), ...knownAfterApply.keys()];
        const id = key(stack, pair.address);
        const changed = known.changedArguments.get(id) ?? new Set<string>();
        for (const path of paths) {
          if (!changed.has(topLevel(path))) {
            changed.add(topLevel(path));
            grew = true;
          }
        }
        if (changed.size > 0) known.changedArguments.set(id, changed);
        if (!known.replaced.has(id) && paths.some((path) => forcesReplacement(pair.type, path))) {
          known.replaced.add(id);
          grew = true;
        }
      }
      for (const name of changedOutputNames(stack, base[stack], head[stack], heads, known)) {
        if (!known.changedOutputs.has(key(stack, name))) {
          known.changedOutputs.add(key(stack, name));
          grew = true;
        }
      }
    }
  }

  const stacks = names.map((stack) => stackDiff(stack, base[stack], head[stack], pairs.get(stack) ?? [], heads, known));
  return { stacks, hazards: sortHazards(stacks.flatMap((stack) => stack.hazards)) };
}

function changedOutputNames(
  stack: string,
  base: Json | undefined,
  head: Json | undefined,
  heads: Map<string, Map<string, Json>>,
  known: Knowledge,
): string[] {
  const before: Json = base?.output ?? {};
  const after: Json = head?.output ?? {};
  return Object.keys(after).filter(
    (name) =>
      before[name] !== undefined &&
      (valueChanges(before[name], after[name]).length > 0 ||
        leaves(after[name]).some(([, text]) => referenceChange(stack, text, heads, known) !== undefined)),
  );
}

function stackDiff(
  stack: string,
  base: Json | undefined,
  head: Json | undefined,
  pairs: Pair[],
  heads: Map<string, Map<string, Json>>,
  known: Knowledge,
): StackDiff {
  const createdAddresses = new Set(pairs.filter((pair) => !pair.before).map((pair) => pair.address));
  const resources: ResourceChange[] = [];
  for (const pair of pairs) {
    const { changes, knownAfterApply } = changesOf(stack, pair, heads, known);
    const replaced = known.replaced.has(key(stack, pair.address));
    const changed = changes.length > 0 || knownAfterApply.size > 0 || pair.movedFrom !== undefined;
    const action: Action | undefined = !pair.before
      ? "create"
      : !pair.after
        ? "delete"
        : replaced
          ? "replace"
          : changed
            ? "update"
            : undefined;
    if (!action) continue;
    const attributeChanges: AttributeChange[] = [
      ...changes.map((change) => ({
        path: change.path,
        before: showValue(change.before, change.sensitive),
        after: showValue(change.after, change.sensitive),
        forcesReplacement: forcesReplacement(pair.type, change.path),
      })),
      ...[...knownAfterApply].map(([path, why]) => ({
        path,
        before: showValue(leafAt(pair.before, path)),
        after: `(known after apply: ${why})`,
        forcesReplacement: forcesReplacement(pair.type, path),
      })),
    ].sort((a, b) => a.path.localeCompare(b.path));
    const reasons = resourceFindings({
      type: pair.type,
      action,
      before: pair.before,
      after: pair.after,
      replacedBy: attributeChanges.filter((change) => change.forcesReplacement).map((change) => change.path),
      groupIsNew: groupIsNew(pair.after, createdAddresses),
    });
    resources.push({
      address: pair.address,
      type: pair.type,
      action,
      attributes: [...new Set(attributeChanges.map((change) => topLevel(change.path)))].sort(),
      hazards: sortHazards(reasons.map((reason) => reason.hazard)),
      reasons,
      changes: attributeChanges,
      ...(pair.movedFrom ? { movedFrom: pair.movedFrom } : {}),
    });
  }
  attachAvailability(resources, availabilityFindings(stack, base, head));

  const backendChanges = settingChanges(base?.terraform?.backend, head?.terraform?.backend);
  const backendReasons = base && head ? backendFindings(base.terraform?.backend, head.terraform?.backend) : [];
  const provider = base && head ? settingChanges(base.provider, head.provider) : [];
  const outputs = outputChanges(
    base,
    head,
    new Set(Object.keys(head?.output ?? {}).filter((name) => known.changedOutputs.has(key(stack, name)))),
  );
  const change: StackChange = !base
    ? "added"
    : !head
      ? "removed"
      : resources.length + outputs.length + backendChanges.length + provider.length > 0
        ? "changed"
        : "unchanged";
  const hazards = sortHazards([
    ...resources.flatMap((resource) => resource.hazards),
    ...backendReasons.map((reason) => reason.hazard),
  ]);
  return {
    stack,
    change,
    resources,
    outputs,
    backend: { changes: base && head ? backendChanges : [], reasons: backendReasons },
    provider,
    hazards,
  };
}

/** What a weakened ECS service depends on: a change to one of these can break the service's rules. */
const SERVICE_PARTS = new Set([
  "aws_ecs_service",
  "aws_lb_target_group",
  "aws_ecs_task_definition",
  "aws_appautoscaling_target",
]);

/**
 * Adds each new zero-downtime violation to the service it concerns, or, when the service itself
 * does not change, to the changed parts it depends on (a target group's health check or draining, a
 * task definition's stop timeout).
 */
function attachAvailability(resources: ResourceChange[], byService: Map<string, string[]>): void {
  for (const [service, violations] of byService) {
    const findings = violations.map((reason): Finding => ({ hazard: "availability", reason: `${service}: ${reason}` }));
    const own = resources.filter((resource) => resource.address === service);
    const targets = own.length > 0 ? own : resources.filter((resource) => SERVICE_PARTS.has(resource.type));
    for (const target of targets) {
      const index = resources.indexOf(target);
      const reasons = [...target.reasons, ...findings];
      resources[index] = { ...target, reasons, hazards: sortHazards(reasons.map((reason) => reason.hazard)) };
    }
  }
}

/** For a security group rule: whether the group it belongs to is created by the same change. */
function groupIsNew(after: Json | undefined, created: Set<string>): boolean | undefined {
  const group = after?.security_group_id;
  if (typeof group !== "string") return undefined;
  const match = /\$\{(aws_security_group\.[A-Za-z0-9_-]+)\.id\}/.exec(group);
  return match ? created.has(match[1]) : false;
}

function leafAt(value: Json | undefined, path: string): unknown {
  return leaves(value).find(([leafPath]) => leafPath === path)?.[1];
}

function settingChanges(before: unknown, after: unknown): AttributeChange[] {
  return valueChanges(before, after).map((change) => ({
    path: change.path,
    before: showValue(change.before, change.sensitive),
    after: showValue(change.after, change.sensitive),
    forcesReplacement: false,
  }));
}

/** Outputs created, deleted, or among `changed` (the fixpoint's changed outputs of this stack). */
function outputChanges(base: Json | undefined, head: Json | undefined, changed: ReadonlySet<string>): OutputChange[] {
  const before: Json = base?.output ?? {};
  const after: Json = head?.output ?? {};
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].sort().flatMap((name): OutputChange[] => {
    if (before[name] === undefined) return [{ name, action: "create" }];
    if (after[name] === undefined) return [{ name, action: "delete" }];
    return changed.has(name) ? [{ name, action: "update" }] : [];
  });
}

/** Stacks that read no other stack first (global, network), then the rest; by name within each. */
function orderStacks(names: string[], head: Record<string, Json>, base: Record<string, Json>): string[] {
  const dependencies = (stack: string) =>
    Object.keys((head[stack] ?? base[stack])?.data?.terraform_remote_state ?? {}).length;
  return names.sort((a, b) => dependencies(a) - dependencies(b) || a.localeCompare(b));
}

/** Whether a review has anything hazardous that `failOn` names. */
export function failingHazards(hazards: readonly Hazard[], failOn: readonly Hazard[]): Hazard[] {
  return hazards.filter((hazard) => failOn.includes(hazard));
}
