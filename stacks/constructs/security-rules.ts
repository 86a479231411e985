/**
 * Security group rules, one style for the whole platform: one `aws_vpc_security_group_ingress_rule`
 * or `aws_vpc_security_group_egress_rule` per port and peer (never inline, never the older
 * `aws_security_group_rule`), each with a description. Separate resources let a rule reference a
 * group owned by another construct without a dependency cycle; one peer per rule gives every rule
 * its own AWS id; the description says why the port is open. The provider warns against mixing
 * these resources with `aws_security_group_rule` on one group, so nothing here offers the old style.
 */
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { Construct } from "constructs";

/** The whole IPv4 internet; rules from it read "from anywhere". */
export const ANYWHERE = "0.0.0.0/0";

export interface TcpRuleProps {
  /** The group the rule belongs to. */
  readonly securityGroupId: string;
  readonly port: number;
  /** Why the port is open; shown in the console and required by policy. */
  readonly description: string;
  /** The peer IPv4 network; exactly one of `cidr` and `peerSecurityGroupId`. */
  readonly cidr?: string;
  /** The peer security group; exactly one of `cidr` and `peerSecurityGroupId`. */
  readonly peerSecurityGroupId?: string;
}

function ruleBody(id: string, props: TcpRuleProps) {
  if ((props.cidr === undefined) === (props.peerSecurityGroupId === undefined)) {
    throw new Error(`rule "${props.description}": give exactly one of cidr and peerSecurityGroupId`);
  }
  if (props.description.trim() === "") throw new Error(`rule ${id}: every security group rule needs a description`);
  return {
    securityGroupId: props.securityGroupId,
    description: props.description,
    ipProtocol: "tcp",
    fromPort: props.port,
    toPort: props.port,
    ...(props.cidr !== undefined ? { cidrIpv4: props.cidr } : { referencedSecurityGroupId: props.peerSecurityGroupId }),
  };
}

/** Lets TCP traffic on one port in from a network or a security group. */
export function allowTcpIn(scope: Construct, id: string, props: TcpRuleProps): VpcSecurityGroupIngressRule {
  return new VpcSecurityGroupIngressRule(scope, id, ruleBody(id, props));
}

/** Lets TCP traffic on one port out to a network or a security group. */
export function allowTcpOut(scope: Construct, id: string, props: TcpRuleProps): VpcSecurityGroupEgressRule {
  return new VpcSecurityGroupEgressRule(scope, id, ruleBody(id, props));
}

/** HTTPS and HTTP out to anywhere, as a host that installs packages needs them (Debian's mirrors may
 *  use HTTP: the packages are signed); `httpsDescription` says what else the host reaches over HTTPS. */
export function allowWebOut(scope: Construct, securityGroupId: string, httpsDescription: string): void {
  allowTcpOut(scope, "https_out", { securityGroupId, port: 443, cidr: ANYWHERE, description: httpsDescription });
  allowTcpOut(scope, "http_out", {
    securityGroupId,
    port: 80,
    cidr: ANYWHERE,
    description: "HTTP to Debian package mirrors (packages are signed)",
  });
}

export interface SshFromBastionProps {
  /** The group of the host the bastion jumps to. */
  readonly securityGroupId: string;
  readonly bastionSecurityGroupId: string;
  /** Construct id and description of the bastion's egress rule to this host. */
  readonly bastionRuleId: string;
  readonly bastionRuleDescription: string;
}

/** SSH into a private host from the bastion (Ansible and admins jump through it), and the bastion's
 *  matching egress rule. */
export function allowSshFromBastion(scope: Construct, props: SshFromBastionProps): void {
  allowTcpIn(scope, "ssh_from_bastion", {
    securityGroupId: props.securityGroupId,
    port: 22,
    peerSecurityGroupId: props.bastionSecurityGroupId,
    description: "SSH from the bastion (Ansible and admins jump through it)",
  });
  allowTcpOut(scope, props.bastionRuleId, {
    securityGroupId: props.bastionSecurityGroupId,
    port: 22,
    peerSecurityGroupId: props.securityGroupId,
    description: props.bastionRuleDescription,
  });
}

export interface NetworksRuleProps {
  readonly securityGroupId: string;
  readonly port: number;
  /** One rule per network. */
  readonly cidrs: readonly string[];
  /** The rule's description, given how the network reads ("anywhere" or the CIDR). */
  readonly describe: (network: string) => string;
}

/**
 * Lets TCP traffic on one port in from each of several networks. Each rule's id names its port and
 * network, never its place in the list, so adding or removing a network leaves the others alone;
 * the rule from 0.0.0.0/0 is simply `ingress_<port>`.
 */
export function allowTcpInFromNetworks(scope: Construct, props: NetworksRuleProps): VpcSecurityGroupIngressRule[] {
  return props.cidrs.map((cidr) =>
    allowTcpIn(scope, cidr === ANYWHERE ? `ingress_${props.port}` : `ingress_${props.port}_from_${slug(cidr)}`, {
      securityGroupId: props.securityGroupId,
      port: props.port,
      cidr,
      description: props.describe(cidr === ANYWHERE ? "anywhere" : cidr),
    }),
  );
}

const slug = (cidr: string) => cidr.replace(/[^0-9A-Za-z]+/g, "_");
