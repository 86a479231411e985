/**
 * ServiceAutoscaling: Application Auto Scaling of an ECS service's task count between a floor
 * and a ceiling, by target tracking on average CPU and, optionally, on requests per target.
 */
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { Construct } from "constructs";

export interface ServiceAutoscalingProps {
  readonly clusterName: string;
  readonly serviceName: string;
  /** Never fewer tasks than this (keep it at least 2 where an AZ outage must not empty the service). */
  readonly minCount: number;
  readonly maxCount: number;
  /** Average CPU the service is scaled to hold (`autoscaling.cpuTargetPercent` in vars). */
  readonly cpuTargetPercent: number;
  /** Requests per task per minute to hold; needs `requestCountResourceLabel`.
   *  @default - no request-based scaling */
  readonly requestsPerTarget?: number;
  /** `<alb arn suffix>/<target group arn suffix>` for ALBRequestCountPerTarget.
   *  @default - none */
  readonly requestCountResourceLabel?: string;
}

export class ServiceAutoscaling extends Construct {
  readonly target: AppautoscalingTarget;

  constructor(scope: Construct, id: string, props: ServiceAutoscalingProps) {
    super(scope, id);
    if (props.requestsPerTarget !== undefined && props.requestCountResourceLabel === undefined) {
      throw new Error("requestsPerTarget needs requestCountResourceLabel: the ALB and target group to count on");
    }

    this.target = new AppautoscalingTarget(this, "target", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${props.clusterName}/${props.serviceName}`,
      minCapacity: props.minCount,
      maxCapacity: props.maxCount,
    });

    const track = (metricId: string, metric: string, targetValue: number, resourceLabel?: string) =>
      new AppautoscalingPolicy(this, metricId, {
        name: `${props.serviceName}-${metricId.replace(/_/g, "-")}`,
        policyType: "TargetTrackingScaling",
        serviceNamespace: this.target.serviceNamespace,
        scalableDimension: this.target.scalableDimension,
        resourceId: this.target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue,
          predefinedMetricSpecification: { predefinedMetricType: metric, resourceLabel },
          // Scale out fast, scale in slowly: a deploy or a burst must not flap the count.
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
        },
      });

    track("cpu_tracking", "ECSServiceAverageCPUUtilization", props.cpuTargetPercent);
    if (props.requestsPerTarget !== undefined) {
      track("request_tracking", "ALBRequestCountPerTarget", props.requestsPerTarget, props.requestCountResourceLabel);
    }
  }
}
