/**
 * Bastion: the one SSH entry point. A hardened host in a public subnet behind an Elastic IP,
 * SSH only from the admin networks, and Session Manager (SSM) as the alternative to SSH: the
 * interface endpoints' security group admits the bastion's, since its public subnet is not admitted.
 */
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { Construct } from "constructs";
import { allowTcpIn, allowTcpInFromNetworks, allowWebOut } from "../constructs/security-rules";
import { HardenedInstance, type HostPlacementProps, placementOf } from "./hardened-instance";

/** `subnetId` is a public subnet (routed to the internet gateway). */
export interface BastionProps extends HostPlacementProps {
  /** Networks allowed to SSH in; never 0.0.0.0/0. */
  readonly adminCidrs: readonly string[];
  /** The interface endpoints' security group (network layer). With private DNS the SSM names resolve
   *  to the endpoints inside the VPC, so the agent reaches SSM only if this group admits the bastion. */
  readonly endpointSecurityGroupId: string;
}

const OPEN_INTERNET = ["0.0.0.0/0", "::/0"];

export class Bastion extends Construct {
  readonly host: HardenedInstance;
  readonly elasticIp: Eip;

  constructor(scope: Construct, id: string, props: BastionProps) {
    super(scope, id);
    if (props.adminCidrs.length === 0) throw new Error("Bastion needs at least one admin CIDR to allow SSH from");
    const open = props.adminCidrs.filter((cidr) => OPEN_INTERNET.includes(cidr));
    if (open.length > 0) {
      throw new Error(`Bastion: adminCidrs must not contain ${open.join(", ")}; list your office or VPN ranges`);
    }
    this.host = new HardenedInstance(this, "host", {
      ...placementOf(props),
      securityGroupDescription: "Bastion: SSH from the admin networks only",
      // The SSM agent's own, scoped policy comes from SessionManager (not AmazonSSMManagedInstanceCore).
    });
    const groupId = this.host.securityGroup.id;

    allowTcpInFromNetworks(this, {
      securityGroupId: groupId,
      port: 22,
      cidrs: props.adminCidrs,
      describe: (from) => `SSH from admin network ${from}`,
    });
    // The endpoints admit private subnets, not the bastion's public one: this rule lets its SSM agent in.
    allowTcpIn(this, "endpoints_https_from_bastion", {
      securityGroupId: props.endpointSecurityGroupId,
      port: 443,
      peerSecurityGroupId: groupId,
      description: "HTTPS from the bastion (SSM agent, Session Manager, session logs)",
    });
    // AWS APIs without an endpoint and package mirrors over HTTPS; Debian mirrors may use HTTP.
    allowWebOut(this, groupId, "HTTPS to AWS APIs (SSM) and package mirrors");

    this.elasticIp = new Eip(this, "elastic_ip", {
      domain: "vpc",
      instance: this.host.instance.id,
      tags: { Name: props.name },
    });
  }
}
