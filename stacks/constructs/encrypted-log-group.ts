/**
 * EncryptedLogGroup: a CloudWatch log group encrypted with its own customer-managed KMS key
 * (rotation on), whose key policy lets only this account's CloudWatch Logs use it.
 */
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { accountKey } from "./account-key";

export interface EncryptedLogGroupProps {
  readonly name: string;
  readonly region: string;
  /** Must be one of CloudWatch's retention periods (validated in the vars schema). */
  readonly retentionDays: number;
}

export class EncryptedLogGroup extends Construct {
  readonly logGroup: CloudwatchLogGroup;
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, "account");
    const partition = new DataAwsPartition(this, "partition");
    const accountRoot = `arn:${partition.partition}:iam::${account.accountId}:root`;
    const logGroupArn = `arn:${partition.partition}:logs:${props.region}:${account.accountId}:log-group:${props.name}`;

    this.key = accountKey(this, "key", {
      description: `Encrypts the ${props.name} log group`,
      accountRootArn: accountRoot,
      grants: [
        {
          Sid: "CloudWatchLogsUsesKeyForThisGroup",
          Effect: "Allow",
          Principal: { Service: `logs.${props.region}.amazonaws.com` },
          Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          Resource: "*",
          Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": logGroupArn } },
        },
      ],
    });

    this.logGroup = new CloudwatchLogGroup(this, "log_group", {
      name: props.name,
      retentionInDays: props.retentionDays,
      kmsKeyId: this.key.arn,
    });
  }
}
