/**
 * ServiceTargetGroups: where the load balancer sends a service's requests. IP targets (Fargate),
 * a health check tuned for fast, safe rollouts, and a deregistration delay sized for the longest
 * request. One group for rolling deployments; a second (green) one for blue/green.
 */
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Construct } from "constructs";

export interface TargetHealthCheck {
  /** @default "/" */
  readonly path?: string;
  /** @default 5 */
  readonly intervalSeconds?: number;
  /** @default 4 */
  readonly timeoutSeconds?: number;
  /** Consecutive successes before a new task takes traffic.
   *  @default 2 */
  readonly healthyThreshold?: number;
  /** @default 3 */
  readonly unhealthyThreshold?: number;
}

export interface ServiceTargetGroupsProps {
  /** Prefix of the groups' names: `<prefix>-blue` and `<prefix>-green` (each at most 32 characters). */
  readonly namePrefix: string;
  readonly vpcId: string;
  /** The container port the targets listen on. */
  readonly port: number;
  /** @default - every field's own default */
  readonly healthCheck?: TargetHealthCheck;
  /** How long the ALB keeps serving in-flight requests of a deregistered task; at least the longest request.
   *  @default 15 */
  readonly deregistrationDelaySeconds?: number;
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
    const health = {
      path: props.healthCheck?.path ?? "/",
      intervalSeconds: props.healthCheck?.intervalSeconds ?? 5,
      timeoutSeconds: props.healthCheck?.timeoutSeconds ?? 4,
      healthyThreshold: props.healthCheck?.healthyThreshold ?? 2,
      unhealthyThreshold: props.healthCheck?.unhealthyThreshold ?? 3,
    };
    const deregistrationDelaySeconds = props.deregistrationDelaySeconds ?? 15;
    if (health.timeoutSeconds >= health.intervalSeconds) {
      throw new Error(
        `health check timeout (${health.timeoutSeconds} s) must be shorter than its interval (${health.intervalSeconds} s); lower timeoutSeconds`,
      );
    }
    if (deregistrationDelaySeconds >= 300) {
      throw new Error(
        `deregistrationDelaySeconds ${deregistrationDelaySeconds} slows every rollout by as much; size it for the longest request (well under 300 s)`,
      );
    }
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
