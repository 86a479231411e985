/**
 * ServiceTaskDefinition: what one task of a service runs. A single Fargate container from this
 * account's ECR pinned by digest, as a non-root user with every Linux capability dropped, on a
 * read-only root filesystem (writable scratch volumes only where the image writes), logs to a
 * KMS-encrypted log group; an execution role that may pull from the service repository and the
 * Docker Hub pull-through cache and write those logs, and a separate, empty task role for the
 * application itself.
 */
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { EncryptedLogGroup } from "../constructs/encrypted-log-group";

export interface ServiceTaskDefinitionProps {
  /** Task definition family; the deploy script registers new revisions of it. */
  readonly family: string;
  readonly containerName: string;
  /** Initial image, `<repository>@sha256:<digest>` in this account's ECR (`service.image`, checked by
   *  the schema); the deploy script owns which image runs afterwards. */
  readonly image: string;
  /** `uid[:gid]` the container runs as; never root (`service.user`). */
  readonly user: string;
  /** Below 1024 the task lowers net.ipv4.ip_unprivileged_port_start to it, so that the non-root user
   *  binds it without NET_BIND_SERVICE (Fargate can add no capability but SYS_PTRACE). */
  readonly containerPort: number;
  // Sizes, timings and paths come from `service` in vars: the schema owns their defaults, their
  // bounds and the rules between them (memory that fits the CPU, a stop timeout that covers the
  // deregistration delay, absolute paths).
  /** Fargate CPU units. */
  readonly cpu: number;
  /** MiB; fits the CPU size. */
  readonly memory: number;
  /** Seconds between SIGTERM and SIGKILL; covers the load balancer's deregistration delay. */
  readonly stopTimeoutSeconds: number;
  /** Directories the image writes to, each an ephemeral volume; the rest of the filesystem is read-only. */
  readonly writablePaths: readonly string[];
  /** ECR repository the execution role may pull from. */
  readonly repositoryArn: string;
  /** Repository prefix of the Docker Hub pull-through cache: the execution role may pull (and, on
   *  the first pull, import) images under it. */
  readonly cacheRepositoryPrefix: string;
  readonly executionRoleName: string;
  readonly taskRoleName: string;
  readonly logGroupName: string;
  readonly logRetentionDays: number;
  readonly region: string;
}

const ecsTasksTrust = (accountId: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        // Only ECS acting for this account may assume it (confused-deputy guard).
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  });

export class ServiceTaskDefinition extends Construct {
  readonly taskDefinition: EcsTaskDefinition;
  readonly executionRole: IamRole;
  readonly taskRole: IamRole;
  readonly logs: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: ServiceTaskDefinitionProps) {
    super(scope, id);
    const { cpu, memory, stopTimeoutSeconds: stopTimeout, writablePaths } = props;

    if (/^0+(:|$)/.test(props.user))
      throw new Error(`user ${props.user} is root; run ${props.family} as an unprivileged uid`);
    const account = new DataAwsCallerIdentity(this, "account");
    const partition = new DataAwsPartition(this, "partition");
    const registry = `${account.accountId}.dkr.ecr.${props.region}.${partition.dnsSuffix}`;
    const cacheRepositories = `arn:${partition.partition}:ecr:${props.region}:${account.accountId}:repository/${props.cacheRepositoryPrefix}/*`;
    this.logs = new EncryptedLogGroup(this, "logs", {
      name: props.logGroupName,
      region: props.region,
      retentionDays: props.logRetentionDays,
    });

    this.executionRole = new IamRole(this, "execution_role", {
      name: props.executionRoleName,
      description: `Lets ECS pull the image and write the logs of ${props.family}`,
      assumeRolePolicy: ecsTasksTrust(account.accountId),
    });
    new IamRolePolicy(this, "execution_role_policy", {
      role: this.executionRole.id,
      name: "pull-image-write-logs",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          // GetAuthorizationToken has no resource-level permissions: "*" is the only valid resource.
          { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
          {
            Sid: "PullFromTheServiceRepository",
            Effect: "Allow",
            Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Resource: props.repositoryArn,
          },
          {
            // ECR imports an image into the cache on its first pull, as the puller, and creates its repository.
            Sid: "PullThroughTheDockerHubCache",
            Effect: "Allow",
            Action: [
              "ecr:BatchCheckLayerAvailability",
              "ecr:BatchGetImage",
              "ecr:GetDownloadUrlForLayer",
              "ecr:BatchImportUpstreamImage",
              "ecr:CreateRepository",
            ],
            Resource: cacheRepositories,
          },
          {
            Sid: "WriteServiceLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${this.logs.logGroup.arn}:*`,
          },
        ],
      }),
    });

    // The application's own identity: no permissions until the application needs some.
    this.taskRole = new IamRole(this, "task_role", {
      name: props.taskRoleName,
      description: `Identity of the ${props.containerName} application in ${props.family}`,
      assumeRolePolicy: ecsTasksTrust(account.accountId),
    });

    const volumeName = (path: string) => path.replace(/^\//, "").replace(/[^A-Za-z0-9]+/g, "-") || "root";
    this.taskDefinition = new EcsTaskDefinition(this, "task_definition", {
      family: props.family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(cpu),
      memory: String(memory),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: this.executionRole.arn,
      taskRoleArn: this.taskRole.arn,
      volume: writablePaths.map((path) => ({ name: volumeName(path) })),
      // Keep old revisions registered: they are the rollback targets of the deploy script and the circuit breaker.
      skipDestroy: true,
      containerDefinitions: JSON.stringify([
        {
          name: props.containerName,
          image: `${registry}/${props.image}`,
          essential: true,
          privileged: false,
          user: props.user,
          linuxParameters: { capabilities: { drop: ["ALL"] } },
          systemControls:
            props.containerPort < 1024
              ? [{ namespace: "net.ipv4.ip_unprivileged_port_start", value: String(props.containerPort) }]
              : undefined,
          readonlyRootFilesystem: true,
          portMappings: [{ containerPort: props.containerPort, protocol: "tcp" }],
          mountPoints: writablePaths.map((path) => ({
            sourceVolume: volumeName(path),
            containerPath: path,
            readOnly: false,
          })),
          stopTimeout,
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": this.logs.logGroup.name,
              "awslogs-region": props.region,
              "awslogs-stream-prefix": props.containerName,
            },
          },
        },
      ]),
    });
  }
}
