/**
 * DeploymentAlarms: the CloudWatch alarms that guard a service's rollouts, and the environment's
 * alarm topic they notify. ECS watches these alarms during every rollout (`alarms` on the
 * service, with rollback), so a release that answers users with errors or slowly is rolled back
 * even while its tasks pass the health check. The topic (KMS-encrypted with its own key, which
 * CloudWatch may use) is where another layer routes the alarms on (Slack); until then it has no
 * subscriber. Thresholds come from `service.alarms` in vars; the schema owns their defaults and bounds.
 */
import {
  CloudwatchMetricAlarm,
  type CloudwatchMetricAlarmConfig,
} from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { Construct } from "constructs";
import type { DeploymentAlarmsVars } from "../../config/delivery";
import type { DeploymentAlarmKind } from "../../lib/naming";

export interface DeploymentAlarmsProps {
  /** Name of each alarm (lib/naming.ts deploymentAlarmName): the deploy script reports them by name. */
  readonly alarmNames: Readonly<Record<DeploymentAlarmKind, string>>;
  /** The environment's alarm topic (lib/naming.ts alarmTopicName). */
  readonly topicName: string;
  /** `arn_suffix` of the service's load balancer (the `LoadBalancer` dimension). */
  readonly loadBalancerArnSuffix: string;
  /** `arn_suffix` of each target group the service registers in, by colour: `blue`, and `green` for blue/green. */
  readonly targetGroupArnSuffixes: Readonly<Record<string, string>>;
  /** `service.alarms` in vars. */
  readonly thresholds: DeploymentAlarmsVars;
}

/** What one alarm watches and when it fires; the construct adds the name, periods and actions. */
type AlarmCondition = Pick<CloudwatchMetricAlarmConfig, "comparisonOperator" | "threshold"> &
  Partial<CloudwatchMetricAlarmConfig>;

const NAMESPACE = "AWS/ApplicationELB";
const PERIOD_SECONDS = 60;

export class DeploymentAlarms extends Construct {
  readonly topic: SnsTopic;
  readonly alarms: Readonly<Record<DeploymentAlarmKind, CloudwatchMetricAlarm>>;

  constructor(scope: Construct, id: string, props: DeploymentAlarmsProps) {
    super(scope, id);
    if (Object.keys(props.targetGroupArnSuffixes).length === 0)
      throw new Error("DeploymentAlarms needs the service's target groups");
    const { thresholds: limits } = props;
    this.topic = new SnsTopic(this, "topic", { name: props.topicName, kmsMasterKeyId: this.topicKey(props).arn });

    const loadBalancer = { LoadBalancer: props.loadBalancerArnSuffix };
    const metric = (metricName: string, stat: string, dimensions: Record<string, string> = loadBalancer) => ({
      namespace: NAMESPACE,
      metricName,
      stat,
      period: PERIOD_SECONDS,
      dimensions,
    });
    /** A one-metric alarm on the load balancer. */
    const single = (metricName: string, statistic: { statistic: string } | { extendedStatistic: string }) => ({
      namespace: NAMESPACE,
      metricName,
      period: PERIOD_SECONDS,
      dimensions: loadBalancer,
      ...statistic,
    });
    const alarm = (kind: DeploymentAlarmKind, description: string, config: AlarmCondition) =>
      new CloudwatchMetricAlarm(this, kind.replaceAll("-", "_"), {
        alarmName: props.alarmNames[kind],
        alarmDescription: `${description} Rolls a rollout back. Runbook: docs/app-env.md#deployment-alarms`,
        evaluationPeriods: limits.evaluationMinutes,
        datapointsToAlarm: limits.evaluationMinutes,
        // No requests is no evidence of a broken release.
        treatMissingData: "notBreaching",
        actionsEnabled: true,
        alarmActions: [this.topic.arn],
        okActions: [this.topic.arn],
        ...config,
      });

    const targetGroupQueries = Object.entries(props.targetGroupArnSuffixes).map(([colour, suffix]) => ({
      id: colour,
      returnData: false,
      metric: metric("UnHealthyHostCount", "Maximum", { ...loadBalancer, TargetGroup: suffix }),
    }));
    this.alarms = {
      "target-5xx-rate": alarm(
        "target-5xx-rate",
        `Over ${limits.target5xxPercent} % of requests answered 5xx by the tasks.`,
        {
          comparisonOperator: "GreaterThanThreshold",
          threshold: limits.target5xxPercent,
          metricQuery: [
            { id: "errors", returnData: false, metric: metric("HTTPCode_Target_5XX_Count", "Sum") },
            { id: "requests", returnData: false, metric: metric("RequestCount", "Sum") },
            {
              id: "rate",
              label: "Per cent of requests answered 5xx by the targets",
              expression: "100 * FILL(errors, 0) / FILL(requests, 1)",
              returnData: true,
            },
          ],
        },
      ),
      "load-balancer-5xx": alarm(
        "load-balancer-5xx",
        `${limits.loadBalancer5xxPerMinute} or more 5xx per minute from the load balancer itself (no healthy target, timeouts).`,
        {
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: limits.loadBalancer5xxPerMinute,
          ...single("HTTPCode_ELB_5XX_Count", { statistic: "Sum" }),
        },
      ),
      "unhealthy-targets": alarm(
        "unhealthy-targets",
        `${limits.unhealthyTargets} or more targets failing the health check.`,
        {
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: limits.unhealthyTargets,
          metricQuery: [
            ...targetGroupQueries,
            {
              id: "unhealthy",
              label: "Unhealthy targets in the service's target groups",
              expression: targetGroupQueries.map((query) => `FILL(${query.id}, 0)`).join(" + "),
              returnData: true,
            },
          ],
        },
      ),
      "p99-response-time": alarm(
        "p99-response-time",
        `p99 target response time above ${limits.p99ResponseTimeMs} ms.`,
        {
          comparisonOperator: "GreaterThanThreshold",
          threshold: limits.p99ResponseTimeMs / 1000, // the metric is in seconds
          ...single("TargetResponseTime", { extendedStatistic: "p99" }),
        },
      ),
    };
  }

  /** The topic's key: the account administers it; CloudWatch may use it to publish alarms. */
  private topicKey(props: DeploymentAlarmsProps): KmsKey {
    const account = new DataAwsCallerIdentity(this, "account");
    const partition = new DataAwsPartition(this, "partition");
    return new KmsKey(this, "topic_key", {
      description: `Encrypts the ${props.topicName} topic`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AccountAdministersKey",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition.partition}:iam::${account.accountId}:root` },
            Action: "kms:*",
            Resource: "*",
          },
          {
            Sid: "CloudWatchPublishesAlarms",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": account.accountId } },
          },
        ],
      }),
    });
  }
}
