/**
 * The policies that keep the Terraform state to the roles that run Terraform: the state bucket's
 * (TLS only; object reads and writes only by those roles) and its KMS key's (the account
 * administers it; only those roles encrypt and decrypt with it). Both name the roles by
 * `aws:PrincipalArn`, which is the role's ARN for every session of it, with `*` where a name varies
 * (IAM Identity Center's roles end in a random suffix). Pure: the caller's account and partition
 * come in.
 */

// biome-ignore lint/suspicious/noExplicitAny: IAM policy documents are free-form JSON.
export type Statement = Record<string, any>;

/** Who runs bootstrap-state: the account the bucket and key must belong to. */
export interface Caller {
  readonly accountId: string;
  readonly partition: string;
}

export const TLS_STATEMENT_SID = "DenyInsecureTransport";
export const STATE_ACCESS_SID = "DenyStateAccessToOthers";
export const KEY_ADMIN_SID = "AccountAdministersKey";
export const KEY_USE_SID = "DenyStateKeyUseToOthers";

/** Object actions on the state: what only the Terraform roles may do. */
const STATE_OBJECT_ACTIONS = [
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:PutObject",
] as const;

/** The key operations that read or write state (S3 calls them on the caller's behalf). */
const KEY_USE_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"] as const;

/** `arn:<partition>:iam::<account>:role/<path/name>` of each role pattern, sorted. */
export function roleArns(caller: Caller, roles: readonly string[]): string[] {
  return [...new Set(roles.map((role) => `arn:${caller.partition}:iam::${caller.accountId}:role/${role}`))].sort();
}

export function tlsOnlyStatement(bucket: string, partition = "aws"): Statement {
  return {
    Sid: TLS_STATEMENT_SID,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:${partition}:s3:::${bucket}`, `arn:${partition}:s3:::${bucket}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** Nobody but `roles` reads, writes or deletes an object of the bucket (not even the account's
 *  administrators: they assume one of the roles, or change this policy, which stays theirs). */
export function stateAccessStatement(bucket: string, caller: Caller, roles: readonly string[]): Statement {
  return {
    Sid: STATE_ACCESS_SID,
    Effect: "Deny",
    Principal: "*",
    Action: [...STATE_OBJECT_ACTIONS],
    Resource: `arn:${caller.partition}:s3:::${bucket}/*`,
    Condition: { ArnNotLike: { "aws:PrincipalArn": roleArns(caller, roles) } },
  };
}

/** The state key's policy: the account administers it through IAM; nobody but `roles` uses it. */
export function keyPolicyStatements(caller: Caller, roles: readonly string[]): Statement[] {
  return [
    {
      Sid: KEY_ADMIN_SID,
      Effect: "Allow",
      Principal: { AWS: `arn:${caller.partition}:iam::${caller.accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    },
    {
      Sid: KEY_USE_SID,
      Effect: "Deny",
      Principal: "*",
      Action: [...KEY_USE_ACTIONS],
      Resource: "*",
      Condition: { ArnNotLike: { "aws:PrincipalArn": roleArns(caller, roles) } },
    },
  ];
}

/** A statement with every list sorted and one-element lists unwrapped, to compare as AWS stores them. */
function normalized(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalized);
    const sorted = items.map((item) => JSON.stringify(item)).sort();
    return sorted.length === 1 ? JSON.parse(sorted[0]) : sorted.map((item) => JSON.parse(item));
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, item]) => [key, normalized(item)]),
    );
  }
  return value;
}

/** Whether `statements` hold a statement equal to `wanted` (same Sid and meaning). */
export function holds(statements: readonly Statement[], wanted: Statement): boolean {
  const target = JSON.stringify(normalized(wanted));
  return statements.some((statement) => JSON.stringify(normalized(statement)) === target);
}

/** `statements` without the ones whose Sid `wanted` has, followed by `wanted`. */
export function withStatements(statements: readonly Statement[], wanted: readonly Statement[]): Statement[] {
  const ours = new Set(wanted.map((statement) => statement.Sid));
  return [...statements.filter((statement) => !ours.has(statement.Sid)), ...wanted];
}
