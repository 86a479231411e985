/**
 * The Terraform state bucket, made and hardened the way Terragrunt's remote_state does it:
 * versioning, default KMS encryption, every public-access block, TLS-only access, and a
 * lifecycle rule for old noncurrent versions. Each setting is read, compared and only then
 * written, so a second run changes nothing and a weaker bucket is brought up to these settings.
 */
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
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { awsErrorName } from "../aws/config";

export interface StateBucketSettings {
  readonly bucket: string;
  readonly region: string;
  /** Days a replaced state version is kept before it expires. @default 90 */
  readonly noncurrentVersionDays?: number;
}

export interface SettingChange {
  readonly setting: string;
  readonly from: string;
  readonly to: string;
}

export const TLS_STATEMENT_SID = "DenyInsecureTransport";
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

// biome-ignore lint/suspicious/noExplicitAny: IAM policy documents are free-form JSON.
type Statement = Record<string, any>;

export function tlsOnlyStatement(bucket: string): Statement {
  return {
    Sid: TLS_STATEMENT_SID,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

function deniesInsecureTransport(statement: Statement, bucket: string): boolean {
  const resources = [statement.Resource].flat();
  const actions = [statement.Action].flat();
  return (
    statement.Effect === "Deny" &&
    String(statement.Condition?.Bool?.["aws:SecureTransport"]) === "false" &&
    actions.includes("s3:*") &&
    resources.includes(`arn:aws:s3:::${bucket}`) &&
    resources.includes(`arn:aws:s3:::${bucket}/*`)
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

function settings(s3: S3Client, { bucket, noncurrentVersionDays = 90 }: StateBucketSettings): Setting[] {
  const Bucket = bucket;
  return [
    {
      name: "versioning",
      wanted: "Enabled",
      async current() {
        const status = (await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status;
        return { description: status ?? "never enabled", ok: status === "Enabled" };
      },
      apply: async () => {
        await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
      },
    },
    {
      name: "default encryption",
      wanted: "aws:kms (bucket key)",
      async current() {
        const read = await readOrMissing(
          () => s3.send(new GetBucketEncryptionCommand({ Bucket })),
          "ServerSideEncryptionConfigurationNotFoundError",
        );
        const algorithm = read?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
        const ok = algorithm?.SSEAlgorithm?.startsWith("aws:kms") ?? false;
        return { description: algorithm?.SSEAlgorithm ?? "none", ok };
      },
      apply: async () => {
        await s3.send(
          new PutBucketEncryptionCommand({
            Bucket,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms" }, BucketKeyEnabled: true }],
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
          () => s3.send(new GetPublicAccessBlockCommand({ Bucket })),
          "NoSuchPublicAccessBlockConfiguration",
        );
        const config: Record<string, boolean | undefined> = { ...read?.PublicAccessBlockConfiguration };
        const off = Object.keys(PUBLIC_ACCESS_BLOCK).filter((key) => config[key] !== true);
        return { description: off.length ? `off: ${off.join(", ")}` : "all four on", ok: off.length === 0 };
      },
      apply: async () => {
        await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: PUBLIC_ACCESS_BLOCK }));
      },
    },
    {
      name: "bucket policy",
      wanted: "denies non-TLS access",
      async current() {
        const statements = await policyStatements(s3, bucket);
        const ok = statements.some((statement) => deniesInsecureTransport(statement, bucket));
        const description = statements.length ? `${statements.length} statements, none deny non-TLS` : "none";
        return { description: ok ? "denies non-TLS access" : description, ok };
      },
      apply: async () => {
        const others = (await policyStatements(s3, bucket)).filter((s) => s.Sid !== TLS_STATEMENT_SID);
        const Policy = JSON.stringify({ Version: "2012-10-17", Statement: [...others, tlsOnlyStatement(bucket)] });
        await s3.send(new PutBucketPolicyCommand({ Bucket, Policy }));
      },
    },
    {
      name: "lifecycle",
      wanted: `noncurrent versions expire after ${noncurrentVersionDays} days`,
      async current() {
        const rules = await lifecycleRules(s3, bucket);
        const ok = rules.some((rule) => expiresNoncurrent(rule, noncurrentVersionDays));
        const description = ok ? `noncurrent versions expire` : `${rules.length} rules, none expire old versions`;
        return { description, ok };
      },
      apply: async () => {
        const others = (await lifecycleRules(s3, bucket)).filter((rule) => rule.ID !== LIFECYCLE_RULE_ID);
        const LifecycleConfiguration: BucketLifecycleConfiguration = {
          Rules: [...others, lifecycleRule(noncurrentVersionDays)],
        };
        await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration }));
      },
    },
  ];
}

async function policyStatements(s3: S3Client, bucket: string): Promise<Statement[]> {
  const read = await readOrMissing(() => s3.send(new GetBucketPolicyCommand({ Bucket: bucket })), "NoSuchBucketPolicy");
  return read?.Policy ? [JSON.parse(read.Policy).Statement ?? []].flat() : [];
}

async function lifecycleRules(s3: S3Client, bucket: string): Promise<LifecycleRule[]> {
  const read = await readOrMissing(
    () => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })),
    "NoSuchLifecycleConfiguration",
  );
  return read?.Rules ?? [];
}

async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "NotFound" || name === "NoSuchBucket") return false;
    if (name === "Forbidden") {
      throw new Error(
        `bucket ${bucket} exists but these credentials cannot reach it (another account?); rename stateBucket in environments/common.yaml`,
      );
    }
    throw error;
  }
}

/** Brings the bucket to the settings above; returns what changed (or, with dryRun, would change). */
export async function bootstrapStateBucket(
  s3: S3Client,
  wanted: StateBucketSettings,
  { dryRun, log }: { dryRun: boolean; log: (line: string) => void },
): Promise<SettingChange[]> {
  const verb = dryRun ? "would set" : "set";
  const changes: SettingChange[] = [];
  const exists = await bucketExists(s3, wanted.bucket);
  if (!exists) {
    changes.push({ setting: "bucket", from: "missing", to: `created in ${wanted.region}` });
    log(`${wanted.bucket}: ${dryRun ? "would create" : "creating"} the bucket in ${wanted.region}`);
    if (!dryRun) {
      const LocationConstraint = wanted.region as BucketLocationConstraint;
      const location = wanted.region === "us-east-1" ? undefined : { LocationConstraint };
      await s3.send(new CreateBucketCommand({ Bucket: wanted.bucket, CreateBucketConfiguration: location }));
    }
  }
  for (const setting of settings(s3, wanted)) {
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
