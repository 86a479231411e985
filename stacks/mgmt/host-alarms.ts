/**
 * HostAlarms: the management hosts' alarms. Each host recovers itself when AWS's system status
 * check fails (EC2's recover action moves it to healthy hardware, keeping its id, addresses, volumes
 * and Elastic IP) and tells the team; a failed instance status check (the host's own system) and
 * Jenkins failing its load balancer's health check are told, not acted on. Thresholds come from
 * `management.alarms` in vars.
 */
import { Construct } from "constructs";
import type { ManagementAlarmsVars } from "../../config/operations";
import { type AlarmRoute, metricAlarm, type WatchedAlarm } from "../constructs/alarm";
import type { MetricDefinition } from "../constructs/metrics";

/** One management host: its name (`<project>-bastion`) and instance. */
export interface WatchedHost {
  readonly name: string;
  readonly instanceId: string;
}

export interface HostAlarmsProps {
  /** By construct id (`bastion`, `jenkins`): the ids of the alarms follow it. */
  readonly hosts: Readonly<Record<string, WatchedHost>>;
  /** Jenkins behind its load balancer: the host's name, and the `arn_suffix` of the load balancer and target group. */
  readonly jenkinsTarget: {
    readonly name: string;
    readonly loadBalancerArnSuffix: string;
    readonly targetGroupArnSuffix: string;
  };
  readonly region: string;
  /** ARN partition (aws, aws-cn ...) of the recover action. */
  readonly partition: string;
  readonly route: AlarmRoute;
  readonly thresholds: ManagementAlarmsVars;
}

/** EC2's recover action in `region`: moves the instance to other hardware (arn:<partition>:automate:...). */
export function ec2RecoverAction(partition: string, region: string): string {
  return `arn:${partition}:automate:${region}:ec2:recover`;
}

const MINUTE = 60;

export class HostAlarms extends Construct {
  readonly alarms: WatchedAlarm[] = [];

  constructor(scope: Construct, id: string, props: HostAlarmsProps) {
    super(scope, id);
    const { thresholds: limits, route } = props;
    // Status checks report every minute while the host runs; a stopped host reports none.
    const stoppedIsQuiet = {
      treatAs: "notBreaching",
      because: "a stopped host sends no status checks, and stopping it is a person's decision",
    } as const;

    for (const [hostId, host] of Object.entries(props.hosts)) {
      const check = (metricName: string, label: string): MetricDefinition => ({
        namespace: "AWS/EC2",
        metricName,
        dimensions: { InstanceId: host.instanceId },
        stat: "Maximum",
        periodSeconds: MINUTE,
        label,
      });
      this.alarms.push(
        metricAlarm(this, `${hostId}_system_status_check`, route, {
          alarmName: `${host.name}-system-status-check`,
          runbookEntry: "system-status-check",
          summary: `${host.name} failed AWS's system status check for ${limits.systemCheckMinutes} minutes (hardware, network or power of its host): EC2 recovers it onto other hardware.`,
          measure: check("StatusCheckFailed_System", "System status check failed"),
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: 1,
          evaluationPeriods: limits.systemCheckMinutes,
          missingData: stoppedIsQuiet,
          automatedActions: [ec2RecoverAction(props.partition, props.region)],
        }),
        metricAlarm(this, `${hostId}_instance_status_check`, route, {
          alarmName: `${host.name}-instance-status-check`,
          runbookEntry: "instance-status-check",
          summary: `${host.name} failed its instance status check for ${limits.instanceCheckMinutes} minutes: its own system (kernel, memory, network configuration) is not answering.`,
          measure: check("StatusCheckFailed_Instance", "Instance status check failed"),
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: 1,
          evaluationPeriods: limits.instanceCheckMinutes,
          missingData: stoppedIsQuiet,
        }),
      );
    }

    const { name, loadBalancerArnSuffix, targetGroupArnSuffix } = props.jenkinsTarget;
    this.alarms.push(
      metricAlarm(this, "jenkins_unhealthy", route, {
        alarmName: `${name}-unhealthy`,
        runbookEntry: "jenkins-unhealthy",
        summary: `Jenkins failed its load balancer's health check (/login) for ${limits.jenkinsUnhealthyMinutes} minutes: the UI and every job are down.`,
        measure: {
          namespace: "AWS/ApplicationELB",
          metricName: "HealthyHostCount",
          dimensions: { LoadBalancer: loadBalancerArnSuffix, TargetGroup: targetGroupArnSuffix },
          stat: "Minimum",
          periodSeconds: MINUTE,
          label: "Healthy Jenkins targets",
        },
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        evaluationPeriods: limits.jenkinsUnhealthyMinutes,
        missingData: {
          treatAs: "breaching",
          because: "the load balancer counts its targets every minute, so silence means Jenkins left its target group",
        },
      }),
    );
  }
}
