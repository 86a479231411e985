/**
 * The Terraform state bucket, made and hardened the way Terragrunt's remote_state does it, and
 * kept to the roles that run Terraform: versioning, default encryption with the state's own
 * customer-managed KMS key (key.ts), every public-access block, a policy that denies non-TLS
 * access and every object read or write by anyone but those roles (policies.ts), and a lifecycle
 * rule for old noncurrent versions. Each setting is read, compared and only then written, so a
 * second run changes nothing and a weaker bucket is brought up to these settings.
 *
 * The bucket must be this account's: every S3 call names the caller's account as
 * ExpectedBucketOwner (S3 answers 403 for a bucket of another account), and before anything is
 * written the bucket must also be among the account's own buckets (ListBuckets). A bucket of
 * another account is refused with exit 2, and nothing is changed, neither there nor here.
 */

import type { KMSClient } from "@aws-sdk/client-kms";
import {
  type BucketLifecycleConfiguration,
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  type LifecycleRule,
  ListBucketsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { UsageError } from "../../../lib/cli";
import { awsErrorName } from "../aws/config";
import { ensureStateKey } from "./key";
import { type Caller, holds, type Statement, stateAccessStatement, tlsOnlyStatement, withStatements } from "./policies";

export interface StateBucketSettings {
  readonly bucket: string;
  readonly region: string;
  /** Alias of the bucket's KMS key, `alias/<project>-terraform-state`. */
  readonly keyAlias: string;
  /** The roles that run Terraform (`name` or `path/name`, `*` within a name): the plan role and
   *  vars' terraformRoles. Only they read and write the state objects and use the key. */
  readonly terraformRoles: readonly string[];
  /** Days a replaced state version is kept before it expires. @default 90 */
  readonly noncurrentVersionDays?: number;
}

export interface SettingChange {
  readonly setting: string;
  readonly from: string;
  readonly to: string;
}

export const LIFECYCLE_RULE_ID = "expire-noncurrent-state-versions";
const PUBLIC_ACCESS_BLOCK = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
} as const;

/** One setting: what it is now, whether that is good enough, and how to set it. */
interface Setting {
  readonly name: string;
  readonly wanted: string;
  current(): Promise<{ description: string; ok: boolean }>;
  apply(): Promise<void>;
}

/** Reads a setting, treating "not configured" errors as undefined. */
async function readOrMissing<T>(read: () => Promise<T>, missing: string): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (awsErrorName(error) === missing) return undefined;
    throw error;
  }
}

function deniesInsecureTransport(statement: Statement, bucket: string, partition: string): boolean {
  const resources = [statement.Resource].flat();
  const actions = [statement.Action].flat();
  return (
    statement.Effect === "Deny" &&
    String(statement.Condition?.Bool?.["aws:SecureTransport"]) === "false" &&
    actions.includes("s3:*") &&
    resources.includes(`arn:${partition}:s3:::${bucket}`) &&
    resources.includes(`arn:${partition}:s3:::${bucket}/*`)
  );
}

function lifecycleRule(days: number): LifecycleRule {
  return {
    ID: LIFECYCLE_RULE_ID,
    Status: "Enabled",
    Filter: { Prefix: "" },
    NoncurrentVersionExpiration: { NoncurrentDays: days },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  };
}

function expiresNoncurrent(rule: LifecycleRule, days: number): boolean {
  const wholeBucket = !rule.Filter?.Prefix && !rule.Filter?.Tag && !rule.Filter?.And && !rule.Prefix;
  const noncurrentDays = rule.NoncurrentVersionExpiration?.NoncurrentDays;
  return rule.Status === "Enabled" && wholeBucket && noncurrentDays !== undefined && noncurrentDays <= days;
}

/** What the settings need to know about the account and its key. */
interface Owner {
  readonly caller: Caller;
  /** The key's ARN; undefined in a dry run that would create it. */
  readonly keyArn: string | undefined;
}

function settings(s3: S3Client, wanted: StateBucketSettings, { caller, keyArn }: Owner): Setting[] {
  const { bucket, keyAlias, noncurrentVersionDays = 90 } = wanted;
  // Every call names the account the bucket must belong to: S3 refuses it (403) for any other.
  const Bucket = bucket;
  const ExpectedBucketOwner = caller.accountId;
  const policy = [
    tlsOnlyStatement(bucket, caller.partition),
    stateAccessStatement(bucket, caller, wanted.terraformRoles),
  ];
  return [
    {
      name: "versioning",
      wanted: "Enabled",
      async current() {
        const status = (await s3.send(new GetBucketVersioningCommand({ Bucket, ExpectedBucketOwner }))).Status;
        return { description: status ?? "never enabled", ok: status === "Enabled" };
      },
      apply: async () => {
        await s3.send(
          new PutBucketVersioningCommand({
            Bucket,
            ExpectedBucketOwner,
            VersioningConfiguration: { Status: "Enabled" },
          }),
        );
      },
    },
    {
      name: "default encryption",
      wanted: `aws:kms with ${keyAlias} (bucket key)`,
      async current() {
        const read = await readOrMissing(
          () => s3.send(new GetBucketEncryptionCommand({ Bucket, ExpectedBucketOwner })),
          "ServerSideEncryptionConfigurationNotFoundError",
        );
        const rule = read?.ServerSideEncryptionConfiguration?.Rules?.[0];
        const algorithm = rule?.ApplyServerSideEncryptionByDefault;
        const key = algorithm?.KMSMasterKeyID;
        const ok =
          algorithm?.SSEAlgorithm === "aws:kms" &&
          keyArn !== undefined &&
          key === keyArn &&
          rule?.BucketKeyEnabled === true;
        const description = !algorithm?.SSEAlgorithm
          ? "none"
          : `${algorithm.SSEAlgorithm}${key ? ` with ${key}` : algorithm.SSEAlgorithm.startsWith("aws:kms") ? " with the AWS-managed key" : ""}`;
        return { description, ok };
      },
      apply: async () => {
        await s3.send(
          new PutBucketEncryptionCommand({
            Bucket,
            ExpectedBucketOwner,
            ServerSideEncryptionConfiguration: {
              Rules: [
                {
                  ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn },
                  BucketKeyEnabled: true,
                },
              ],
            },
          }),
        );
      },
    },
    {
      name: "public access block",
      wanted: "all four on",
      async current() {
        const read = await readOrMissing(
          () => s3.send(new GetPublicAccessBlockCommand({ Bucket, ExpectedBucketOwner })),
          "NoSuchPublicAccessBlockConfiguration",
        );
        const config: Record<string, boolean | undefined> = { ...read?.PublicAccessBlockConfiguration };
        const off = Object.keys(PUBLIC_ACCESS_BLOCK).filter((key) => config[key] !== true);
        return { description: off.length ? `off: ${off.join(", ")}` : "all four on", ok: off.length === 0 };
      },
      apply: async () => {
        await s3.send(
          new PutPublicAccessBlockCommand({
            Bucket,
            ExpectedBucketOwner,
            PublicAccessBlockConfiguration: PUBLIC_ACCESS_BLOCK,
          }),
        );
      },
    },
    {
      name: "bucket policy",
      wanted: "denies non-TLS access, and the state's objects to all but the Terraform roles",
      async current() {
        const statements = await policyStatements(s3, bucket, ExpectedBucketOwner);
        const tls = statements.some((statement) => deniesInsecureTransport(statement, bucket, caller.partition));
        const roles = holds(statements, policy[1]);
        const missing = [...(tls ? [] : ["non-TLS"]), ...(roles ? [] : ["other principals"])];
        const description = statements.length
          ? `${statements.length} statements, none deny ${missing.join(" or ")}`
          : "none";
        return {
          description: tls && roles ? "denies non-TLS access and other principals" : description,
          ok: tls && roles,
        };
      },
      apply: async () => {
        const current = await policyStatements(s3, bucket, ExpectedBucketOwner);
        const Policy = JSON.stringify({ Version: "2012-10-17", Statement: withStatements(current, policy) });
        await s3.send(new PutBucketPolicyCommand({ Bucket, ExpectedBucketOwner, Policy }));
      },
    },
    {
      name: "lifecycle",
      wanted: `noncurrent versions expire after ${noncurrentVersionDays} days`,
      async current() {
        const rules = await lifecycleRules(s3, bucket, ExpectedBucketOwner);
        const ok = rules.some((rule) => expiresNoncurrent(rule, noncurrentVersionDays));
        const description = ok ? `noncurrent versions expire` : `${rules.length} rules, none expire old versions`;
        return { description, ok };
      },
      apply: async () => {
        const others = (await lifecycleRules(s3, bucket, ExpectedBucketOwner)).filter(
          (rule) => rule.ID !== LIFECYCLE_RULE_ID,
        );
        const LifecycleConfiguration: BucketLifecycleConfiguration = {
          Rules: [...others, lifecycleRule(noncurrentVersionDays)],
        };
        await s3.send(
          new PutBucketLifecycleConfigurationCommand({ Bucket, ExpectedBucketOwner, LifecycleConfiguration }),
        );
      },
    },
  ];
}

async function policyStatements(s3: S3Client, bucket: string, owner: string): Promise<Statement[]> {
  const read = await readOrMissing(
    () => s3.send(new GetBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: owner })),
    "NoSuchBucketPolicy",
  );
  return read?.Policy ? [JSON.parse(read.Policy).Statement ?? []].flat() : [];
}

async function lifecycleRules(s3: S3Client, bucket: string, owner: string): Promise<LifecycleRule[]> {
  const read = await readOrMissing(
    () => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket, ExpectedBucketOwner: owner })),
    "NoSuchLifecycleConfiguration",
  );
  return read?.Rules ?? [];
}

/** The account and partition of the credentials in use. */
async function callerOf(sts: STSClient): Promise<Caller> {
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  return { accountId: String(identity.Account), partition: String(identity.Arn).split(":")[1] ?? "aws" };
}

function notOurs(bucket: string, accountId: string): UsageError {
  return new UsageError(
    `bucket ${bucket} exists but is not account ${accountId}'s (or these credentials cannot reach it); nothing was changed. Bucket names are global: rename stateBucket in environments/common.yaml, run pnpm vars, and bootstrap again`,
  );
}

/** Whether the bucket exists; refuses one that belongs to another account before anything is written. */
async function bucketOwnedBy(s3: S3Client, bucket: string, accountId: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: accountId }));
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "NotFound" || name === "NoSuchBucket") return false;
    if (name === "Forbidden" || name === "AccessDenied") throw notOurs(bucket, accountId);
    throw error;
  }
  // HEAD answers for any bucket these credentials may read; only the account's own are listed.
  const listed = await s3.send(new ListBucketsCommand({ Prefix: bucket, MaxBuckets: 1000 }));
  if (!(listed.Buckets ?? []).some((candidate) => candidate.Name === bucket)) throw notOurs(bucket, accountId);
  return true;
}

export interface StateClients {
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly sts: STSClient;
}

/** Brings the key and the bucket to the settings above; returns what changed (or, with dryRun, would change). */
export async function bootstrapStateBucket(
  { s3, kms, sts }: StateClients,
  wanted: StateBucketSettings,
  { dryRun, log }: { dryRun: boolean; log: (line: string) => void },
): Promise<SettingChange[]> {
  const verb = dryRun ? "would set" : "set";
  const caller = await callerOf(sts);
  const exists = await bucketOwnedBy(s3, wanted.bucket, caller.accountId);
  const key = await ensureStateKey(
    kms,
    caller,
    { alias: wanted.keyAlias, description: `Terraform state in ${wanted.bucket}`, roles: wanted.terraformRoles },
    { dryRun, log },
  );
  const changes: SettingChange[] = [...key.changes];
  if (!exists) {
    changes.push({ setting: "bucket", from: "missing", to: `created in ${wanted.region}` });
    log(`${wanted.bucket}: ${dryRun ? "would create" : "creating"} the bucket in ${wanted.region}`);
    if (!dryRun) {
      const LocationConstraint = wanted.region as BucketLocationConstraint;
      const location = wanted.region === "us-east-1" ? undefined : { LocationConstraint };
      await s3.send(new CreateBucketCommand({ Bucket: wanted.bucket, CreateBucketConfiguration: location }));
    }
  }
  for (const setting of settings(s3, wanted, { caller, keyArn: key.arn })) {
    const current = exists || !dryRun ? await setting.current() : { description: "bucket missing", ok: false };
    if (current.ok) continue;
    changes.push({ setting: setting.name, from: current.description, to: setting.wanted });
    log(`${wanted.bucket}: ${verb} ${setting.name}: ${current.description} → ${setting.wanted}`);
    if (!dryRun) await setting.apply();
  }
  if (changes.length === 0) log(`${wanted.bucket}: already has every setting; nothing changed`);
  else if (dryRun) log(`dry run: ${changes.length} changes listed, nothing changed`);
  return changes;
}
