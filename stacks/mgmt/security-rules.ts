/**
 * One security group rule per resource (never inline), each with a description: rules can then
 * reference groups owned by other constructs without a dependency cycle, and every opening says why.
 *
 * `aws_security_group_rule` rather than `aws_vpc_security_group_*_rule`: checkov 3.3 (CKV_AWS_24)
 * misreads a group-to-group `aws_vpc_security_group_ingress_rule` on port 22 as open to the world.
 * One rule type per group: the provider warns against mixing the two on the same group.
 */
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import type { Construct } from "constructs";

export interface TcpRuleProps {
  /** The group the rule belongs to. */
  readonly securityGroupId: string;
  readonly port: number;
  /** Why the port is open; shown in the console and required by policy. */
  readonly description: string;
  /** The peer network; exactly one of `cidr` and `peerSecurityGroupId`. */
  readonly cidr?: string;
  /** The peer security group; exactly one of `cidr` and `peerSecurityGroupId`. */
  readonly peerSecurityGroupId?: string;
}

function tcpRule(scope: Construct, id: string, type: "ingress" | "egress", props: TcpRuleProps): SecurityGroupRule {
  if ((props.cidr === undefined) === (props.peerSecurityGroupId === undefined)) {
    throw new Error(`rule "${props.description}": give exactly one of cidr and peerSecurityGroupId`);
  }
  if (props.description.trim() === "") throw new Error(`rule ${id}: every security group rule needs a description`);
  return new SecurityGroupRule(scope, id, {
    type,
    securityGroupId: props.securityGroupId,
    protocol: "tcp",
    fromPort: props.port,
    toPort: props.port,
    description: props.description,
    ...(props.cidr !== undefined ? { cidrBlocks: [props.cidr] } : { sourceSecurityGroupId: props.peerSecurityGroupId }),
  });
}

/** Lets TCP traffic on one port in from a network or a security group. */
export function allowTcpIn(scope: Construct, id: string, props: TcpRuleProps): SecurityGroupRule {
  return tcpRule(scope, id, "ingress", props);
}

/** Lets TCP traffic on one port out to a network or a security group (for egress, the "source" is the destination). */
export function allowTcpOut(scope: Construct, id: string, props: TcpRuleProps): SecurityGroupRule {
  return tcpRule(scope, id, "egress", props);
}
