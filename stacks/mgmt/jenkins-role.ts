/**
 * JenkinsRolePolicy: what the Jenkins host may do, and nothing more. Push the frontend image,
 * roll it onto each application environment's ECS service, pass only that service's task and
 * execution roles to ECS, read the Terraform state the deploy scripts take names from, and
 * become the read-only plan role (plan-role.ts) for the infrastructure job's `terraform plan`.
 * `*` appears only as the resource of actions that AWS cannot scope to a resource.
 */
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";

/** Where the platform's Terraform state lives, for the policies that read it. */
export interface StateLocation {
  readonly partition: string;
  readonly stateBucket: string;
  /** The platform's folder in the bucket, e.g. `connected-express/`. */
  readonly stateKeyPrefix: string;
}

/** List and read the objects under `stateKeyPrefix` in the state bucket, and nothing else there. */
export function readStateStatements({ partition, stateBucket, stateKeyPrefix }: StateLocation): PolicyStatement[] {
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
  ];
}

/** One ECS service Jenkins deploys to. */
export interface DeployTarget {
  readonly cluster: string;
  readonly service: string;
  readonly taskFamily: string;
  /** Roles the new task definition names: the task role and the execution role. */
  readonly passRoles: readonly string[];
}

export interface JenkinsRolePolicyProps extends StateLocation {
  /** Name of the Jenkins instance role. */
  readonly role: string;
  /** ARN of the frontend ECR repository. */
  readonly repositoryArn: string;
  readonly region: string;
  readonly accountId: string;
  readonly targets: readonly DeployTarget[];
  /** ARN of the read-only Terraform plan role: the one role Jenkins may assume. */
  readonly planRoleArn: string;
}

/** Actions AWS authorizes only on `Resource: "*"` (no resource-level permissions). */
export const UNSCOPABLE_ACTIONS = [
  "ecr:GetAuthorizationToken",
  "ecs:RegisterTaskDefinition",
  "ecs:DescribeTaskDefinition",
  "ecs:ListTaskDefinitions",
  "ecs:ListTasks",
] as const;

// biome-ignore lint/suspicious/noExplicitAny: IAM policy JSON.
export type PolicyStatement = Record<string, any>;

export function jenkinsPolicyStatements(props: Omit<JenkinsRolePolicyProps, "role">): PolicyStatement[] {
  if (props.targets.length === 0)
    throw new Error("JenkinsRolePolicy needs at least one deploy target (an environment with a service)");
  const ecs = `arn:${props.partition}:ecs:${props.region}:${props.accountId}`;
  const iam = `arn:${props.partition}:iam::${props.accountId}`;
  const clusters = props.targets.map((target) => `${ecs}:cluster/${target.cluster}`);
  return [
    { Sid: "LogInToEcr", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    {
      Sid: "PushFrontendImage",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:CompleteLayerUpload",
        "ecr:DescribeImages",
        "ecr:DescribeRepositories",
        "ecr:GetDownloadUrlForLayer",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
      ],
      Resource: [props.repositoryArn],
    },
    {
      Sid: "ReadAndRegisterTaskDefinitions",
      Effect: "Allow",
      // ListTaskDefinitions: the deploy history (promotion, rollback) reads the family's revisions.
      Action: ["ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions", "ecs:RegisterTaskDefinition"],
      Resource: "*",
    },
    {
      Sid: "TagOwnTaskDefinitions",
      Effect: "Allow",
      Action: ["ecs:TagResource"],
      Resource: props.targets.map((target) => `${ecs}:task-definition/${target.taskFamily}:*`),
      Condition: { StringEquals: { "ecs:CreateAction": "RegisterTaskDefinition" } },
    },
    {
      Sid: "RollOutServices",
      Effect: "Allow",
      Action: ["ecs:DescribeServices", "ecs:UpdateService"],
      Resource: props.targets.map((target) => `${ecs}:service/${target.cluster}/${target.service}`),
    },
    {
      Sid: "ListTasksOfDeployClusters",
      Effect: "Allow",
      Action: ["ecs:ListTasks"],
      Resource: "*",
      Condition: { ArnEquals: { "ecs:cluster": clusters } },
    },
    {
      Sid: "DescribeTasksOfDeployClusters",
      Effect: "Allow",
      Action: ["ecs:DescribeTasks"],
      Resource: props.targets.map((target) => `${ecs}:task/${target.cluster}/*`),
    },
    {
      Sid: "PassServiceRolesToEcs",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: [...new Set(props.targets.flatMap((target) => target.passRoles))].map((role) => `${iam}:role/${role}`),
      Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    },
    ...readStateStatements(props),
    { Sid: "AssumeTerraformPlanRole", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: [props.planRoleArn] },
  ];
}

export class JenkinsRolePolicy extends Construct {
  readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: JenkinsRolePolicyProps) {
    super(scope, id);
    const { role, ...documentProps } = props;
    this.policy = new IamRolePolicy(this, "policy", {
      role,
      name: "push-images-and-deploy",
      policy: JSON.stringify({ Version: "2012-10-17", Statement: jenkinsPolicyStatements(documentProps) }),
    });
  }
}
