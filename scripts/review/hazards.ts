/**
 * The hazards a change review names, each a category that people and tools filter on
 * (`pnpm diff --fail-on data-loss`, the pull request's `hazard:<category>` labels):
 *   destroy       a resource goes;
 *   replace       a resource is destroyed and created again;
 *   data-loss     a stateful resource (zone, repository, bucket, volume, key, log group, instance,
 *                 the state backend) is deleted or replaced;
 *   security      ingress widens or opens to the internet, an IAM statement gains actions or
 *                 resources, encryption, TLS or privacy settings weaken;
 *   availability  a zero-downtime setting of an ECS service or its target group gets weaker (the
 *                 rules of scripts/review/zero-downtime.ts, the ones the stack tests hold), or a
 *                 zone stops signing (DNSSEC) while its parent may still publish its DS record.
 * The same functions judge `pnpm diff` (synthesized arguments) and `pnpm plan-summary` (planned values).
 */
import { ALLOWED_TLS_POLICY } from "../policy/rules";
import { abbreviate, type Json, schemaPath, showValue, valueChanges } from "./values";
import { zeroDowntimeViolations } from "./zero-downtime";

export const HAZARDS = ["destroy", "replace", "data-loss", "security", "availability"] as const;
export type Hazard = (typeof HAZARDS)[number];

export type Action = "create" | "update" | "replace" | "delete";

/** A hazard and why, in words a reviewer reads in the pull request. */
export interface Finding {
  readonly hazard: Hazard;
  readonly reason: string;
}

/** One resource in a review, as pnpm diff and pnpm plan-summary both report it. */
export interface ReviewedResource {
  /** Terraform address: `aws_lb.load_balancer_5CB6B27E`. */
  readonly address: string;
  readonly type: string;
  readonly action: Action;
  readonly hazards: readonly Hazard[];
  readonly reasons: readonly Finding[];
}

/** What is known of one resource's change. */
export interface ResourceFacts {
  readonly type: string;
  readonly action: Action;
  /** Arguments (diff) or values (plan) before; absent for a create. */
  readonly before?: Json;
  /** After; absent for a delete. */
  readonly after?: Json;
  /** The changed paths that force the replacement, when the action is `replace`. */
  readonly replacedBy?: readonly string[];
  /** For an ingress rule: its security group is new in this change, so nothing existing widens. */
  readonly groupIsNew?: boolean;
}

/** Stateful resource types: what is lost when one is deleted or replaced. */
export const STATEFUL_TYPES: Readonly<Record<string, string>> = {
  aws_route53_zone: "a hosted zone: its records go, and a new zone gets new name servers (the delegation breaks)",
  aws_ecr_repository: "an ECR repository: every image in it is deleted",
  aws_s3_bucket: "an S3 bucket: its objects go",
  aws_ebs_volume: "an EBS volume: its data goes (JENKINS_HOME) unless restored from a snapshot",
  aws_kms_key: "a KMS key: it is scheduled for deletion, and what it encrypts becomes unreadable",
  aws_cloudwatch_log_group: "a log group: its logs go",
  aws_instance: "an EC2 instance (Jenkins, the bastion): its root volume and what it keeps locally go",
};

export function sortHazards(hazards: Iterable<Hazard>): Hazard[] {
  return [...new Set(hazards)].sort((a, b) => HAZARDS.indexOf(a) - HAZARDS.indexOf(b));
}

/** Every finding for one resource change; `availability` only for DNSSEC (the ECS rules judge a whole stack). */
export function resourceFindings(facts: ResourceFacts): Finding[] {
  const findings: Finding[] = [];
  if (facts.action === "delete") findings.push({ hazard: "destroy", reason: "destroyed" });
  if (facts.action === "replace") {
    const forcedBy = facts.replacedBy?.length
      ? `: ${facts.replacedBy.map((path) => `\`${path}\``).join(", ")} cannot change in place`
      : "";
    findings.push({ hazard: "replace", reason: `destroyed and created again${forcedBy}` });
  }
  const stateful = STATEFUL_TYPES[facts.type];
  if (stateful && (facts.action === "delete" || facts.action === "replace")) {
    const guarded =
      facts.before?.lifecycle?.prevent_destroy === true ? " (lifecycle.prevent_destroy: the apply stops here)" : "";
    findings.push({ hazard: "data-loss", reason: `${stateful}${guarded}` });
  }
  for (const reason of securityReasons(facts)) findings.push({ hazard: "security", reason });
  for (const reason of dnssecReasons(facts)) findings.push({ hazard: "availability", reason });
  return findings;
}

/** What stops a zone's DNSSEC: its key-signing key or its signing going, or either switched off. */
const DNSSEC_STOPS: Readonly<Record<string, { attribute: string; off: string }>> = {
  aws_route53_key_signing_key: { attribute: "status", off: "INACTIVE" },
  aws_route53_hosted_zone_dnssec: { attribute: "signing_status", off: "NOT_SIGNING" },
};

/**
 * A zone that stops signing while its parent (or the registrar, for the apex) still publishes its DS
 * record, or while resolvers still cache it, fails validation: every name in it stops resolving for
 * validating resolvers. The safe order is the DS first, its TTL, then the signing (docs/runbook.md#dnssec).
 */
function dnssecReasons(facts: ResourceFacts): string[] {
  const stop = DNSSEC_STOPS[facts.type];
  if (!stop) return [];
  const switchedOff =
    facts.action === "update" &&
    facts.before?.[stop.attribute] !== stop.off &&
    facts.after?.[stop.attribute] === stop.off;
  if (facts.action !== "delete" && facts.action !== "replace" && !switchedOff) return [];
  return [
    "the zone stops signing (DNSSEC): while a DS record for it is published or cached, validating resolvers refuse every name in it; remove the DS first and wait its TTL (docs/runbook.md#dnssec)",
  ];
}

/** Changes of an S3 backend that point Terraform at another state (or none). */
const BACKEND_LOCATION = ["bucket", "key", "region", "workspace_key_prefix", "endpoint", "endpoints"];

/** Findings for a stack whose `terraform.backend` changes. */
export function backendFindings(before: Json | undefined, after: Json | undefined): Finding[] {
  if (JSON.stringify(before ?? {}) === JSON.stringify(after ?? {})) return [];
  const beforeType = Object.keys(before ?? {})[0];
  const afterType = Object.keys(after ?? {})[0];
  const changes = valueChanges(before?.[beforeType], after?.[afterType]);
  const findings: Finding[] = [];
  const moved = changes.filter((change) => BACKEND_LOCATION.includes(change.path.split(".")[0]));
  if (beforeType !== afterType || moved.length > 0) {
    const what =
      beforeType !== afterType ? `backend ${beforeType} → ${afterType}` : moved.map((change) => change.path).join(", ");
    findings.push({
      hazard: "data-loss",
      reason: `the state backend moves (${what}): without \`terraform init -migrate-state\` the next apply starts from empty state and creates everything again`,
    });
  }
  if (changes.some((change) => change.path === "encrypt" && change.before === true && change.after !== true)) {
    findings.push({ hazard: "security", reason: "the state is no longer encrypted at rest (`encrypt`)" });
  }
  return findings;
}

/**
 * New zero-downtime violations of `after` against `before`, by the address of the ECS service they
 * concern (the rules of scripts/review/zero-downtime.ts; a stack that did not exist has none).
 */
export function availabilityFindings(
  stack: string,
  before: Json | undefined,
  after: Json | undefined,
): Map<string, string[]> {
  const existing = new Set(before ? zeroDowntimeViolations(stack, before) : []);
  const byService = new Map<string, string[]>();
  for (const violation of after ? zeroDowntimeViolations(stack, after) : []) {
    if (existing.has(violation)) continue;
    const match = /^[^/]+\/(aws_ecs_service\.[^:]+): (.*)$/s.exec(violation);
    if (!match) continue;
    byService.set(match[1], [...(byService.get(match[1]) ?? []), match[2]]);
  }
  return byService;
}

// ---------------------------------------------------------------------------------------------
// security

const WORLD = new Set(["0.0.0.0/0", "::/0"]);

interface IngressRule {
  readonly cidr: string;
  readonly ports: string;
}

const list = (value: unknown): Json[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value as Json];
const strings = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
    (item): item is string => typeof item === "string",
  );

function ports(protocol: unknown, from: unknown, to: unknown): string {
  if (protocol === "-1" || protocol === "all" || protocol === -1) return "every port";
  const range = from === to || to === undefined ? `port ${from}` : `ports ${from}-${to}`;
  return `${String(protocol ?? "tcp")} ${range}`;
}

/** Who may connect to what, for the resource types that define ingress. */
function ingressRules(type: string, value: Json | undefined): IngressRule[] {
  if (!value) return [];
  const fromBlock = (block: Json): IngressRule[] =>
    [...strings(block.cidr_blocks), ...strings(block.ipv6_cidr_blocks)].map((cidr) => ({
      cidr,
      ports: ports(block.protocol, block.from_port, block.to_port),
    }));
  switch (type) {
    case "aws_vpc_security_group_ingress_rule":
      return [value.cidr_ipv4, value.cidr_ipv6]
        .filter((cidr): cidr is string => typeof cidr === "string")
        .map((cidr) => ({ cidr, ports: ports(value.ip_protocol, value.from_port, value.to_port) }));
    case "aws_security_group_rule":
      return value.type === "ingress" ? fromBlock(value) : [];
    case "aws_security_group":
    case "aws_default_security_group":
      return list(value.ingress).flatMap(fromBlock);
    default:
      return [];
  }
}

function ingressReasons(facts: ResourceFacts): string[] {
  const before = new Set(ingressRules(facts.type, facts.before).map((rule) => `${rule.cidr} ${rule.ports}`));
  const existingGroup = facts.action !== "create" || facts.groupIsNew === false;
  return ingressRules(facts.type, facts.after)
    .filter((rule) => !before.has(`${rule.cidr} ${rule.ports}`))
    .flatMap((rule) => {
      if (WORLD.has(rule.cidr)) return [`opens ${rule.ports} to ${rule.cidr} (the whole internet)`];
      return existingGroup ? [`ingress widens: ${rule.ports} from ${rule.cidr}`] : [];
    });
}

/** Attributes that hold an IAM policy document (JSON). */
const POLICY_ATTRIBUTES = new Set(["policy", "assume_role_policy"]);

interface Grant {
  readonly statement: string;
  readonly action: string;
  readonly resource: string;
  /** The statement's Condition block: operator → condition key → value(s). */
  readonly condition?: ConditionBlock;
}

type ConditionBlock = Record<string, Record<string, unknown>>;

/**
 * What changed between two Condition blocks, operator and key by key, values compared as sets (their
 * order and the keys' order do not count): `ArnEquals ecs:cluster adds arn:…`, `drops ArnLike …`.
 */
function conditionChanges(before: ConditionBlock | undefined, after: ConditionBlock | undefined): string[] {
  const pairs = (block: ConditionBlock | undefined) =>
    new Map(
      Object.entries(block ?? {}).flatMap(([operator, keys]) =>
        Object.entries(keys ?? {}).map(([key, value]) => [
          `${operator} ${key}`,
          (Array.isArray(value) ? value : [value]).map(String),
        ]),
      ),
    );
  const was = pairs(before);
  const now = pairs(after);
  const shown = (values: readonly string[]) => values.map((value) => abbreviate(value, 60)).join(", ");
  return [...new Set([...was.keys(), ...now.keys()])].flatMap((name) => {
    const old = was.get(name) ?? [];
    const next = now.get(name) ?? [];
    if (!now.has(name)) return [`drops ${name} ${shown(old)}`];
    if (!was.has(name)) return [`adds ${name} ${shown(next)}`];
    const added = next.filter((value) => !old.includes(value));
    const dropped = old.filter((value) => !next.includes(value));
    return [
      ...(added.length ? [`${name} adds ${shown(added)}`] : []),
      ...(dropped.length ? [`${name} drops ${shown(dropped)}`] : []),
    ];
  });
}

function policyDocuments(value: Json | undefined): Map<string, Json> {
  const documents = new Map<string, Json>();
  const visit = (node: unknown, path: string) => {
    if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) visit(item, `${path}[${index}]`);
    } else if (node && typeof node === "object") {
      for (const [key, child] of Object.entries(node)) {
        const childPath = path ? `${path}.${key}` : key;
        if (POLICY_ATTRIBUTES.has(key) && typeof child === "string") {
          try {
            documents.set(childPath, JSON.parse(child));
          } catch {
            // Not JSON (an interpolation): nothing to read.
          }
        } else visit(child, childPath);
      }
    }
  };
  visit(value, "");
  return documents;
}

function grants(document: Json | undefined): Grant[] {
  return list(document?.Statement).flatMap((statement, index) => {
    if (statement.Effect !== "Allow") return [];
    const name = String(statement.Sid ?? `statement ${index + 1}`);
    const condition = statement.Condition as ConditionBlock | undefined;
    const actions = [...strings(statement.Action), ...strings(statement.NotAction).map((action) => `NOT ${action}`)];
    const principal = statement.Principal;
    const principals =
      principal === undefined
        ? []
        : typeof principal === "string"
          ? [principal]
          : Object.values<unknown>(principal).flatMap(strings);
    const resources = [
      ...strings(statement.Resource),
      ...strings(statement.NotResource).map((resource) => `NOT ${resource}`),
      ...principals.map((who) => `principal ${who}`),
    ];
    return actions.flatMap((action) =>
      (resources.length ? resources : ["(any)"]).map((resource) => ({ statement: name, action, resource, condition })),
    );
  });
}

/** Identity policies: what a role may do. A service wildcard there (`ecr:*`) is worth a look even
 *  when new; in a resource policy (a KMS key's) it is the usual grant to the account. */
const IDENTITY_POLICY_TYPES = new Set([
  "aws_iam_role_policy",
  "aws_iam_policy",
  "aws_iam_user_policy",
  "aws_iam_group_policy",
]);
const short = (text: string) => abbreviate(text, 48);

function byStatement<G extends Grant>(list: readonly G[]): Map<string, G[]> {
  const grouped = new Map<string, G[]>();
  for (const grant of list) grouped.set(grant.statement, [...(grouped.get(grant.statement) ?? []), grant]);
  return grouped;
}

/** `a, b (+2) on r1, r2 (+1)`: a statement's grants, short. */
function grantList(list: readonly Grant[]): string {
  const actions = [...new Set(list.map((grant) => grant.action))];
  const resources = [...new Set(list.map((grant) => grant.resource))];
  return (
    `${actions.slice(0, 4).map(short).join(", ")}${actions.length > 4 ? ` (+${actions.length - 4})` : ""} on ` +
    `${resources.slice(0, 3).map(short).join(", ")}${resources.length > 3 ? ` (+${resources.length - 3})` : ""}`
  );
}

function iamReasons(facts: ResourceFacts): string[] {
  const reasons: string[] = [];
  const beforeDocuments = policyDocuments(facts.before);
  for (const [path, document] of policyDocuments(facts.after)) {
    const existing = facts.action === "create" ? undefined : beforeDocuments.get(path);
    const before = grants(existing);
    const after = grants(document);
    const keyOf = (grant: Grant) => `${grant.action} ${grant.resource}`;
    // What each grant's condition was (a grant may stand in more than one statement).
    const conditionsBefore = new Map<string, (ConditionBlock | undefined)[]>();
    for (const grant of before) {
      conditionsBefore.set(keyOf(grant), [...(conditionsBefore.get(keyOf(grant)) ?? []), grant.condition]);
    }
    const broad = (grant: Grant) =>
      grant.action === "*" ||
      grant.resource === "principal *" ||
      (IDENTITY_POLICY_TYPES.has(facts.type) && grant.action.endsWith(":*"));
    const gained = after.filter(
      (grant) => !conditionsBefore.has(keyOf(grant)) && (existing !== undefined || broad(grant)),
    );
    const verb = existing === undefined ? "allows" : "gains";
    for (const [statement, added] of byStatement(gained)) {
      reasons.push(`\`${path}\` ${statement} ${verb} ${grantList(added)}`);
    }
    // A grant kept, its condition changed: dropping the family condition on ecs:UpdateService keeps
    // every action and resource, and opens the service to any revision. Nothing when one of the
    // statements that held the grant had this very condition.
    const changesOf = (grant: Grant) => {
      const differences = (conditionsBefore.get(keyOf(grant)) ?? []).map((was) =>
        conditionChanges(was, grant.condition),
      );
      return differences.some((changes) => changes.length === 0) ? [] : (differences[0] ?? []);
    };
    const reconditioned = after.flatMap((grant) => {
      const changes = changesOf(grant);
      return changes.length > 0 ? [{ ...grant, changes }] : [];
    });
    for (const [statement, changed] of byStatement(reconditioned)) {
      const verb = changed[0].condition === undefined ? "loses its condition" : "changes its condition";
      reasons.push(`\`${path}\` ${statement} ${verb} (${changed[0].changes.join("; ")}): ${grantList(changed)}`);
    }
  }
  const policyArn = facts.after?.policy_arn;
  if (
    facts.type.endsWith("_policy_attachment") &&
    typeof policyArn === "string" &&
    policyArn !== facts.before?.policy_arn &&
    /AdministratorAccess|PowerUserAccess|IAMFullAccess/.test(policyArn)
  ) {
    reasons.push(`attaches ${policyArn}`);
  }
  return reasons;
}

/** Settings whose `true` protects; turning one off weakens encryption or privacy. */
const PROTECTIVE_FLAGS = new Set([
  "encrypted",
  "encrypt",
  "enable_key_rotation",
  "block_public_acls",
  "block_public_policy",
  "ignore_public_acls",
  "restrict_public_buckets",
  "drop_invalid_header_fields",
]);
/** Settings whose `true` exposes. */
const EXPOSING_FLAGS = new Set(["associate_public_ip_address", "map_public_ip_on_launch", "publicly_accessible"]);
const KMS_KEYS = new Set(["kms_key_id", "kms_master_key_id", "kms_key_arn", "kms_key"]);

function weakeningReasons(facts: ResourceFacts): string[] {
  if (!facts.before || !facts.after) return [];
  const reasons: string[] = [];
  for (const change of valueChanges(facts.before, facts.after)) {
    const name = schemaPath(change.path).split(".").at(-1) ?? "";
    const was = showValue(change.before, change.sensitive);
    const becomes = showValue(change.after, change.sensitive);
    const at = `\`${change.path}\` ${was} → ${becomes}`;
    if (PROTECTIVE_FLAGS.has(name) && change.before === true && change.after !== true)
      reasons.push(`turned off: ${at}`);
    else if (EXPOSING_FLAGS.has(name) && change.before !== true && change.after === true)
      reasons.push(`made public: ${at}`);
    else if (name === "internal" && facts.type === "aws_lb" && change.before === true && change.after !== true)
      reasons.push(`load balancer becomes internet-facing: ${at}`);
    else if (name === "http_tokens" && change.before === "required" && change.after !== "required")
      reasons.push(`IMDSv2 no longer required: ${at}`);
    else if (
      name === "ssl_policy" &&
      ALLOWED_TLS_POLICY.test(String(change.before)) &&
      !ALLOWED_TLS_POLICY.test(String(change.after))
    )
      reasons.push(`TLS policy weakens: ${at}`);
    else if (
      name === "protocol" &&
      facts.type === "aws_lb_listener" &&
      /^(HTTPS|TLS)$/.test(String(change.before)) &&
      !/^(HTTPS|TLS)$/.test(String(change.after))
    )
      reasons.push(`listener stops using TLS: ${at}`);
    else if (KMS_KEYS.has(name) && change.before !== undefined && change.after === undefined)
      reasons.push(`customer-managed KMS key removed: ${at}`);
    else if (name === "sse_algorithm" && String(change.before).startsWith("aws:kms") && change.after === "AES256")
      reasons.push(`encryption falls back to S3-managed keys: ${at}`);
    else if (name === "encryption_type" && change.before === "KMS" && change.after !== "KMS")
      reasons.push(`encryption falls back to AWS-managed keys: ${at}`);
  }
  return reasons;
}

export function securityReasons(facts: ResourceFacts): string[] {
  if (facts.action === "delete") return [];
  return [...ingressReasons(facts), ...iamReasons(facts), ...weakeningReasons(facts)];
}
