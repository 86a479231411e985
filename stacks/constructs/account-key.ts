/**
 * A customer-managed KMS key as the platform makes them for one purpose: rotated, 30 days to undo a
 * deletion, administered by the account through IAM, and usable by the AWS services its grants name.
 */
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { Construct } from "constructs";

export interface AccountKeyProps {
  /** What the key encrypts. */
  readonly description: string;
  /** `arn:<partition>:iam::<account>:root`: the account's IAM policies decide who administers it. */
  readonly accountRootArn: string;
  /** Key policy statements for the services that use the key, each with its `Sid`. */
  readonly grants: readonly Record<string, unknown>[];
}

/** The key policy statement that leaves a key to the account's IAM policies (`accountRootArn`:
 *  `arn:<partition>:iam::<account>:root`); every key the platform makes starts with it. */
export function accountAdministersKey(accountRootArn: string): Record<string, unknown> {
  return {
    Sid: "AccountAdministersKey",
    Effect: "Allow",
    Principal: { AWS: accountRootArn },
    Action: "kms:*",
    Resource: "*",
  };
}

export function accountKey(scope: Construct, id: string, props: AccountKeyProps): KmsKey {
  return new KmsKey(scope, id, {
    description: props.description,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [accountAdministersKey(props.accountRootArn), ...props.grants],
    }),
  });
}
