/**
 * DeploymentAlarms: the CloudWatch alarms that guard a service's rollouts. ECS watches these alarms
 * during every rollout (`alarms` on the service, with rollback), so a release that answers users
 * with errors or slowly is rolled back even while its tasks pass the health check; outside rollouts
 * they are the service's error, health and latency alarms, notifying the environment's topic like
 * every other alarm. Thresholds come from `service.alarms` in vars; the schema owns their defaults
 * and bounds. The metrics are the service's own definitions (./service-metrics.ts), which its
 * dashboard draws too.
 */
import { Construct } from "constructs";
import type { DeploymentAlarmsVars } from "../../config/delivery";
import type { DeploymentAlarmKind } from "../../lib/naming";
import { type AlarmProps, type AlarmRoute, metricAlarm, type WatchedAlarm } from "../constructs/alarm";
import type { ServiceMetrics } from "./service-metrics";

export interface DeploymentAlarmsProps {
  /** Name of each alarm (lib/naming.ts deploymentAlarmNames): the deploy script reports them by name. */
  readonly alarmNames: Readonly<Record<DeploymentAlarmKind, string>>;
  /** The environment's alarm topic and the runbook. */
  readonly route: AlarmRoute;
  readonly metrics: ServiceMetrics;
  /** `service.alarms` in vars. */
  readonly thresholds: DeploymentAlarmsVars;
}

type Condition = Pick<AlarmProps, "summary" | "measure" | "comparisonOperator" | "threshold">;

export class DeploymentAlarms extends Construct {
  readonly alarms: Readonly<Record<DeploymentAlarmKind, WatchedAlarm>>;

  constructor(scope: Construct, id: string, props: DeploymentAlarmsProps) {
    super(scope, id);
    const { thresholds: limits, metrics } = props;
    const alarm = (kind: DeploymentAlarmKind, condition: Condition) =>
      metricAlarm(this, kind.replaceAll("-", "_"), props.route, {
        ...condition,
        summary: `${condition.summary} Rolls a rollout back.`,
        alarmName: props.alarmNames[kind],
        runbookEntry: kind,
        evaluationPeriods: limits.evaluationMinutes,
        missingData: { treatAs: "notBreaching", because: "no requests is no evidence of a broken release" },
      });

    this.alarms = {
      "target-5xx-rate": alarm("target-5xx-rate", {
        summary: `Over ${limits.target5xxPercent} % of requests answered 5xx by the tasks.`,
        measure: metrics.target5xxRate,
        comparisonOperator: "GreaterThanThreshold",
        threshold: limits.target5xxPercent,
      }),
      "load-balancer-5xx": alarm("load-balancer-5xx", {
        summary: `${limits.loadBalancer5xxPerMinute} or more 5xx per minute from the load balancer itself (no healthy target, timeouts).`,
        measure: metrics.loadBalancer5xx,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: limits.loadBalancer5xxPerMinute,
      }),
      "unhealthy-targets": alarm("unhealthy-targets", {
        summary: `${limits.unhealthyTargets} or more targets failing the health check.`,
        measure: metrics.unhealthyTargets,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: limits.unhealthyTargets,
      }),
      "p99-response-time": alarm("p99-response-time", {
        summary: `p99 target response time above ${limits.p99ResponseTimeMs} ms.`,
        measure: metrics.responseTime,
        comparisonOperator: "GreaterThanThreshold",
        threshold: limits.p99ResponseTimeMs / 1000, // the metric is in seconds
      }),
    };
  }
}
