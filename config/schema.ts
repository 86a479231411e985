/**
 * The shape of environments/*.yaml. Defaults live here, applied once, and are rendered into
 * stacks/global/vars.ts, so the stacks read complete values and never re-default them.
 */
import { z } from "zod";
import { parseCidr } from "../lib/cidr";
import { DeliverySchema, deliveryIssues } from "./delivery";
import { ImageSchema, SAMPLE_IMAGE, UserSchema } from "./images";
import {
  BudgetSchema,
  EnvironmentNotificationsSchema,
  ManagementAlarmsSchema,
  NotificationsSchema,
  PlatformAlarmsSchema,
  ServiceAlarmsSchema,
  serviceAlarmIssues,
} from "./operations";

export const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]*$/;
/** AWS region names: partition prefix, direction, number (eu-central-1, us-gov-west-1, ap-southeast-5). */
export const AWS_REGION =
  /^(af|ap|ca|cn|eu|il|me|mx|sa|us|us-gov)-(central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2}$/;

const cidr = z.string().superRefine((value, ctx) => {
  const parsed = parseCidr(value);
  if (typeof parsed === "string") {
    ctx.addIssue({ code: "custom", message: `${parsed}; write it as network/prefix, e.g. 10.0.0.0/16` });
  }
});

const positiveInt = z.number().int().positive();
/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
const logRetentionDays = z.number().refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
  message: `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
});

export const CommonSchema = z.strictObject({
  /** Prefix of every name and of every state key. */
  project: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, "use lower-case letters, digits and dashes"),
  region: z.string().regex(AWS_REGION, "use an AWS region name such as eu-central-1"),
  domain: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, "use a DNS name such as connected.express"),
  stateBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "use a valid S3 bucket name"),
  /** The IAM roles that run `terraform apply` (names, with their path if any; `*` matches within a
   *  name). With the plan role (`<project>-terraform-plan`), they are the only principals the state
   *  bucket's policy and the state key's policy let read and write state (pipelines/src/state). */
  terraformRoles: z
    .array(
      z
        .string()
        .regex(
          /^([\w+=,.@*-]+\/)*[\w+=,.@*-]{1,64}$/,
          "use an IAM role name, with its path if it has one (aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*)",
        )
        .refine((role) => /[\w+=,.@-]{3}/.test(role.split("/").at(-1) ?? ""), {
          message:
            "the name must keep at least 3 literal characters: a bare `*` would let every role of the account at the state",
        }),
    )
    .min(1, "list the role(s) that run terraform apply: without one, nobody could apply"),
  adminCidrs: z.array(cidr).min(1, "list at least one admin network"),
  /** Sorted by key, so that reordering them in the file changes nothing downstream. */
  tags: z
    .record(z.string(), z.string())
    .default({})
    .transform((tags) => Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)))),
  network: z.strictObject({
    cidr,
    /** The network layer's own slice: one public subnet per zone slot for the NAT gateways. No
     *  environment may claim it, so adding or removing environments never touches NAT. */
    natCidr: cidr,
    /** The network layer's slice for the interface VPC endpoints: one private subnet per zone slot.
     *  No environment may claim it either, so the endpoints belong to no environment. */
    endpointCidr: cidr,
    /** Zones in use; at least two. Order does not matter: a subnet's place comes from its zone's letter. */
    availabilityZones: z.array(z.string()).min(2, "list at least two availability zones"),
    natGateways: z.enum(["single", "per-az"]).default("single"),
    flowLogRetentionDays: logRetentionDays.default(365),
  }),
  ecr: z.strictObject({
    repositoryName: z.string().regex(/^[a-z0-9][a-z0-9._/-]*$/, "use a valid ECR repository name"),
    keepTaggedImages: positiveInt.default(50),
    /** Repository prefix of the Docker Hub pull-through cache: `<prefix>/<owner>/<name>` in this
     *  account's ECR mirrors `docker.io/<owner>/<name>`. Its credential is the Secrets Manager secret
     *  `ecr-pullthroughcache/<project>/docker-hub` (README, Images). */
    dockerHubCachePrefix: z
      .string()
      .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, "use lower-case letters, digits and . _ - (ECR's prefix rules)")
      .min(2)
      .max(30)
      .default("docker-hub"),
  }),
  dns: z
    .strictObject({
      /** false: the apex zone exists (registrar-delegated) and is looked up by name. */
      createApexZone: z.boolean().default(false),
    })
    .default({ createApexZone: false }),
  waf: z
    .strictObject({
      /** Requests one client IP may send in any 5 minutes before every web ACL blocks it (WAF's
       *  rate-based rule; WAF accepts 10 and up). 2000 is about 7 requests a second sustained: far
       *  above what a person or a health monitor sends, low enough to stop a one-source flood. */
      rateLimitPerFiveMinutes: z.number().int().min(10).max(2_000_000_000).default(2000),
    })
    .default({ rateLimitPerFiveMinutes: 2000 }),
  /** Where alarms go: Slack through AWS Chatbot, and the runbook they link to (config/operations.ts). */
  notifications: NotificationsSchema.default(NotificationsSchema.parse({})),
  /** The account's monthly cost budget (config/operations.ts). */
  budget: BudgetSchema.default(BudgetSchema.parse({})),
  /** Thresholds of the alarms on what the account shares: state bucket, NAT (config/operations.ts). */
  alarms: PlatformAlarmsSchema.default(PlatformAlarmsSchema.parse({})),
});

/** An agent host's size: the instance type and root volume (images, layers and the build cache need
 *  the disk; at least the AMI's own 8 GiB), each defaulted once. */
function agentHost(instanceType: string, rootVolumeGiB: number) {
  const schema = z.strictObject({
    instanceType: z.string().default(instanceType),
    rootVolumeGiB: positiveInt.min(8).default(rootVolumeGiB),
  });
  return schema.default(schema.parse({}));
}

const ManagementSchema = z.strictObject({
  /** Login user of the AMI (Debian's images use `admin`). */
  sshUser: z.string().default("admin"),
  /** EC2 key pair for the admin users' first login; Ansible then installs their own keys. */
  keyPairName: z.string(),
  ami: z
    .strictObject({
      owners: z.array(z.string()).min(1),
      namePattern: z.string(),
    })
    .default({ owners: ["136693071363"], namePattern: "debian-12-amd64-*" }),
  bastion: z.strictObject({ instanceType: z.string().default("t3.micro") }).default({ instanceType: "t3.micro" }),
  jenkins: z.strictObject({
    instanceType: z.string().default("t3.medium"),
    port: positiveInt.max(65535).default(8080),
    /** At least the AMI's own 8 GiB. */
    rootVolumeGiB: positiveInt.min(8).default(20),
    dataVolumeGiB: positiveInt.default(50),
    /** Daily snapshots of JENKINS_HOME kept by DLM. */
    snapshotRetainCount: positiveInt.max(1000, "DLM keeps at most 1000 snapshots; lower it").default(14),
    /** Git repository of the frontend that the frontend job polls. */
    frontendRepository: z.string(),
    frontendBranch: z.string().default("master"),
    pollSchedule: z.string().default("H/5 * * * *"),
    slackChannel: z.string().default("#deployments"),
  }),
  /** The Jenkins build agent: runs every build (the controller runs none), pushes images and
   *  deploys to environments without approval (stacks/mgmt/jenkins-role.ts). Image builds need the
   *  memory and the disk. */
  buildAgent: agentHost("t3.large", 40),
  /** The Jenkins deploy agents, one per environment with approval: deploy-service only. */
  deployAgent: agentHost("t3.small", 16),
  /** Thresholds of the hosts' alarms (config/operations.ts). */
  alarms: ManagementAlarmsSchema.default(ManagementAlarmsSchema.parse({})),
  /** Days Session Manager's session logs (every command typed on a host) are kept: a year, like
   *  the other audit trails (CIS asks for at least 365). */
  sessionLogRetentionDays: logRetentionDays.default(365),
});

/** Memory (MiB) Fargate accepts for each CPU size: 256 takes 512, 1024 or 2048; the others a range in 1 GiB steps. */
const gibSteps = (fromGiB: number, toGiB: number) =>
  Array.from({ length: toGiB - fromGiB + 1 }, (_, index) => (fromGiB + index) * 1024);
const FARGATE_MEMORY_MIB: Record<number, readonly number[]> = {
  256: [512, 1024, 2048],
  512: gibSteps(1, 4),
  1024: gibSteps(2, 8),
  2048: gibSteps(4, 16),
  4096: gibSteps(8, 30),
};

const HealthCheckSchema = z.strictObject({
  path: z.string().startsWith("/").default("/"),
  intervalSeconds: z.number().int().min(5).max(300).default(5),
  timeoutSeconds: z.number().int().min(2).max(120).default(4),
  healthyThreshold: z.number().int().min(2).max(10).default(2),
  unhealthyThreshold: z.number().int().min(2).max(10).default(3),
});

const ServiceSchema = z
  .strictObject({
    name: z.string().regex(ENVIRONMENT_NAME, "use lower-case letters, digits and dashes").default("frontend"),
    /** Image the task definition starts with, in this account's ECR and pinned by digest
     *  (config/images.ts); the deploy script owns which image runs afterwards. */
    image: ImageSchema.default(SAMPLE_IMAGE),
    /** The container's user (`uid[:gid]`, never root); every image deployed to the service runs as it. */
    user: UserSchema.default("65534:65534"),
    /** Below 1024 the task lowers net.ipv4.ip_unprivileged_port_start to it: the non-root user binds
     *  the port without NET_BIND_SERVICE (Fargate cannot add that capability; all are dropped). */
    containerPort: positiveInt.max(65535).default(80),
    /** Directories the image writes to (Fargate scratch volumes); the rest of its filesystem is read-only.
     *  Fargate creates them root-owned (0755) unless the image declares the path as a VOLUME owned by
     *  its user, so a non-root image declares each one. The sample writes nothing. */
    writablePaths: z.array(z.string().startsWith("/")).default([]),
    cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]).default(256),
    memory: positiveInt.default(512),
    desiredCount: positiveInt.default(2),
    autoscaling: z
      .strictObject({
        minCount: positiveInt,
        maxCount: positiveInt,
        cpuTargetPercent: z.number().int().min(10).max(95).default(60),
        requestsPerTarget: positiveInt.optional(),
      })
      .optional(),
    healthCheck: HealthCheckSchema.default(HealthCheckSchema.parse({})),
    healthCheckGracePeriodSeconds: z.number().int().min(0).max(2147483647).default(30),
    /** Longest request the service serves; the target group waits this long before cutting a connection. */
    deregistrationDelaySeconds: z.number().int().min(0).max(3600).default(15),
    /** Time ECS gives the container between SIGTERM and SIGKILL; must cover the deregistration delay. */
    stopTimeoutSeconds: z.number().int().min(2).max(120).default(30),
    deployment: z.enum(["rolling", "blue-green"]).default("rolling"),
    blueGreenBakeTimeMinutes: z.number().int().min(0).max(1440).default(5),
    /** blue-green only: a listener on this port (admin networks only) serves the green revision before the switch. */
    blueGreenTestListenerPort: positiveInt.max(65535).optional(),
    /** Application and WAF logs. A year by default: incident reviews and audits reach that far back
     *  (checkov CKV_AWS_338); an environment that keeps less says why and is waived per resource. */
    logRetentionDays: logRetentionDays.default(365),
    /** The promotion road, the approval and the rollout timeout (config/delivery.ts). */
    delivery: DeliverySchema.default(DeliverySchema.parse({})),
    /** Thresholds of the alarms that roll a rollout back (config/delivery.ts) and of the service's
     *  other alarms (config/operations.ts). */
    alarms: ServiceAlarmsSchema.default(ServiceAlarmsSchema.parse({})),
  })
  // Cross-field rules: every combination the stacks cannot build is refused here, at `pnpm vars`,
  // with the file and the key; the constructs do not check these again.
  .superRefine((service, ctx) => {
    const { autoscaling, healthCheck } = service;
    if (autoscaling && autoscaling.minCount > autoscaling.maxCount) {
      ctx.addIssue({
        code: "custom",
        path: ["autoscaling", "minCount"],
        message: "is above autoscaling.maxCount; lower minCount or raise maxCount",
      });
    } else if (
      autoscaling &&
      (service.desiredCount < autoscaling.minCount || service.desiredCount > autoscaling.maxCount)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["desiredCount"],
        message: `${service.desiredCount} lies outside autoscaling.minCount..maxCount (${autoscaling.minCount}..${autoscaling.maxCount}); move it inside or widen the bounds`,
      });
    }
    const memoryChoices = FARGATE_MEMORY_MIB[service.cpu];
    if (!memoryChoices.includes(service.memory)) {
      const shown =
        memoryChoices.length > 3
          ? `${memoryChoices[0]}..${memoryChoices.at(-1)} in steps of 1024`
          : memoryChoices.join(", ");
      ctx.addIssue({
        code: "custom",
        path: ["memory"],
        message: `${service.memory} MiB does not fit cpu ${service.cpu} on Fargate; use ${shown}`,
      });
    }
    if (healthCheck.timeoutSeconds >= healthCheck.intervalSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["healthCheck", "timeoutSeconds"],
        message: `${healthCheck.timeoutSeconds} is not shorter than healthCheck.intervalSeconds (${healthCheck.intervalSeconds}); lower the timeout or raise the interval`,
      });
    }
    if (service.blueGreenTestListenerPort !== undefined && service.deployment !== "blue-green") {
      ctx.addIssue({
        code: "custom",
        path: ["blueGreenTestListenerPort"],
        message: "needs deployment: blue-green (only a blue/green rollout has a revision to test); remove it or switch",
      });
    }
    if (service.blueGreenTestListenerPort !== undefined && [80, 443].includes(service.blueGreenTestListenerPort)) {
      ctx.addIssue({
        code: "custom",
        path: ["blueGreenTestListenerPort"],
        message: "is taken by the public listeners (80, 443); pick another port such as 8443",
      });
    }
    if (service.deregistrationDelaySeconds > service.stopTimeoutSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["deregistrationDelaySeconds"],
        message:
          "is longer than stopTimeoutSeconds: tasks would be killed with requests in flight; raise stopTimeoutSeconds",
      });
    }
    for (const issue of deliveryIssues(service)) ctx.addIssue({ code: "custom", ...issue });
    for (const issue of serviceAlarmIssues(service)) ctx.addIssue({ code: "custom", ...issue });
  });

export const EnvironmentSchema = z.strictObject({
  /** This environment's slice of network.cidr; its public and private subnets are carved from it. */
  cidr,
  /** ALB deletion protection, and for mgmt the JENKINS_HOME volume's prevent_destroy: guards
   *  against deleting an environment by accident. On unless an environment file says why not. */
  deletionProtection: z.boolean().default(true),
  management: ManagementSchema.optional(),
  service: ServiceSchema.optional(),
  /** Where this environment's alarms go in Slack (config/operations.ts). */
  notifications: EnvironmentNotificationsSchema.default({}),
});

export type CommonVars = z.infer<typeof CommonSchema>;
export type EnvironmentVars = z.infer<typeof EnvironmentSchema> & { readonly name: string };
export type ServiceVars = z.infer<typeof ServiceSchema>;
export type ManagementVars = z.infer<typeof ManagementSchema>;

/** Everything the stacks and scripts read: rendered into stacks/global/vars.ts. */
export interface Vars extends CommonVars {
  readonly environments: Record<string, EnvironmentVars>;
}
