/**
 * TerraformPlanRole: the role `terraform plan` runs as in the infrastructure job (pipelines/
 * infrastructure/Jenkinsfile), which runs on the build agent. Only the build agent's instance role
 * may assume it. It reads everything (the AWS-managed ReadOnlyAccess: a plan refreshes every
 * resource of every stack), reads the platform's Terraform state (decrypting it with the state key
 * through S3), and writes nothing but the S3 lock objects (`<state key>.tflock`) that `use_lockfile`
 * puts while a plan runs and deletes after it. It is one of the roles the state bucket's policy and
 * the state key's policy let at the state (pipelines/src/state/bootstrap.ts); no Jenkins host's own
 * role is.
 */
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import type { AccountScope, PolicyStatement } from "./jenkins-role";

/** Where the platform's Terraform state lives, and the key that encrypts it. */
export interface StateLocation extends AccountScope {
  readonly stateBucket: string;
  /** The platform's folder in the bucket, e.g. `connected-express/`. */
  readonly stateKeyPrefix: string;
  /** Alias of the state bucket's KMS key (`alias/<project>-terraform-state`, made by bootstrap-state). */
  readonly stateKeyAlias: string;
}

/** List and read the objects under `stateKeyPrefix` in the state bucket (nothing else there), and
 *  decrypt them: the state key, found by its alias, only through S3 in the stack's region. */
function readStateStatements(location: StateLocation): PolicyStatement[] {
  const { partition, region, accountId, stateBucket, stateKeyPrefix, stateKeyAlias } = location;
  if (!stateKeyPrefix.endsWith("/")) {
    throw new Error(`stateKeyPrefix "${stateKeyPrefix}" must end with "/" to stay inside one folder`);
  }
  const bucket = `arn:${partition}:s3:::${stateBucket}`;
  return [
    {
      Sid: "ListPlatformState",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [bucket],
      Condition: { StringLike: { "s3:prefix": [`${stateKeyPrefix}*`] } },
    },
    { Sid: "ReadPlatformState", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${bucket}/${stateKeyPrefix}*`] },
    {
      // The key's id is bootstrap-state's, not Terraform's: the alias names it. GenerateDataKey
      // encrypts the lock objects (the bucket's default encryption).
      Sid: "UseStateKeyThroughS3",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: [`arn:${partition}:kms:${region}:${accountId}:key/*`],
      Condition: {
        "ForAnyValue:StringEquals": { "kms:ResourceAliases": [stateKeyAlias] },
        StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` },
      },
    },
  ];
}

export interface TerraformPlanRoleProps extends StateLocation {
  /** Name of the role, e.g. connected-express-terraform-plan (lib/naming.ts). */
  readonly name: string;
  /** ARN of the one role that may assume this one: the Jenkins build agent's instance role. */
  readonly trustedRoleArn: string;
  /** Every stack's state key (`<project>/<stack>/terraform.tfstate`): the plan may put and delete
   *  `<key>.tflock` of these and write nothing else. */
  readonly stateKeys: readonly string[];
}

/** The inline policy besides ReadOnlyAccess: the state's folder readable, only its lock objects writable. */
export function planRoleStatements(props: Omit<TerraformPlanRoleProps, "name" | "trustedRoleArn">): PolicyStatement[] {
  if (props.stateKeys.length === 0) throw new Error("TerraformPlanRole needs the state key of at least one stack");
  const outside = props.stateKeys.filter((key) => !key.startsWith(props.stateKeyPrefix));
  if (outside.length > 0) {
    throw new Error(`TerraformPlanRole: state keys ${outside.join(", ")} are outside "${props.stateKeyPrefix}"`);
  }
  return [
    ...readStateStatements(props),
    {
      Sid: "LockStateWhilePlanning",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:DeleteObject"],
      Resource: props.stateKeys.map((key) => `arn:${props.partition}:s3:::${props.stateBucket}/${key}.tflock`),
    },
  ];
}

export class TerraformPlanRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: TerraformPlanRoleProps) {
    super(scope, id);
    const { name, trustedRoleArn, partition } = props;
    this.role = new IamRole(this, "role", {
      name,
      description: "terraform plan in the infrastructure job: reads everything, writes only the state lock objects",
      // One hour covers the longest plan of every stack; the AWS CLI profile renews it if needed.
      maxSessionDuration: 3600,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: trustedRoleArn }, Action: "sts:AssumeRole" }],
      }),
    });
    new IamRolePolicyAttachment(this, "read_only_access", {
      role: this.role.name,
      policyArn: `arn:${partition}:iam::aws:policy/ReadOnlyAccess`,
    });
    new IamRolePolicy(this, "state_access", {
      role: this.role.name,
      name: "read-state-and-lock",
      policy: JSON.stringify({ Version: "2012-10-17", Statement: planRoleStatements(props) }),
    });
  }
}
