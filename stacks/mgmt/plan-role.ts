/**
 * TerraformPlanRole: the role `terraform plan` runs as in the infrastructure job (pipelines/
 * infrastructure/Jenkinsfile). Only the Jenkins instance role may assume it. It reads everything
 * (the AWS-managed ReadOnlyAccess: a plan refreshes every resource of every stack), reads the
 * platform's Terraform state, and writes nothing but the S3 lock objects (`<state key>.tflock`)
 * that `use_lockfile` puts while a plan runs and deletes after it.
 */
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { type PolicyStatement, readStateStatements, type StateLocation } from "./jenkins-role";

export interface TerraformPlanRoleProps extends StateLocation {
  /** Name of the role, e.g. connected-express-terraform-plan (lib/naming.ts). */
  readonly name: string;
  /** ARN of the one role that may assume this one: the Jenkins instance role. */
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
