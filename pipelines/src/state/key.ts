/**
 * The state bucket's customer-managed KMS key, found by its alias or created: symmetric, yearly
 * rotation on, and the key policy of policies.ts (the account administers it, only the Terraform
 * roles use it). Like the bucket's settings, each is read and compared before anything is written.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  type KeyMetadata,
  type KMSClient,
  PutKeyPolicyCommand,
} from "@aws-sdk/client-kms";
import { UsageError } from "../../../lib/cli";
import { awsErrorName } from "../aws/config";
import { type Caller, holds, keyPolicyStatements, type Statement, withStatements } from "./policies";

export interface StateKeySettings {
  /** `alias/<project>-terraform-state` (lib/naming.ts). */
  readonly alias: string;
  /** What the key is for, shown in the console. */
  readonly description: string;
  /** Role patterns (`name` or `path/name`, `*` allowed) that may use the key. */
  readonly roles: readonly string[];
}

export interface KeyChange {
  readonly setting: string;
  readonly from: string;
  readonly to: string;
}

async function describe(kms: KMSClient, alias: string): Promise<KeyMetadata | undefined> {
  try {
    return (await kms.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata;
  } catch (error) {
    if (awsErrorName(error) === "NotFoundException") return undefined;
    throw error;
  }
}

async function policyStatements(kms: KMSClient, keyId: string): Promise<Statement[]> {
  const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }));
  return Policy ? [JSON.parse(Policy).Statement ?? []].flat() : [];
}

/**
 * Makes sure the key exists with rotation and its policy; returns its ARN (undefined in a dry run
 * that would create it) and what changed. Refuses (exit 2) a key of another account or one that
 * cannot be used (disabled, pending deletion): the bucket would be encrypted with it.
 */
export async function ensureStateKey(
  kms: KMSClient,
  caller: Caller,
  wanted: StateKeySettings,
  { dryRun, log }: { dryRun: boolean; log: (line: string) => void },
): Promise<{ arn: string | undefined; changes: KeyChange[] }> {
  const policy = keyPolicyStatements(caller, wanted.roles);
  const found = await describe(kms, wanted.alias);
  if (!found) {
    const change = { setting: "state key", from: "missing", to: `${wanted.alias}, rotation on, key policy` };
    log(`${wanted.alias}: ${dryRun ? "would create" : "creating"} the state key (rotation on, key policy)`);
    if (dryRun) return { arn: undefined, changes: [change] };
    const created = await kms.send(
      new CreateKeyCommand({
        Description: wanted.description,
        KeyUsage: "ENCRYPT_DECRYPT",
        KeySpec: "SYMMETRIC_DEFAULT",
        Policy: JSON.stringify({ Version: "2012-10-17", Statement: policy }),
        Tags: [{ TagKey: "purpose", TagValue: "terraform-state" }],
      }),
    );
    const keyId = String(created.KeyMetadata?.KeyId);
    await kms.send(new CreateAliasCommand({ AliasName: wanted.alias, TargetKeyId: keyId }));
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    return { arn: created.KeyMetadata?.Arn, changes: [change] };
  }

  if (found.AWSAccountId !== caller.accountId || found.KeyManager !== "CUSTOMER") {
    throw new UsageError(
      `${wanted.alias} names key ${found.Arn}, which is not a customer-managed key of account ${caller.accountId}; point the alias at this account's own key or delete it`,
    );
  }
  if (found.KeyState !== "Enabled") {
    throw new UsageError(
      `${wanted.alias} names key ${found.Arn} in state ${found.KeyState}; enable it (or cancel its deletion) before bootstrapping`,
    );
  }
  const keyId = String(found.KeyId);
  const changes: KeyChange[] = [];
  const verb = dryRun ? "would set" : "set";
  const rotation = (await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled === true;
  if (!rotation) {
    changes.push({ setting: "state key rotation", from: "off", to: "on" });
    log(`${wanted.alias}: ${verb} key rotation: off → on`);
    if (!dryRun) await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
  }
  const statements = await policyStatements(kms, keyId);
  if (!policy.every((statement) => holds(statements, statement))) {
    changes.push({
      setting: "state key policy",
      from: `${statements.length} statements`,
      to: "only the Terraform roles use it",
    });
    log(`${wanted.alias}: ${verb} key policy: only the Terraform roles use the key`);
    if (!dryRun) {
      const Policy = JSON.stringify({ Version: "2012-10-17", Statement: withStatements(statements, policy) });
      await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy }));
    }
  }
  return { arn: found.Arn, changes };
}
