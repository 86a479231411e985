/**
 * HttpsLoadBalancer: the public front door of one environment, the shared TlsLoadBalancer for
 * <zone> and *.<zone>, open to anyone. With an alternate target group (blue/green) it adds the
 * production listener rule ECS switches, and optionally a test listener (admin networks only)
 * whose rule ECS points at the green revision first.
 */
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import type { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import type { Construct } from "constructs";
import { ANYWHERE, allowTcpInFromNetworks } from "../constructs/security-rules";
import { TlsLoadBalancer, type TlsLoadBalancerProps } from "../constructs/tls-load-balancer";

export interface HttpsLoadBalancerProps
  extends Omit<
    TlsLoadBalancerProps,
    "allowedCidrs" | "subjectAlternativeNames" | "securityGroupDescription" | "securityGroupName" | "targetGroup"
  > {
  /** Where the HTTPS listener (and the production rule) sends requests. */
  readonly targetGroup: LbTargetGroup;
  /** blue/green: the second target group; adds the production (and test) listener rules ECS switches.
   *  @default - no listener rules: the HTTPS listener forwards to `targetGroup` */
  readonly alternateTargetGroup?: LbTargetGroup;
  /** blue/green: a test listener on this port serves the green revision before the switch.
   *  @default - no test listener */
  readonly testListenerPort?: number;
  /** Networks allowed to reach the test listener.
   *  @default [] (required when testListenerPort is set) */
  readonly testListenerCidrs?: readonly string[];
}

export class HttpsLoadBalancer extends TlsLoadBalancer {
  /** blue/green only: the rule ECS re-weights from blue to green. */
  readonly productionListenerRule?: LbListenerRule;
  readonly testListenerRule?: LbListenerRule;

  constructor(scope: Construct, id: string, props: HttpsLoadBalancerProps) {
    const testListenerCidrs = props.testListenerCidrs ?? [];
    if (props.testListenerPort !== undefined && props.alternateTargetGroup === undefined) {
      throw new Error("testListenerPort needs alternateTargetGroup: a test listener only exists for blue/green");
    }
    if (props.testListenerPort !== undefined && testListenerCidrs.length === 0) {
      throw new Error("testListenerPort needs testListenerCidrs: list the admin networks allowed to test");
    }
    super(scope, id, {
      ...props,
      allowedCidrs: [ANYWHERE],
      // Services under the environment's zone share one certificate.
      subjectAlternativeNames: [`*.${props.domainName}`],
      securityGroupDescription: `Load balancer of ${props.domainName}: HTTP and HTTPS from anywhere`,
    });

    // Blue/green needs forward-only actions on its listeners (ECS rejects fixed-response or redirect there).
    const green = props.alternateTargetGroup;
    if (!green) return;
    const blue = props.targetGroup;
    this.productionListenerRule = this.switchableRule("production_listener_rule", this.httpsListener, blue, green);
    if (props.testListenerPort !== undefined) {
      allowTcpInFromNetworks(this, {
        securityGroupId: this.securityGroup.id,
        port: props.testListenerPort,
        cidrs: testListenerCidrs,
        describe: (from) => `Blue/green test listener from admin network ${from}`,
      });
      const testListener = this.httpsListenerOn(props.testListenerPort, "test_listener", blue);
      this.testListenerRule = this.switchableRule("test_listener_rule", testListener, blue, green);
    }
  }

  /** A forward rule over both target groups; ECS owns the weights during a deployment, so Terraform ignores them. */
  private switchableRule(
    id: string,
    listener: { readonly arn: string },
    blue: LbTargetGroup,
    green: LbTargetGroup,
  ): LbListenerRule {
    return new LbListenerRule(this, id, {
      listenerArn: listener.arn,
      priority: 1,
      condition: [{ pathPattern: { values: ["/*"] } }],
      action: [
        {
          type: "forward",
          forward: {
            targetGroup: [
              { arn: blue.arn, weight: 100 },
              { arn: green.arn, weight: 0 },
            ],
          },
        },
      ],
      lifecycle: { ignoreChanges: ["action"] },
    });
  }
}
