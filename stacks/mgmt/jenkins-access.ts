/**
 * JenkinsAccess: https://jenkins.<mgmt zone>/ for the admin networks only, the shared
 * TlsLoadBalancer in front of the one Jenkins instance; the only way in to Jenkins' port.
 */
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { LbTargetGroupAttachment } from "@cdktf/provider-aws/lib/lb-target-group-attachment";
import type { Construct } from "constructs";
import { allowTcpIn, allowTcpOut } from "../constructs/security-rules";
import { TlsLoadBalancer, type TlsLoadBalancerProps } from "../constructs/tls-load-balancer";

/** The shared load balancer's props, less what Jenkins' access decides itself, plus its one target. */
export interface JenkinsAccessProps
  extends Omit<
    TlsLoadBalancerProps,
    | "targetGroup"
    | "desyncMitigationMode"
    | "tlsPolicy"
    | "frameOptions"
    | "subjectAlternativeNames"
    | "securityGroupName"
    | "securityGroupDescription"
  > {
  readonly jenkinsInstanceId: string;
  readonly jenkinsSecurityGroupId: string;
  /** The port Jenkins listens on. */
  readonly jenkinsPort: number;
}

export class JenkinsAccess extends TlsLoadBalancer {
  constructor(scope: Construct, id: string, props: JenkinsAccessProps) {
    super(scope, id, {
      ...props,
      targetGroup: (lb) => jenkinsTarget(lb, props),
      // Only admins' current browsers come through: refuse whatever is not strictly RFC 7230.
      desyncMitigationMode: "strictest",
      // The same browsers speak TLS 1.3; Jenkins frames its own pages (SAMEORIGIN), nobody else's.
      tlsPolicy: "admin",
      frameOptions: "SAMEORIGIN",
      securityGroupName: `${props.name}-lb`,
      securityGroupDescription: "Jenkins load balancer: HTTPS (and HTTP to redirect) from the admin networks",
    });
    allowTcpOut(this, "to_jenkins", {
      securityGroupId: this.securityGroup.id,
      port: props.jenkinsPort,
      peerSecurityGroupId: props.jenkinsSecurityGroupId,
      description: "Requests and health checks to Jenkins",
    });
    allowTcpIn(this, "jenkins_from_lb", {
      securityGroupId: props.jenkinsSecurityGroupId,
      port: props.jenkinsPort,
      peerSecurityGroupId: this.securityGroup.id,
      description: "Jenkins UI from its load balancer only",
    });
  }
}

/** The Jenkins instance as the one target, on its own port. */
function jenkinsTarget(scope: Construct, props: JenkinsAccessProps): LbTargetGroup {
  const targetGroup = new LbTargetGroup(scope, "target_group", {
    name: props.name,
    vpcId: props.vpcId,
    targetType: "instance",
    protocol: "HTTP",
    port: props.jenkinsPort,
    // Jenkins answers /login with 200 without a session; / redirects or asks for one.
    healthCheck: { enabled: true, path: "/login", matcher: "200", interval: 30, healthyThreshold: 2 },
    deregistrationDelay: "30",
  });
  new LbTargetGroupAttachment(scope, "target", {
    targetGroupArn: targetGroup.arn,
    targetId: props.jenkinsInstanceId,
    port: props.jenkinsPort,
  });
  return targetGroup;
}
