/**
 * ServiceAlarms: what can go wrong with a service between rollouts, beside its deployment alarms
 * (./deployment-alarms.ts): fewer tasks than its minimum, CPU or memory held high, and a spike of
 * requests its web ACL blocks. They notify the environment's topic and roll nothing back: none of
 * them says a release is broken. Thresholds come from `service.alarms` in vars.
 */
import { Construct } from "constructs";
import type { ServiceAlarmsVars } from "../../config/operations";
import { type AlarmProps, type AlarmRoute, metricAlarm, type WatchedAlarm } from "../constructs/alarm";
import type { ServiceMetrics } from "./service-metrics";

/** The service's alarms besides its deployment alarms, each with its runbook entry of the same name. */
export const SERVICE_ALARM_KINDS = ["tasks-below-minimum", "cpu-high", "memory-high", "waf-blocked-spike"] as const;
export type ServiceAlarmKind = (typeof SERVICE_ALARM_KINDS)[number];

export interface ServiceAlarmsProps {
  /** Name of each alarm (lib/naming.ts serviceAlarmName). */
  readonly alarmName: (kind: ServiceAlarmKind) => string;
  readonly route: AlarmRoute;
  readonly metrics: ServiceMetrics;
  /** The fewest tasks the service may run: autoscaling.minCount, else desiredCount. */
  readonly minimumTasks: number;
  /** `service.alarms` in vars. */
  readonly thresholds: ServiceAlarmsVars;
}

export class ServiceAlarms extends Construct {
  readonly alarms: Readonly<Record<ServiceAlarmKind, WatchedAlarm>>;

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    const { thresholds: limits, metrics } = props;
    if (!Number.isInteger(props.minimumTasks) || props.minimumTasks < 1) {
      throw new Error(`ServiceAlarms: minimumTasks ${props.minimumTasks} must be a whole number of at least 1`);
    }
    const alarm = (kind: ServiceAlarmKind, config: Omit<AlarmProps, "alarmName" | "runbookEntry">) =>
      metricAlarm(this, kind.replaceAll("-", "_"), props.route, {
        ...config,
        alarmName: props.alarmName(kind),
        runbookEntry: kind,
      });
    const quietWhenIdle = {
      treatAs: "notBreaching",
      because: "without running tasks there is no data, and tasks-below-minimum reports that",
    } as const;

    this.alarms = {
      "tasks-below-minimum": alarm("tasks-below-minimum", {
        summary: `Fewer than ${props.minimumTasks} running tasks for ${limits.tasksBelowMinimumMinutes} minutes: ECS cannot keep the service at its minimum.`,
        measure: metrics.runningTasks,
        comparisonOperator: "LessThanThreshold",
        threshold: props.minimumTasks,
        evaluationPeriods: limits.tasksBelowMinimumMinutes,
        missingData: {
          treatAs: "breaching",
          because:
            "Container Insights counts the tasks every minute while the service exists, so silence means the service or its metrics are gone",
        },
      }),
      "cpu-high": alarm("cpu-high", {
        summary: `Average CPU of the tasks above ${limits.cpuPercent} % for ${limits.utilizationMinutes} minutes: autoscaling is not keeping up.`,
        measure: metrics.cpu,
        comparisonOperator: "GreaterThanThreshold",
        threshold: limits.cpuPercent,
        evaluationPeriods: limits.utilizationMinutes,
        missingData: quietWhenIdle,
      }),
      "memory-high": alarm("memory-high", {
        summary: `Average memory of the tasks above ${limits.memoryPercent} % of their limit for ${limits.utilizationMinutes} minutes: tasks near it are killed.`,
        measure: metrics.memory,
        comparisonOperator: "GreaterThanThreshold",
        threshold: limits.memoryPercent,
        evaluationPeriods: limits.utilizationMinutes,
        missingData: quietWhenIdle,
      }),
      "waf-blocked-spike": alarm("waf-blocked-spike", {
        summary: `The web ACL blocked ${limits.wafBlockedRequestsPerFiveMinutes} or more requests in 5 minutes: an attack, or a rule blocking real users.`,
        measure: metrics.wafBlocked,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: limits.wafBlockedRequestsPerFiveMinutes,
        evaluationPeriods: 1,
        missingData: {
          treatAs: "notBreaching",
          because: "WAF reports blocked requests only for periods in which it blocked some",
        },
      }),
    };
  }
}
