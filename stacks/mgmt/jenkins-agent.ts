/**
 * JenkinsAgent: a host the Jenkins controller runs builds on, over SSH (the controller's executors
 * are 0). A hardened instance in the mgmt private subnet whose only ways in are SSH from the
 * controller's security group (the agent connection) and from the bastion's (Ansible and admins jump
 * through it, as to the controller), HTTPS and HTTP out (Git, the package registries, AWS's endpoints), and
 * an instance role that holds one inline policy (the build agent's or one environment's deploy
 * agent's, jenkins-role.ts) and, for the build agent, managed policies of its own by purpose.
 * Ansible provisions it (role `jenkins_agent`).
 */
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { Construct } from "constructs";
import { allowSshFromBastion, allowTcpIn, allowTcpOut, allowWebOut } from "../constructs/security-rules";
import { HardenedInstance, type HostPlacementProps, placementOf } from "./hardened-instance";
import type { PolicyStatement } from "./jenkins-role";

/** `subnetId` is a private subnet (outbound through NAT and the endpoints only). */
export interface JenkinsAgentProps extends HostPlacementProps {
  /** What the agent is for, e.g. "Jenkins build agent": the security group's description starts with it. */
  readonly purpose: string;
  /** The controller's security group: it starts the agent over SSH. */
  readonly controllerSecurityGroupId: string;
  /** The bastion's security group: Ansible and the admins reach the agent through it. */
  readonly bastionSecurityGroupId: string;
  readonly rootVolumeGiB: number;
}

export class JenkinsAgent extends Construct {
  readonly host: HardenedInstance;
  private policy?: IamRolePolicy;

  constructor(scope: Construct, id: string, props: JenkinsAgentProps) {
    super(scope, id);
    this.host = new HardenedInstance(this, "host", {
      ...placementOf(props),
      rootVolumeGiB: props.rootVolumeGiB,
      securityGroupDescription: `${props.purpose}: SSH from the Jenkins controller and the bastion only`,
    });
    const groupId = this.host.securityGroup.id;

    allowTcpIn(this, "ssh_from_controller", {
      securityGroupId: groupId,
      port: 22,
      peerSecurityGroupId: props.controllerSecurityGroupId,
      description: "SSH from the Jenkins controller (it starts the agent process over SSH)",
    });
    allowTcpOut(this, "controller_ssh_to_agent", {
      securityGroupId: props.controllerSecurityGroupId,
      port: 22,
      peerSecurityGroupId: groupId,
      description: `SSH from the Jenkins controller to ${props.name}`,
    });
    allowSshFromBastion(this, {
      securityGroupId: groupId,
      bastionSecurityGroupId: props.bastionSecurityGroupId,
      bastionRuleId: "bastion_ssh_to_agent",
      bastionRuleDescription: `SSH from the bastion on to ${props.name}`,
    });
    allowWebOut(this, groupId, "HTTPS to Git, the package registries, Docker Hub and AWS's endpoints");
  }

  /** The role's one inline policy; a second call is a mistake. */
  grant(name: string, statements: PolicyStatement[]): IamRolePolicy {
    if (this.policy) throw new Error(`${this.node.path}: the agent's role has its policy already`);
    this.policy = new IamRolePolicy(this, "role_policy", {
      role: this.host.role.name,
      name,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
    return this.policy;
  }

  /** A customer-managed policy `name` (unique in the account) for this agent's role alone, under
   *  construct id `id`: named by purpose, so that adding one leaves the others as they are. */
  attach(id: string, name: string, description: string, statements: PolicyStatement[]): IamPolicy {
    const policy = new IamPolicy(this, `${id}_policy`, {
      name,
      description,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
    new IamRolePolicyAttachment(this, `${id}_attachment`, { role: this.host.role.name, policyArn: policy.arn });
    return policy;
  }
}
