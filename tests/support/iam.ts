/**
 * IAM policies of synthesized stacks, read the way IAM reads them, for tests that ask "may this
 * role do that?". Only identity policies of one role and only Allow (a role without a Deny); the
 * condition operators the stacks use (String/Arn Equals and Like, their ForAnyValue forms, Bool);
 * a condition key missing from the request fails its condition, as in IAM. Wildcards `*` and `?`
 * match as in IAM (any run of characters, one character), including in ARN conditions.
 */
import { type Json, SynthesizedStack } from "./synth";

export interface Request {
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request: a value or several (multi-valued keys). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

const list = (value: unknown): string[] => (value === undefined ? [] : ([value].flat() as string[]));

/** A glob of IAM's (`*`, `?`) as a whole-string, case-sensitive regular expression. Unlike the policy
 *  rules' `iamGlob`, a Terraform interpolation is literal text here: the tests ask about the very ARNs
 *  the stacks write (`arn:${data.aws_partition…}:ecr:…`), and one repository must not cover another. */
function glob(pattern: string, caseInsensitive = false): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`, caseInsensitive ? "is" : "s");
}

const OPERATORS: Record<string, (value: string, pattern: string) => boolean> = {
  StringEquals: (value, pattern) => value === pattern,
  StringLike: (value, pattern) => glob(pattern).test(value),
  ArnEquals: (value, pattern) => glob(pattern).test(value),
  ArnLike: (value, pattern) => glob(pattern).test(value),
  Bool: (value, pattern) => value === String(pattern),
};

function conditionHolds(operator: string, key: string, patterns: string[], request: Request): boolean {
  const forAny = operator.startsWith("ForAnyValue:");
  const base = operator.replace(/^ForAnyValue:/, "");
  const compare = OPERATORS[base];
  if (!compare) throw new Error(`tests/support/iam.ts does not evaluate the condition operator ${operator}`);
  const values = list(request.context?.[key]);
  if (values.length === 0) return false;
  const matches = (value: string) => patterns.some((pattern) => compare(value, pattern));
  return forAny ? values.some(matches) : values.every(matches);
}

function statementAllows(statement: Json, request: Request): boolean {
  if (statement.Effect !== "Allow") return false;
  if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
    throw new Error("tests/support/iam.ts does not evaluate NotAction or NotResource: refuse them in the policy");
  }
  if (!list(statement.Action).some((action) => glob(action, true).test(request.action))) return false;
  if (!list(statement.Resource).some((resource) => glob(resource).test(request.resource))) return false;
  return Object.entries<Record<string, unknown>>(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, patterns]) => conditionHolds(operator, key, list(patterns), request)),
  );
}

/** Whether one of `statements` allows `request`. */
export function allows(statements: readonly Json[], request: Request): boolean {
  return statements.some((statement) => statementAllows(statement, request));
}

/** What the stacks' policies write as Terraform references, replaced by one account's values. */
export const ACCOUNT = { partition: "aws", accountId: "123456789012", region: "eu-central-1" } as const;

function resolveReferences(policy: string): string {
  return policy
    .replace(/\$\{data\.aws_partition\.[^}]+\.partition\}/g, ACCOUNT.partition)
    .replace(/\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/g, ACCOUNT.accountId);
}

/** The logical name (`aws_iam_role.<name>`) of the role in `json` (a stack's cdk.tf.json, or a changed
 *  copy of one) whose construct path ends with `pathSuffix`. */
export function roleNamed(json: Json, pathSuffix: string): string {
  return new SynthesizedStack("the stack", json).logicalName("aws_iam_role", pathSuffix);
}

/**
 * Every statement of every policy of role `logicalName` in `json` (a stack's cdk.tf.json): its
 * inline policies and the managed policies of the same stack attached to it, with the account's
 * references resolved. Other managed policies (AWS's) are listed apart: their documents are not in
 * the JSON.
 */
export function roleStatements(json: Json, logicalName: string): { statements: Json[]; managedPolicies: string[] } {
  const reference = `\${aws_iam_role.${logicalName}.name}`;
  const documents = Object.values<Json>(json.resource?.aws_iam_role_policy ?? {})
    .filter((policy) => policy.role === reference)
    .map((policy) => String(policy.policy));
  const managedPolicies: string[] = [];
  for (const attachment of Object.values<Json>(json.resource?.aws_iam_role_policy_attachment ?? {})) {
    if (attachment.role !== reference) continue;
    const local = /^\$\{aws_iam_policy\.([^.}]+)\.arn\}$/.exec(String(attachment.policy_arn));
    if (local) documents.push(String(json.resource.aws_iam_policy[local[1]].policy));
    else managedPolicies.push(resolveReferences(String(attachment.policy_arn)));
  }
  const statements = documents.flatMap(
    (policy) => list(JSON.parse(resolveReferences(policy)).Statement) as unknown as Json[],
  );
  return { statements, managedPolicies };
}

/** Every Allow statement of every IAM policy document in `json`, with where it comes from. */
export function everyStatement(json: Json): { address: string; statement: Json }[] {
  const documents: [string, string][] = [
    ...Object.entries<Json>(json.resource?.aws_iam_role_policy ?? {}).map(
      ([name, body]) => [`aws_iam_role_policy.${name}`, body.policy] as [string, string],
    ),
    ...Object.entries<Json>(json.resource?.aws_iam_policy ?? {}).map(
      ([name, body]) => [`aws_iam_policy.${name}`, body.policy] as [string, string],
    ),
  ];
  return documents.flatMap(([address, policy]) =>
    (list(JSON.parse(policy).Statement) as unknown as Json[]).map((statement) => ({ address, statement })),
  );
}
