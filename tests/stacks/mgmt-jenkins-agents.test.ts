/** The Jenkins agents' hosts in the synthesized mgmt stack: where they run, who may reach them,
 *  and the outputs the Ansible inventory reads. Their roles: mgmt-jenkins-roles.test.ts. */
import { describe, expect, it } from "vitest";
import { applicationEnvironmentNames } from "../../config/roles";
import { vars as renderedVars } from "../../stacks/global/vars";
import { platform } from "../support/synth";

const mgmt = platform().stack("mgmt");
const approvalEnvironments = applicationEnvironmentNames(renderedVars).filter(
  (env) => renderedVars.environments[env].service?.delivery.approval === true,
);

describe("mgmt: the agents' hosts", () => {
  const agents = ["jenkins_build_agent", ...approvalEnvironments.map((env) => `jenkins_deploy_agent_${env}`)];

  it("sit in mgmt's private subnet without a public address, IMDSv2 only", () => {
    for (const agent of agents) {
      const instance = mgmt.resource("aws_instance", `${agent}/host/instance`);
      expect(instance.subnet_id).toMatch(/cross-stack-reference-input-network.*mgmt_private/);
      expect(instance.associate_public_ip_address).toBe(false);
      expect(instance.metadata_options.http_tokens).toBe("required");
    }
  });

  it("admit SSH from the Jenkins controller's group (the agent connection) and the bastion's (Ansible), nothing else", () => {
    const groupOf = (path: string) => `${mgmt.referenceTo("aws_security_group", path)}id}`;
    const controller = groupOf("jenkins/host/security_group");
    const bastion = groupOf("bastion/host/security_group");
    for (const agent of agents) {
      const group = groupOf(`${agent}/host/security_group`);
      const ingress = mgmt
        .resourceList("aws_vpc_security_group_ingress_rule")
        .filter((rule) => rule.security_group_id === group);
      expect(
        ingress
          .map((rule) => [rule.from_port, rule.to_port, rule.referenced_security_group_id, rule.cidr_ipv4])
          .sort((a, b) => String(a[2]).localeCompare(String(b[2]))),
      ).toEqual([
        [22, 22, bastion, undefined],
        [22, 22, controller, undefined],
      ]);
      for (const peer of [controller, bastion]) {
        const out = mgmt
          .resourceList("aws_vpc_security_group_egress_rule")
          .filter((rule) => rule.security_group_id === peer && rule.referenced_security_group_id === group);
        expect(out.map((rule) => rule.from_port)).toEqual([22]);
      }
    }
  });

  it("are named in the outputs the Ansible inventory reads", () => {
    const outputs = mgmt.json.output;
    expect(outputs.build_agent_private_ip.value).toMatch(/jenkins_build_agent_host_instance_.*\.private_ip/);
    expect(outputs.build_agent_instance_id.value).toMatch(/jenkins_build_agent_host_instance_.*\.id/);
    // Maps by environment: `tomap({"prod" = aws_instance.<prod's agent>.private_ip})`.
    const entries = (value: string) =>
      [...value.matchAll(/"([^"]+)" = aws_instance\.(\w+)\.(\w+)/g)].map((m) => m.slice(1));
    expect(entries(outputs.deploy_agent_private_ips.value)).toEqual(
      approvalEnvironments.map((env) => [
        env,
        expect.stringMatching(`^jenkins_deploy_agent_${env}_host_instance_`),
        "private_ip",
      ]),
    );
    expect(entries(outputs.deploy_agent_instance_ids.value)).toEqual(
      approvalEnvironments.map((env) => [
        env,
        expect.stringMatching(`^jenkins_deploy_agent_${env}_host_instance_`),
        "id",
      ]),
    );
  });
});
