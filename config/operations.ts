/**
 * Operations settings: where alarms go (an SNS topic per environment, on to Slack through AWS
 * Chatbot), the monthly budget, and the thresholds of every alarm besides the deployment alarms
 * (config/delivery.ts). Part of the schema (config/schema.ts); the rules between these keys and the
 * rest of the files are here too, and so is the warning that alarms reach nobody.
 */
import { z } from "zod";
import { DeploymentAlarmsSchema } from "./delivery";

/** AWS Chatbot's API answers in these regions only (not in eu-central-1); a configuration made in
 *  one of them subscribes topics of any region. */
export const CHATBOT_API_REGIONS = ["us-east-2", "us-west-2", "eu-west-1", "ap-southeast-1"] as const;

/** A Slack channel's id (channel details, at the bottom), not its name: Chatbot addresses channels by id. */
const slackChannelId = z
  .string()
  .regex(/^[CG][A-Z0-9]{6,}$/, "use the channel's id (Slack: channel details, at the bottom), e.g. C0123ABCDEF");

const minutes = (reason: string) => z.number().int().min(1, reason).max(60, "at most 60: an hour late is no alarm");

/** `notifications` in common.yaml: the account's Slack route and where alarm descriptions link to. */
export const NotificationsSchema = z.strictObject({
  /** The Slack workspace (team) id AWS Chatbot is authorized for in this account: a one-time OAuth
   *  step in the Chatbot console that no API can do. Unset: every environment's alarm topic exists
   *  with no subscriber, and `pnpm vars` warns that alarms go nowhere. */
  slackWorkspaceId: z
    .string()
    .regex(/^T[A-Z0-9]{6,}$/, "use the workspace id the AWS Chatbot console shows, e.g. T0123ABCDEF")
    .optional(),
  /** The channel every environment's alarms go to unless its own file names another.
   *  Unset: each environment names its channel (`notifications.slackChannelId` in its file). */
  slackChannelId: slackChannelId.optional(),
  /** Where the Chatbot configurations are made. eu-west-1 by default: of Chatbot's regions, the one
   *  in the EU, like the platform's own region. */
  chatbotRegion: z.enum(CHATBOT_API_REGIONS).default("eu-west-1"),
  /** docs/runbook.md as the people on call open it from Slack, where a path in the repository is no
   *  link. The default is the repository the Jenkins jobs check out (provisioning's
   *  jenkins_jobs_repository), on its main branch. */
  runbookUrl: z
    .string()
    .regex(/^https:\/\/\S+[^#\s]$/, "use an https:// address of docs/runbook.md, without a #fragment")
    .default("https://github.com/connected-express/infrastructure/blob/main/docs/runbook.md"),
});

/** `notifications` in an environment's file: where its alarms go in Slack. */
export const EnvironmentNotificationsSchema = z.strictObject({
  /** This environment's channel. Unset: common.yaml's `notifications.slackChannelId`. */
  slackChannelId: slackChannelId.optional(),
});

/** `budget` in common.yaml: one AWS Budgets cost budget for the account, alerting the mgmt topic. */
export const BudgetSchema = z.strictObject({
  /** US dollars per calendar month. The shipped platform costs about 350 (three load balancers and
   *  web ACLs, the NAT gateway, Jenkins and the bastion, three Fargate tasks, public IPv4 addresses,
   *  KMS keys, flow logs and metrics); 500 leaves room for traffic, while a runaway (NAT data, log
   *  volume, a forgotten instance) crosses it within the month. */
  monthlyLimitUsd: z.number().positive().max(1_000_000).default(500),
  /** Alert when AWS forecasts the month's cost above this share of the limit: 80 warns with time left
   *  to act before the bill. */
  forecastPercent: z.number().int().min(1).max(1000).default(80),
  /** Alert when the month's actual cost passes this share of the limit: 100 is the limit itself. */
  actualPercent: z.number().int().min(1).max(1000).default(100),
});

/** `alarms` in common.yaml: the alarms of what the whole account shares (state bucket, NAT). */
export const PlatformAlarmsSchema = z.strictObject({
  /** 4xx answers of the Terraform state bucket in 5 minutes. A few are normal: planning a new stack
   *  reads a state that does not exist yet (404), a stack being applied refuses a second lock (412).
   *  25 is well above that; more are a job or a person without access (403) or a fight over locks. */
  stateBucket4xxPerFiveMinutes: z.number().int().min(1).max(1_000_000).default(25),
  /** Connections a NAT gateway could not open for want of a source port, in 5 minutes. Each is an
   *  outbound connection that failed (image pulls, package installs, Slack), so 1 fires on the first. */
  natPortAllocationErrorsPerFiveMinutes: z.number().int().min(1).max(1_000_000).default(1),
});

/** `management.alarms`: the bastion's and Jenkins' alarms. */
export const ManagementAlarmsSchema = z.strictObject({
  /** Consecutive minutes of a failed system status check (AWS's hardware, network or power) before
   *  the host is recovered onto other hardware. 2, as in AWS's own recovery alarm: one bad minute may
   *  be a blip, two are not. */
  systemCheckMinutes: minutes("at least 1: CloudWatch needs a minute of data").default(2),
  /** Consecutive minutes of a failed instance status check (the host's own system: kernel, memory,
   *  network configuration) before someone is told. A reboot fails the check for a minute or two. */
  instanceCheckMinutes: minutes("at least 1: CloudWatch needs a minute of data").default(5),
  /** Minutes Jenkins' load balancer finds it unhealthy before someone is told. A restart (plugin
   *  update, safe restart) takes 1 to 3 minutes; 5 is past that. */
  jenkinsUnhealthyMinutes: minutes("at least 1: CloudWatch needs a minute of data").default(5),
});

/** `service.alarms`: the deployment alarms' thresholds (config/delivery.ts) and the service's others. */
export const ServiceAlarmsSchema = DeploymentAlarmsSchema.extend({
  /** Minutes the service runs fewer tasks than its minimum (autoscaling.minCount, else desiredCount)
   *  before someone is told. ECS replaces a stopped task within a minute or two; 5 minutes short
   *  means the replacements fail too (image, capacity, a crash loop). */
  tasksBelowMinimumMinutes: minutes("at least 1: CloudWatch needs a minute of data").default(5),
  /** Average CPU of the service's tasks that counts as high. Autoscaling holds cpuTargetPercent (60
   *  by default); 85 held for utilizationMinutes means it cannot keep up (at maxCount, or too slow). */
  cpuPercent: z.number().int().min(10).max(100).default(85),
  /** Average memory of the service's tasks that counts as high: a task at its limit is killed; 85
   *  leaves time to act. */
  memoryPercent: z.number().int().min(10).max(100).default(85),
  /** Consecutive minutes CPU or memory stays high before someone is told: 10 lets a warm-up or a
   *  burst that autoscaling absorbs pass. */
  utilizationMinutes: minutes("at least 1: CloudWatch needs a minute of data").default(10),
  /** Requests the environment's web ACL blocks in 5 minutes that count as a spike. Scanners the
   *  managed rules block run at tens an hour on a small site; 500 in 5 minutes is an attack, or a
   *  rule blocking real users. */
  wafBlockedRequestsPerFiveMinutes: z.number().int().min(1).max(1_000_000_000).default(500),
});

export type NotificationsVars = z.infer<typeof NotificationsSchema>;
export type BudgetVars = z.infer<typeof BudgetSchema>;
export type PlatformAlarmsVars = z.infer<typeof PlatformAlarmsSchema>;
export type ManagementAlarmsVars = z.infer<typeof ManagementAlarmsSchema>;
export type ServiceAlarmsVars = z.infer<typeof ServiceAlarmsSchema>;

interface Issue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** The rules between `service.alarms` and the rest of the service, as schema issues. */
export function serviceAlarmIssues(service: {
  readonly alarms: ServiceAlarmsVars;
  readonly autoscaling?: { readonly cpuTargetPercent: number };
}): Issue[] {
  const target = service.autoscaling?.cpuTargetPercent;
  if (target === undefined || service.alarms.cpuPercent > target) return [];
  return [
    {
      path: ["alarms", "cpuPercent"],
      message: `${service.alarms.cpuPercent} is not above autoscaling.cpuTargetPercent (${target}): it would fire whenever autoscaling holds its target; raise it above ${target}`,
    },
  ];
}

interface NotificationFiles {
  readonly notifications: NotificationsVars;
  readonly environments: readonly {
    readonly name: string;
    readonly notifications: { readonly slackChannelId?: string };
  }[];
}

/** The Slack channel an environment's alarms go to, if any: its own, else common.yaml's. */
export function slackChannelOf(
  notifications: NotificationsVars,
  environment: { readonly notifications: { readonly slackChannelId?: string } },
): string | undefined {
  return environment.notifications.slackChannelId ?? notifications.slackChannelId;
}

/** Where an environment's alarm topic posts in Slack, if a workspace is authorized and a channel named. */
export function slackRouteOf(
  notifications: NotificationsVars,
  environment: { readonly notifications: { readonly slackChannelId?: string } },
): { readonly workspaceId: string; readonly channelId: string; readonly apiRegion: string } | undefined {
  const channelId = slackChannelOf(notifications, environment);
  const workspaceId = notifications.slackWorkspaceId;
  return workspaceId && channelId ? { workspaceId, channelId, apiRegion: notifications.chatbotRegion } : undefined;
}

/** With a Slack workspace set, every environment needs a channel: its alarms would go nowhere. */
export function notificationProblems(
  { notifications, environments }: NotificationFiles,
  show: (file: string) => string,
  commonFile: string,
): string[] {
  if (notifications.slackWorkspaceId === undefined) return [];
  return environments
    .filter((environment) => slackChannelOf(notifications, environment) === undefined)
    .map(
      (environment) =>
        `${show(`${environment.name}.yaml`)}: notifications.slackChannelId: missing: ${commonFile} sets notifications.slackWorkspaceId, so alarms go to Slack; name this environment's channel here or a default channel in ${commonFile}`,
    );
}

/** Without a Slack workspace the topics have no subscriber: valid, but worth saying on every run. */
export function notificationWarnings(
  { notifications, environments }: NotificationFiles,
  show: (file: string) => string,
  commonFile: string,
): string[] {
  if (notifications.slackWorkspaceId !== undefined) return [];
  const names = environments.map((environment) => environment.name).sort();
  return [
    `${show(commonFile)}: notifications.slackWorkspaceId is not set: the alarm topics of ${names.join(", ")} have no subscriber, so alarms go nowhere; authorize the Slack workspace in the AWS Chatbot console and set its id (README, Operations)`,
  ];
}
