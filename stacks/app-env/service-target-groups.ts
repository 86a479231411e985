/**
 * ServiceTargetGroups: where the load balancer sends a service's requests. IP targets (Fargate),
 * a health check tuned for fast, safe rollouts, and a deregistration delay sized for the longest
 * request. One group for rolling deployments; a second (green) one for blue/green.
 */
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Construct } from "constructs";

/** `service.healthCheck` in vars: the schema owns the defaults and refuses a timeout not shorter than the interval. */
export interface TargetHealthCheck {
  readonly path: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  /** Consecutive successes before a new task takes traffic. */
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface ServiceTargetGroupsProps {
  /** Prefix of the groups' names: `<prefix>-blue` and `<prefix>-green` (each at most 32 characters). */
  readonly namePrefix: string;
  readonly vpcId: string;
  /** The container port the targets listen on. */
  readonly port: number;
  readonly healthCheck: TargetHealthCheck;
  /** How long the ALB keeps serving in-flight requests of a deregistered task; at least the longest request
   *  (`deregistrationDelaySeconds` in vars, which the schema keeps within the container's stop timeout). */
  readonly deregistrationDelaySeconds: number;
  /** @default false - one target group, for rolling deployments */
  readonly blueGreen?: boolean;
}

export class ServiceTargetGroups extends Construct {
  /** Takes production traffic (blue). */
  readonly primary: LbTargetGroup;
  /** blue/green only: the group a new revision (green) registers in. */
  readonly alternate?: LbTargetGroup;

  constructor(scope: Construct, id: string, props: ServiceTargetGroupsProps) {
    super(scope, id);
    const { healthCheck: health, deregistrationDelaySeconds } = props;
    const longest = `${props.namePrefix}-green`;
    if (longest.length > 32) {
      throw new Error(`target group name "${longest}" exceeds 32 characters; shorten the project or environment name`);
    }

    const group = (color: "blue" | "green") =>
      new LbTargetGroup(this, color, {
        name: `${props.namePrefix}-${color}`,
        vpcId: props.vpcId,
        targetType: "ip",
        port: props.port,
        protocol: "HTTP",
        deregistrationDelay: String(deregistrationDelaySeconds),
        healthCheck: {
          enabled: true,
          path: health.path,
          protocol: "HTTP",
          port: "traffic-port",
          matcher: "200-399",
          interval: health.intervalSeconds,
          timeout: health.timeoutSeconds,
          healthyThreshold: health.healthyThreshold,
          unhealthyThreshold: health.unhealthyThreshold,
        },
      });
    this.primary = group("blue");
    if (props.blueGreen) this.alternate = group("green");
  }
}
