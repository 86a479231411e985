/** bootstrap-state against moto's S3, KMS and STS: the state bucket and its key, made once, then left
 *  alone or repaired, and a bucket of another account refused with nothing changed. */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { promisify } from "node:util";
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
} from "@aws-sdk/client-kms";
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
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../../lib/cli";
import { stateKeyAlias } from "../../lib/naming";
import { vars } from "../../stacks/global/vars";
import { clientConfig, s3ClientConfig } from "../src/aws/config";
import { bootstrapStateBucket, LIFECYCLE_RULE_ID, type StateBucketSettings } from "../src/state/bootstrap";
import { bootstrapStateCommand, terraformRolesOf } from "../src/state/command";
import { KEY_ADMIN_SID, KEY_USE_SID, STATE_ACCESS_SID, TLS_STATEMENT_SID } from "../src/state/policies";
import { useMoto } from "./support/aws";

/** moto's account for the tests' credentials ("testing"). */
const ACCOUNT = "123456789012";
const OTHER_ACCOUNT = "111111111111";

let s3: S3Client;
let kms: KMSClient;
let sts: STSClient;
/** Every S3 request these tests' bootstrap runs sent: command and input. */
const s3Requests: { command: string; input: Record<string, unknown> }[] = [];

beforeAll(() => {
  useMoto();
  s3 = new S3Client(s3ClientConfig(vars.region));
  kms = new KMSClient(clientConfig(vars.region));
  sts = new STSClient(clientConfig(vars.region));
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      s3Requests.push({ command: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: "initialize", name: "recordRequests" },
  );
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

/** Every setting bootstrap-state owns, as S3 and KMS report them. */
async function settingsOf(Bucket: string, client = s3) {
  const policy = await client.send(new GetBucketPolicyCommand({ Bucket }));
  const lifecycle = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
  return {
    versioning: (await client.send(new GetBucketVersioningCommand({ Bucket }))).Status,
    encryption: (await client.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration
      ?.Rules,
    publicAccess: (await client.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration,
    policy: JSON.parse(String(policy.Policy)).Statement,
    lifecycle: lifecycle.Rules,
  };
}

async function keyOf(alias: string) {
  const key = (await kms.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata;
  const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key?.KeyId }));
  const policy = await kms.send(new GetKeyPolicyCommand({ KeyId: key?.KeyId, PolicyName: "default" }));
  return { arn: key?.Arn, rotation: rotation.KeyRotationEnabled, policy: JSON.parse(String(policy.Policy)).Statement };
}

const roleArns = terraformRolesOf(vars)
  .map((role) => `arn:aws:iam::${ACCOUNT}:role/${role}`)
  .sort();

/** Settings for a bucket and key of the test's own. */
const settingsFor = (
  bucket: string,
  keyAlias = `alias/state-${randomBytes(4).toString("hex")}`,
): StateBucketSettings => ({
  bucket,
  region: vars.region,
  keyAlias,
  terraformRoles: terraformRolesOf(vars),
});

describe("bootstrap-state", () => {
  it("creates the vars' state bucket and key with every setting, and a second run changes nothing and says so", async () => {
    const first = await cli();
    const afterFirst = await settingsOf(vars.stateBucket);
    const key = await keyOf(stateKeyAlias(vars));
    const second = await cli();

    expect(first).toContain(`${stateKeyAlias(vars)}: creating the state key (rotation on, key policy)`);
    expect(first).toContain(`${vars.stateBucket}: creating the bucket in ${vars.region}`);
    expect(afterFirst.versioning).toBe("Enabled");
    expect(afterFirst.encryption).toEqual([
      expect.objectContaining({
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key.arn },
        BucketKeyEnabled: true,
      }),
    ]);
    expect(key.rotation).toBe(true);
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

  it("lets only the plan role and vars' terraformRoles at the state's objects and its key", async () => {
    expect(roleArns).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_AdministratorAccess_*`,
      `arn:aws:iam::${ACCOUNT}:role/connected-express-terraform-plan`,
    ]);
    const { policy } = await settingsOf(vars.stateBucket);
    expect(policy.find((statement: { Sid: string }) => statement.Sid === STATE_ACCESS_SID)).toEqual({
      Sid: STATE_ACCESS_SID,
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
      Resource: `arn:aws:s3:::${vars.stateBucket}/*`,
      Condition: { ArnNotLike: { "aws:PrincipalArn": roleArns } },
    });
    const key = await keyOf(stateKeyAlias(vars));
    expect(key.policy).toEqual([
      expect.objectContaining({
        Sid: KEY_ADMIN_SID,
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: "kms:*",
      }),
      expect.objectContaining({
        Sid: KEY_USE_SID,
        Effect: "Deny",
        Principal: "*",
        Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
        Condition: { ArnNotLike: { "aws:PrincipalArn": roleArns } },
      }),
    ]);
  });

  describe("over a bucket and key that exist with weaker settings", () => {
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

    it("brings each weak setting up, prints each change, keeps what it does not own, and names the owner on every S3 call", async () => {
      await weakBucket();
      const lines: string[] = [];
      const settings = settingsFor(Bucket);
      s3Requests.length = 0;

      const changes = await bootstrapStateBucket({ s3, kms, sts }, settings, {
        dryRun: false,
        log: (line) => lines.push(line),
      });
      const sent = [...s3Requests];

      expect(changes.map((change) => change.setting)).toEqual([
        "state key",
        "versioning",
        "default encryption",
        "public access block",
        "bucket policy",
        "lifecycle",
      ]);
      expect(lines).toContain(`${Bucket}: set versioning: Suspended → Enabled`);
      expect(lines).toContain(
        `${Bucket}: set default encryption: AES256 → aws:kms with ${settings.keyAlias} (bucket key)`,
      );
      expect(lines).toContain(
        `${Bucket}: set public access block: off: BlockPublicPolicy, RestrictPublicBuckets → all four on`,
      );
      const after = await settingsOf(Bucket);
      expect(after.versioning).toBe("Enabled");
      expect(after.encryption?.[0]?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID).toBe(
        (await keyOf(settings.keyAlias)).arn,
      );
      expect(after.policy.map((statement: { Sid: string }) => statement.Sid)).toEqual([
        "AllowCiRead",
        TLS_STATEMENT_SID,
        STATE_ACCESS_SID,
      ]);
      expect(after.lifecycle?.map((rule) => rule.ID)).toEqual(["expire-logs", LIFECYCLE_RULE_ID]);
      // Every call on the bucket names the account it must belong to; CreateBucket and ListBuckets take no owner.
      const onTheBucket = sent.filter((request) => request.input.Bucket === Bucket);
      expect(onTheBucket.length).toBeGreaterThan(10);
      for (const { command, input } of onTheBucket) {
        expect(input.ExpectedBucketOwner, command).toBe(ACCOUNT);
      }
      const again = await bootstrapStateBucket({ s3, kms, sts }, settings, { dryRun: false, log: () => {} });
      expect(again).toEqual([]);
    });

    it("turns an existing key's rotation on and adds its policy statements, keeping the key's other ones", async () => {
      await weakBucket();
      const created = await kms.send(
        new CreateKeyCommand({
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "Audit",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                Action: "kms:*",
                Resource: "*",
              },
            ],
          }),
        }),
      );
      const alias = `alias/state-${randomBytes(4).toString("hex")}`;
      const { CreateAliasCommand } = await import("@aws-sdk/client-kms");
      await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyMetadata?.KeyId }));
      const lines: string[] = [];

      const changes = await bootstrapStateBucket({ s3, kms, sts }, settingsFor(Bucket, alias), {
        dryRun: false,
        log: (line) => lines.push(line),
      });

      expect(changes.slice(0, 2).map((change) => change.setting)).toEqual(["state key rotation", "state key policy"]);
      const key = await keyOf(alias);
      expect(key.arn).toBe(created.KeyMetadata?.Arn);
      expect(key.rotation).toBe(true);
      expect(key.policy.map((statement: { Sid: string }) => statement.Sid)).toEqual([
        "Audit",
        KEY_ADMIN_SID,
        KEY_USE_SID,
      ]);
    });

    it("with --dry-run lists the same changes and leaves the bucket as it was, with no key made", async () => {
      await weakBucket();
      const before = await s3.send(new GetBucketVersioningCommand({ Bucket }));
      const lines: string[] = [];
      const settings = settingsFor(Bucket);

      const changes = await bootstrapStateBucket({ s3, kms, sts }, settings, {
        dryRun: true,
        log: (line) => lines.push(line),
      });

      expect(changes).toHaveLength(6);
      expect(lines.at(-1)).toBe("dry run: 6 changes listed, nothing changed");
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe(before.Status);
      const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
      expect(
        encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
      ).toBe("AES256");
      await expect(kms.send(new DescribeKeyCommand({ KeyId: settings.keyAlias }))).rejects.toThrow(
        /not.*found|does not exist/i,
      );
    });
  });

  describe("over a bucket of another account", () => {
    it("refuses it with exit 2, naming the bucket and the fix, and changes nothing there or here", async () => {
      // The other account's credentials: moto gives an assumed role's keys to the role's account.
      const assumed = await sts.send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/other-team`, RoleSessionName: "other" }),
      );
      const theirs = new S3Client({
        ...s3ClientConfig(vars.region),
        credentials: {
          accessKeyId: String(assumed.Credentials?.AccessKeyId),
          secretAccessKey: String(assumed.Credentials?.SecretAccessKey),
          sessionToken: assumed.Credentials?.SessionToken,
        },
      });
      const Bucket = `their-state-${randomBytes(4).toString("hex")}`;
      await theirs.send(
        new CreateBucketCommand({
          Bucket,
          CreateBucketConfiguration: { LocationConstraint: vars.region as BucketLocationConstraint },
        }),
      );
      const encryptionOf = () =>
        theirs.send(new GetBucketEncryptionCommand({ Bucket })).then(
          (read) => read.ServerSideEncryptionConfiguration,
          (error: Error) => error.name,
        );
      const before = {
        versioning: (await theirs.send(new GetBucketVersioningCommand({ Bucket }))).Status,
        encryption: await encryptionOf(),
      };
      const alias = `alias/state-${randomBytes(4).toString("hex")}`;
      const errors: string[] = [];

      const exitCode = await runCommand(
        bootstrapStateCommand({ ...vars, stateBucket: Bucket, project: alias.slice("alias/".length) }),
        [],
        { out: () => {}, err: (text) => errors.push(text) },
      );

      expect(exitCode).toBe(2);
      expect(errors.join("\n")).toMatch(
        new RegExp(`bucket ${Bucket} exists but is not account ${ACCOUNT}'s .*nothing was changed.*rename stateBucket`),
      );
      expect((await theirs.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe(before.versioning);
      expect(await encryptionOf()).toEqual(before.encryption);
      await expect(theirs.send(new GetBucketPolicyCommand({ Bucket }))).rejects.toThrow(/policy/i);
      await expect(
        kms.send(new DescribeKeyCommand({ KeyId: `alias/${alias.slice("alias/".length)}-terraform-state` })),
      ).rejects.toThrow();
    });
  });
});
