/**
 * AccessLogsBucket: the S3 bucket every load balancer writes its access logs to. Versioned,
 * encrypted (SSE-S3: the only encryption ALB log delivery supports), never public, TLS-only,
 * owned by the account, expired after `retentionDays`. Log delivery may write only under
 * `<prefix>/AWSLogs/<this account>/`: the log-delivery principal is shared by every AWS account of
 * the region, and that path is where it puts the logs of this account's load balancers.
 */
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";

/** Elastic Load Balancing's log-delivery accounts in regions opened before August 2022. */
export const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-west-3": "009996457667",
  "eu-north-1": "897822967062",
};

/** The name prefix of the project's access-log bucket (S3 adds a unique suffix). */
export function accessLogsBucketPrefix(project: string): string {
  return `${project}-access-logs-`;
}

export interface AccessLogsBucketProps {
  /** Prefix of the bucket's name; S3 adds a unique suffix. */
  readonly namePrefix: string;
  readonly region: string;
  /** The account whose load balancers write here. */
  readonly accountId: string;
  /** @default 90 */
  readonly retentionDays?: number;
}

export class AccessLogsBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 90;

    this.bucket = new S3Bucket(this, "bucket", { bucketPrefix: props.namePrefix });
    const bucket = this.bucket.id;

    new S3BucketOwnershipControls(this, "ownership", {
      bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPublicAccessBlock(this, "public_access_block", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketVersioningA(this, "versioning", {
      bucket,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket,
      rule: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{ prefix: "" }],
          expiration: [{ days: retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: 7 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });

    const account = ELB_LOG_ACCOUNTS[props.region];
    const writer = account
      ? { AWS: `arn:aws:iam::${account}:root` }
      : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" };
    new S3BucketPolicy(this, "policy", {
      bucket,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "LoadBalancersWriteAccessLogs",
            Effect: "Allow",
            Principal: writer,
            Action: "s3:PutObject",
            // Each load balancer's prefix is its stack id; `*` stands for it so that adding an
            // environment leaves this policy as it is. What matters is the account after AWSLogs/.
            Resource: `${this.bucket.arn}/*/AWSLogs/${props.accountId}/*`,
          },
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    });
  }
}
