/**
 * EbsKey: the customer-managed KMS key for the management hosts' volumes and their snapshots
 * (JENKINS_HOME holds credentials). Rotation on; the account administers it through IAM.
 */
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";

export interface EbsKeyProps {
  /** Alias without the `alias/` prefix, e.g. connected-express-mgmt-ebs. */
  readonly aliasName: string;
  /** ARN of the account root (`arn:<partition>:iam::<account>:root`): IAM policies then grant use of the key. */
  readonly accountRootArn: string;
}

export class EbsKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: EbsKeyProps) {
    super(scope, id);
    this.key = new KmsKey(this, "key", {
      description: `Encrypts the EBS volumes and snapshots of ${props.aliasName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministersKeyThroughIam",
            Effect: "Allow",
            Principal: { AWS: props.accountRootArn },
            Action: "kms:*",
            Resource: "*",
          },
        ],
      }),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.aliasName}`, targetKeyId: this.key.keyId });
  }
}
