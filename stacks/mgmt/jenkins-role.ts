/**
 * What each Jenkins host's instance role may do (docs/mgmt.md, "Jenkins roles").
 *
 * - The controller: nothing. It schedules builds and holds credentials; it calls no AWS API, so a
 *   build that reaches it still cannot deploy, push or read state.
 * - The build agent: push and pull the frontend image, deploy to every environment WITHOUT approval,
 *   and become the read-only plan role (plan-role.ts) for the infrastructure job's `terraform plan`.
 * - A deploy agent, one per environment with `approval: true`: deploy that environment and nothing
 *   else (plus reading the service its promotion copies from, and moving the deployed-<env> marker
 *   tags in the frontend repository; uploading layers stays the build agent's).
 *
 * Deploying means: register a revision of the environment's task family, point the environment's
 * service at a revision of that family (`ecs:UpdateService` carries the `ecs:task-definition` family
 * condition), pass only that service's task and execution roles to ECS tasks, and watch the rollout.
 * No Jenkins role reads the Terraform state. `*` appears only as the resource of actions that AWS
 * cannot scope to a resource (UNSCOPABLE_ACTIONS), each narrowed by a condition where IAM has one.
 */
import { ENVIRONMENT_TAG } from "../../lib/naming";

// biome-ignore lint/suspicious/noExplicitAny: IAM policy JSON.
export type PolicyStatement = Record<string, any>;

/** The account the roles live in: ARNs are built from these. */
export interface AccountScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/** One ECS service a Jenkins agent deploys to. */
export interface DeployTarget {
  /** The environment's name: also the value of its resources' `environment` tag (provider default tags). */
  readonly environment: string;
  readonly cluster: string;
  readonly service: string;
  /** `<project>-<env>-<service>`: the only family the service may be pointed at. */
  readonly taskFamily: string;
  /** Roles the new task definition names: the task role and the execution role. */
  readonly passRoles: readonly string[];
  /** `promoteFrom`'s service, which a promotion reads (DescribeServices) to find the image it runs. */
  readonly promotionSource?: { readonly cluster: string; readonly service: string };
}

/** Actions AWS authorizes only on `Resource: "*"` (no resource type in the service authorization reference). */
export const UNSCOPABLE_ACTIONS = [
  "ecr:GetAuthorizationToken", // ECR login is account-wide
  "ecs:RegisterTaskDefinition", // no resource type; conditioned on the request's environment tag
  "ecs:DescribeTaskDefinition", // no resource type
  "ecs:ListTaskDefinitions", // no resource type; the deploy history lists the family's revisions
  "ecs:ListTasks", // container-instance only; conditioned on ecs:cluster instead
] as const;

/** Sid-safe form of an environment name: `prod-eu` → `ProdEu`. */
function sidPart(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("");
}

const ecsArn = ({ partition, region, accountId }: AccountScope) => `arn:${partition}:ecs:${region}:${accountId}`;
export const serviceArn = (scope: AccountScope, cluster: string, service: string) =>
  `${ecsArn(scope)}:service/${cluster}/${service}`;
const familyArnPattern = (scope: AccountScope, family: string) => `${ecsArn(scope)}:task-definition/${family}:*`;

/**
 * Everything deploy-service needs to deploy, promote to, roll back and list the history of
 * `targets`, and nothing of any other environment, in four parts: registering revisions, the
 * rollouts (one statement per service), watching them, and passing the services' roles. Each part
 * grows with the number of targets; the build agent keeps them in separate policy documents, so
 * that all 14 environments the VPC holds fit IAM's size limits (scripts/scale/iam.ts). Empty parts
 * for no targets.
 */
interface DeployPolicyParts {
  readonly register: PolicyStatement[];
  readonly rollouts: PolicyStatement[];
  readonly observe: PolicyStatement[];
  readonly passRoles: PolicyStatement[];
}

function deployPolicyParts(scope: AccountScope, targets: readonly DeployTarget[]): DeployPolicyParts {
  if (targets.length === 0) return { register: [], rollouts: [], observe: [], passRoles: [] };
  const ecs = ecsArn(scope);
  const iam = `arn:${scope.partition}:iam::${scope.accountId}`;
  const described = new Map<string, string>();
  for (const target of targets) {
    for (const { cluster, service } of [target, ...(target.promotionSource ? [target.promotionSource] : [])]) {
      described.set(`${cluster}/${service}`, serviceArn(scope, cluster, service));
    }
  }
  return {
    register: [
      {
        Sid: "ReadTaskDefinitions",
        Effect: "Allow",
        Action: ["ecs:DescribeTaskDefinition", "ecs:ListTaskDefinitions"],
        Resource: "*",
      },
      {
        // IAM cannot name the family here (RegisterTaskDefinition has no resource type): the request
        // must carry the environment tag of one of these environments. UpdateService's family
        // condition below is what keeps another family's revision off these services.
        Sid: "RegisterTaskDefinitionsTaggedForOwnEnvironments",
        Effect: "Allow",
        Action: ["ecs:RegisterTaskDefinition"],
        Resource: "*",
        Condition: { StringEquals: { [`aws:RequestTag/${ENVIRONMENT_TAG}`]: targets.map((t) => t.environment) } },
      },
      {
        Sid: "TagOwnTaskDefinitionsOnRegister",
        Effect: "Allow",
        Action: ["ecs:TagResource"],
        Resource: targets.map((target) => familyArnPattern(scope, target.taskFamily)),
        Condition: { StringEquals: { "ecs:CreateAction": "RegisterTaskDefinition" } },
      },
    ],
    // One statement per service, so that each service takes only its own family's revisions.
    rollouts: targets.map((target) => ({
      Sid: `RollOut${sidPart(target.environment)}`,
      Effect: "Allow",
      Action: ["ecs:UpdateService"],
      Resource: [serviceArn(scope, target.cluster, target.service)],
      Condition: { ArnLike: { "ecs:task-definition": familyArnPattern(scope, target.taskFamily) } },
    })),
    observe: [
      {
        Sid: "DescribeOwnServices",
        Effect: "Allow",
        Action: ["ecs:DescribeServices"],
        Resource: [...described.values()],
      },
      {
        Sid: "ListTasksOfOwnClusters",
        Effect: "Allow",
        Action: ["ecs:ListTasks"],
        Resource: "*",
        Condition: { ArnEquals: { "ecs:cluster": targets.map((target) => `${ecs}:cluster/${target.cluster}`) } },
      },
      {
        Sid: "DescribeTasksOfOwnClusters",
        Effect: "Allow",
        Action: ["ecs:DescribeTasks"],
        Resource: targets.map((target) => `${ecs}:task/${target.cluster}/*`),
      },
    ],
    passRoles: [
      {
        Sid: "PassOwnServiceRolesToEcs",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: [...new Set(targets.flatMap((target) => target.passRoles))].map((role) => `${iam}:role/${role}`),
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
    ],
  };
}

/** The four parts in one list: a deploy agent's single policy (one target is small). */
function deployStatements(scope: AccountScope, targets: readonly DeployTarget[]): PolicyStatement[] {
  const { register, rollouts, observe, passRoles } = deployPolicyParts(scope, targets);
  return [...register, ...rollouts, ...observe, ...passRoles];
}

export interface BuildAgentPolicyProps extends AccountScope {
  /** ARN of the frontend ECR repository. */
  readonly repositoryArn: string;
  /** Every environment without approval. */
  readonly targets: readonly DeployTarget[];
  /** ARN of the read-only Terraform plan role: the one role the build agent may assume. */
  readonly planRoleArn: string;
}

/**
 * The build agent's policy documents: its inline policy (ECR, registering revisions, the plan role)
 * and, while some environment needs no approval, three managed ones by purpose (IAM allows 6,144
 * characters in each, 10,240 in all inline policies of a role together).
 */
export function buildAgentPolicies(props: BuildAgentPolicyProps): {
  inline: PolicyStatement[];
  managed: { rollouts: PolicyStatement[]; observe: PolicyStatement[]; passRoles: PolicyStatement[] };
} {
  const { register, ...managed } = deployPolicyParts(props, props.targets);
  const inline = [
    { Sid: "LogInToEcr", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    {
      Sid: "PushAndPullFrontendImage",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:CompleteLayerUpload",
        "ecr:DescribeImageScanFindings",
        "ecr:DescribeImages",
        "ecr:DescribeRepositories",
        "ecr:GetDownloadUrlForLayer",
        "ecr:InitiateLayerUpload",
        "ecr:PutImage",
        "ecr:UploadLayerPart",
      ],
      Resource: [props.repositoryArn],
    },
    ...register,
    { Sid: "AssumeTerraformPlanRole", Effect: "Allow", Action: ["sts:AssumeRole"], Resource: [props.planRoleArn] },
  ];
  return { inline, managed };
}

export interface DeployAgentPolicyProps extends AccountScope {
  readonly repositoryArn: string;
  /** The one environment (with approval) this agent deploys. */
  readonly target: DeployTarget;
}

export function deployAgentStatements(props: DeployAgentPolicyProps): PolicyStatement[] {
  return [
    {
      // deploy-service checks that the tag exists and reads its scan before it registers anything,
      // and once the rollout completed moves the deployed-<env> markers (BatchGetImage + PutImage of
      // the image's own manifest; the repository lets only deployed-* tags move). ECS pulls with the
      // service's execution role, so the agent itself never pulls layers.
      Sid: "FindFrontendImages",
      Effect: "Allow",
      Action: [
        "ecr:BatchGetImage",
        "ecr:DescribeImageScanFindings",
        "ecr:DescribeImages",
        "ecr:DescribeRepositories",
        "ecr:PutImage",
      ],
      Resource: [props.repositoryArn],
    },
    ...deployStatements(props, [props.target]),
  ];
}
