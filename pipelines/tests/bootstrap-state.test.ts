/** bootstrap-state against moto's S3: the state bucket, made once, then left alone or repaired. */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { promisify } from "node:util";
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { vars } from "../../stacks/global/vars";
import { s3ClientConfig } from "../src/aws/config";
import { bootstrapStateBucket, LIFECYCLE_RULE_ID, TLS_STATEMENT_SID } from "../src/state/bootstrap";
import { useMoto } from "./support/aws";

let s3: S3Client;
beforeAll(() => {
  useMoto();
  s3 = new S3Client(s3ClientConfig(vars.region));
});

async function cli(...args: string[]) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "bin/bootstrap-state.ts", ...args],
    {
      cwd: resolve(import.meta.dirname, ".."),
    },
  );
  return stdout;
}

/** Every setting bootstrap-state owns, as S3 reports it. */
async function settingsOf(Bucket: string) {
  const policy = await s3.send(new GetBucketPolicyCommand({ Bucket }));
  const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
  return {
    versioning: (await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status,
    encryption: (await s3.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration?.Rules,
    publicAccess: (await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration,
    policy: JSON.parse(String(policy.Policy)).Statement,
    lifecycle: lifecycle.Rules,
  };
}

describe("bootstrap-state", () => {
  it("creates the vars' state bucket with every setting, and a second run changes nothing and says so", async () => {
    const first = await cli();
    const afterFirst = await settingsOf(vars.stateBucket);
    const second = await cli();

    expect(first).toContain(`${vars.stateBucket}: creating the bucket in ${vars.region}`);
    expect(afterFirst.versioning).toBe("Enabled");
    expect(afterFirst.encryption?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("aws:kms");
    expect(afterFirst.publicAccess).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(afterFirst.policy).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
    expect(afterFirst.lifecycle).toContainEqual(
      expect.objectContaining({ ID: LIFECYCLE_RULE_ID, NoncurrentVersionExpiration: { NoncurrentDays: 90 } }),
    );
    expect(second.trim()).toBe(`${vars.stateBucket}: already has every setting; nothing changed`);
    expect(await settingsOf(vars.stateBucket)).toEqual(afterFirst);
  });

  describe("over a bucket that exists with weaker settings", () => {
    let Bucket: string;
    const otherStatement = {
      Sid: "AllowCiRead",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:root" },
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::placeholder/*",
    };

    async function weakBucket() {
      Bucket = `weak-state-${randomBytes(4).toString("hex")}`;
      otherStatement.Resource = `arn:aws:s3:::${Bucket}/*`;
      await s3.send(
        new CreateBucketCommand({
          Bucket,
          CreateBucketConfiguration: { LocationConstraint: vars.region as BucketLocationConstraint },
        }),
      );
      await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Suspended" } }));
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
          },
        }),
      );
      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket,
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true },
        }),
      );
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket,
          Policy: JSON.stringify({ Version: "2012-10-17", Statement: [otherStatement] }),
        }),
      );
      await s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket,
          LifecycleConfiguration: {
            Rules: [{ ID: "expire-logs", Status: "Enabled", Filter: { Prefix: "logs/" }, Expiration: { Days: 30 } }],
          },
        }),
      );
    }

    it("brings each weak setting up, prints each change, and keeps what it does not own", async () => {
      await weakBucket();
      const lines: string[] = [];

      const changes = await bootstrapStateBucket(
        s3,
        { bucket: Bucket, region: vars.region },
        { dryRun: false, log: (line) => lines.push(line) },
      );

      expect(changes.map((change) => change.setting)).toEqual([
        "versioning",
        "default encryption",
        "public access block",
        "bucket policy",
        "lifecycle",
      ]);
      expect(lines).toContain(`${Bucket}: set versioning: Suspended → Enabled`);
      expect(lines).toContain(`${Bucket}: set default encryption: AES256 → aws:kms (bucket key)`);
      expect(lines).toContain(
        `${Bucket}: set public access block: off: BlockPublicPolicy, RestrictPublicBuckets → all four on`,
      );
      const after = await settingsOf(Bucket);
      expect(after.versioning).toBe("Enabled");
      expect(after.policy.map((statement: { Sid: string }) => statement.Sid)).toEqual([
        "AllowCiRead",
        TLS_STATEMENT_SID,
      ]);
      expect(after.lifecycle?.map((rule) => rule.ID)).toEqual(["expire-logs", LIFECYCLE_RULE_ID]);
      const again = await bootstrapStateBucket(
        s3,
        { bucket: Bucket, region: vars.region },
        { dryRun: false, log: () => {} },
      );
      expect(again).toEqual([]);
    });

    it("with --dry-run lists the same changes and leaves the bucket as it was", async () => {
      await weakBucket();
      const before = await s3.send(new GetBucketVersioningCommand({ Bucket }));
      const lines: string[] = [];

      const changes = await bootstrapStateBucket(
        s3,
        { bucket: Bucket, region: vars.region },
        { dryRun: true, log: (line) => lines.push(line) },
      );

      expect(changes).toHaveLength(5);
      expect(lines.at(-1)).toBe("dry run: 5 changes listed, nothing changed");
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe(before.Status);
      const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
      expect(
        encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
      ).toBe("AES256");
    });
  });
});
