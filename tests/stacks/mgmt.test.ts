import { TerraformStack, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { HardenedInstance } from "../../stacks/mgmt/hardened-instance";
import { copyVars, type Json, platform, type SynthesizedStack, synthPlatform } from "../support/synth";

const mgmt = platform().stack("mgmt");

const RULE_TYPES = { ingress: "aws_vpc_security_group_ingress_rule", egress: "aws_vpc_security_group_egress_rule" };

/** Every rule of one security group (by its address), as "<direction> <ports> <peer>". */
function rulesOf(stack: SynthesizedStack, groupAddress: string): string[] {
  return Object.entries(RULE_TYPES)
    .flatMap(([direction, type]) =>
      stack
        .resourceList(type)
        .filter((rule) => rule.security_group_id === `${groupAddress}id}`)
        .map(
          (rule) =>
            `${direction} ${rule.from_port}-${rule.to_port} ${rule.referenced_security_group_id ?? rule.cidr_ipv4}`,
        ),
    )
    .sort();
}

describe("mgmt: a layer of its own that reads the network and global stacks", () => {
  it("keeps its state under its own key and reads the network and global state through remote state", () => {
    expect(mgmt.json.terraform.backend.s3.key).toBe("connected-express/mgmt/terraform.tfstate");
    const remote = mgmt.data("terraform_remote_state");
    const keys = Object.values(remote).map((state) => state.config.key);
    expect(keys.sort()).toEqual([
      "connected-express/global/terraform.tfstate",
      "connected-express/network/terraform.tfstate",
    ]);
  });

  it("places the bastion in a public and Jenkins in a private mgmt subnet taken from the network state", () => {
    const bastion = mgmt.resource("aws_instance", "bastion/host/instance");
    const jenkins = mgmt.resource("aws_instance", "jenkins/host/instance");
    expect(bastion.subnet_id).toMatch(
      /terraform_remote_state\.cross-stack-reference-input-network\..*mgmt_public_eu-central-1a/,
    );
    expect(jenkins.subnet_id).toMatch(
      /terraform_remote_state\.cross-stack-reference-input-network\..*mgmt_private_eu-central-1a/,
    );
  });

  it("exports what the Ansible inventory reads, under stable output names", () => {
    const outputs = mgmt.json.output;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        "bastion_public_ip",
        "bastion_hostname",
        "jenkins_private_ip",
        "ssh_user",
        "jenkins_url",
      ]),
    );
    expect(outputs.bastion_public_ip.value).toBe(`${mgmt.referenceTo("aws_eip", "bastion/elastic_ip")}public_ip}`);
    expect(outputs.jenkins_private_ip.value).toBe(
      `${mgmt.referenceTo("aws_instance", "jenkins/host/instance")}private_ip}`,
    );
    expect(outputs.bastion_hostname.value).toBe("bastion.mgmt.connected.express");
    expect(outputs.ssh_user.value).toBe("admin");
    expect(outputs.jenkins_url.value).toBe("https://jenkins.mgmt.connected.express/");
  });
});

describe("mgmt: SSH and network access", () => {
  const everyStack = Object.values(platform().stacks);

  it("admits SSH (22) from 0.0.0.0/0 or ::/0 nowhere in the platform", () => {
    const opensWorldSsh = (rule: Json) =>
      (rule.protocol === "-1" || (Number(rule.from_port) <= 22 && 22 <= Number(rule.to_port))) &&
      [rule.cidr_blocks, rule.ipv6_cidr_blocks, rule.cidr_ipv4, rule.cidr_ipv6]
        .flat()
        .some((cidr) => cidr === "0.0.0.0/0" || cidr === "::/0");
    const offenders = everyStack.flatMap((stack) => [
      ...stack.resourceList("aws_security_group").flatMap((group) => [group.ingress ?? []].flat()),
      ...stack.resourceList("aws_security_group_rule").filter((rule) => rule.type === "ingress"),
      ...stack.resourceList("aws_vpc_security_group_ingress_rule"),
    ]);
    expect(offenders.length).toBeGreaterThan(0);
    expect(offenders.filter(opensWorldSsh)).toEqual([]);
  });

  it("lets SSH reach the bastion only from the admin networks", () => {
    const bastionGroup = mgmt.referenceTo("aws_security_group", "bastion/host/security_group");
    const ingress = rulesOf(mgmt, bastionGroup).filter((rule) => rule.startsWith("ingress"));
    expect(ingress).toEqual(["ingress 22-22 203.0.113.0/24"]);
  });

  it("gives Jenkins no public address: private subnet, no public IP at launch, no Elastic IP", () => {
    const jenkins = mgmt.resource("aws_instance", "jenkins/host/instance");
    expect(jenkins.associate_public_ip_address).toBe(false);
    expect(jenkins.subnet_id).toMatch(/private/);
    const jenkinsAddress = mgmt.referenceTo("aws_instance", "jenkins/host/instance");
    expect(mgmt.resourceList("aws_eip").filter((eip) => String(eip.instance).startsWith(jenkinsAddress))).toEqual([]);
  });

  it("lets only the bastion (SSH) and the load balancer (Jenkins port) reach Jenkins", () => {
    const jenkinsGroup = mgmt.referenceTo("aws_security_group", "jenkins/host/security_group");
    const bastionGroup = mgmt.referenceTo("aws_security_group", "bastion/host/security_group");
    const lbGroup = mgmt.referenceTo("aws_security_group", "jenkins_access/security_group");
    const ingress = rulesOf(mgmt, jenkinsGroup).filter((rule) => rule.startsWith("ingress"));
    expect(ingress).toEqual([`ingress 22-22 ${bastionGroup}id}`, `ingress 8080-8080 ${lbGroup}id}`].sort());
    expect(mgmt.resource("aws_instance", "jenkins/host/instance").vpc_security_group_ids).toEqual([
      `${jenkinsGroup}id}`,
    ]);
  });

  it("describes every security group and every rule", () => {
    const rules = Object.values(RULE_TYPES).flatMap((type) => mgmt.resourceList(type));
    const undescribed = [...mgmt.resourceList("aws_security_group"), ...rules]
      .filter((item) => typeof item.description !== "string" || item.description.trim().length < 10)
      .map((item) => item["//"].metadata.path);
    expect(rules.length).toBeGreaterThan(8);
    expect(undescribed).toEqual([]);
  });

  it("writes every security group rule as its own aws_vpc_security_group_*_rule, in every stack", () => {
    // The provider warns that mixing these with aws_security_group_rule or inline rules on one group overwrites rules.
    const otherStyles = everyStack.flatMap((stack) => [
      ...Object.keys(stack.resources("aws_security_group_rule")),
      ...stack.resourceList("aws_security_group").filter((group) => group.ingress || group.egress),
    ]);
    expect(everyStack.flatMap((stack) => stack.resourceList(RULE_TYPES.ingress)).length).toBeGreaterThan(0);
    expect(otherStyles).toEqual([]);
  });

  it("refuses a platform without exactly one management environment, and says where to fix it", () => {
    const vars = copyVars();
    delete vars.environments.mgmt.management;
    expect(() => synthPlatform(vars)).toThrow(
      /exactly one environment must declare "management".*environments\/\*\.yaml/,
    );
  });

  it("refuses an admin CIDR that opens SSH to the whole internet", () => {
    const vars = copyVars();
    vars.adminCidrs = ["203.0.113.0/24", "0.0.0.0/0"];
    expect(() => synthPlatform(vars)).toThrow(
      /adminCidrs must not contain 0\.0\.0\.0\/0; list your office or VPN ranges/,
    );
  });
});

describe("mgmt: the hosts", () => {
  const instances = mgmt.resourceList("aws_instance");

  it("refuses a host whose name, its IAM role's, is over IAM's 64 characters, naming it and the fix", () => {
    const stack = new TerraformStack(Testing.app(), "hosts");
    const host = (name: string) =>
      new HardenedInstance(stack, name, {
        name,
        vpcId: "vpc-1",
        subnetId: "subnet-1",
        availabilityZone: "eu-central-1a",
        amiId: "ami-1",
        instanceType: "t3.micro",
        keyName: "admin",
        kmsKeyArn: "arn:aws:kms:eu-central-1:123456789012:key/1",
        securityGroupDescription: "test host",
      });
    expect(() => host("h".repeat(64))).not.toThrow();
    expect(() => host("h".repeat(65))).toThrow(
      /h{65}: a host's name is its IAM role's, at most 64 characters; shorten/,
    );
  });

  it("requires IMDSv2 session tokens on every instance, out of reach of containers (hop limit 1)", () => {
    // The bastion, the Jenkins controller, its build agent and prod's deploy agent.
    expect(instances).toHaveLength(4);
    for (const instance of instances) {
      expect(instance.metadata_options).toEqual({
        http_endpoint: "enabled",
        http_tokens: "required",
        http_put_response_hop_limit: 1,
      });
    }
  });

  it("encrypts every EBS volume, root and data, with the mgmt customer-managed key", () => {
    const key = `${mgmt.referenceTo("aws_kms_key", "ebs_key/key")}arn}`;
    const volumes = [
      ...instances.map((instance) => instance.root_block_device),
      ...instances.flatMap((instance) => instance.ebs_block_device ?? []),
      ...mgmt.resourceList("aws_ebs_volume"),
    ];
    expect(volumes).toHaveLength(5);
    for (const volume of volumes) expect(volume).toMatchObject({ encrypted: true, kms_key_id: key });
    expect(mgmt.resource("aws_kms_key", "ebs_key/key").enable_key_rotation).toBe(true);
  });

  it("keeps JENKINS_HOME on its own volume, attached to Jenkins, that outlives the instance", () => {
    const jenkins = mgmt.resource("aws_instance", "jenkins/host/instance");
    expect(jenkins.ebs_block_device).toBeUndefined();
    const volume = mgmt.resource("aws_ebs_volume", "jenkins/data_volume");
    expect(volume).toMatchObject({ size: 50, type: "gp3", availability_zone: jenkins.availability_zone });
    expect(volume.lifecycle.prevent_destroy).toBe(true);
    const attachment = mgmt.resource("aws_volume_attachment");
    expect(attachment.volume_id).toBe(`${mgmt.referenceTo("aws_ebs_volume", "jenkins/data_volume")}id}`);
    expect(attachment.instance_id).toBe(`${mgmt.referenceTo("aws_instance", "jenkins/host/instance")}id}`);
  });

  it("snapshots the JENKINS_HOME volume daily and keeps the number of snapshots vars ask for", () => {
    const policy = mgmt.resource("aws_dlm_lifecycle_policy");
    const volume = mgmt.resource("aws_ebs_volume", "jenkins/data_volume");
    expect(policy.state).toBe("ENABLED");
    expect(policy.policy_details.resource_types).toEqual(["VOLUME"]);
    for (const [tag, value] of Object.entries(policy.policy_details.target_tags)) expect(volume.tags[tag]).toBe(value);
    expect(policy.policy_details.schedule[0].create_rule).toMatchObject({ interval: 24, interval_unit: "HOURS" });
    expect(policy.policy_details.schedule[0].retain_rule.count).toBe(14);
  });

  it("boots both hosts from the newest AMI matching the owners and name pattern in vars", () => {
    const ami = Object.values(mgmt.data("aws_ami"));
    expect(ami).toHaveLength(1);
    expect(ami[0].most_recent).toBe(true);
    expect(ami[0].owners).toEqual(["136693071363"]);
    expect(ami[0].filter).toContainEqual({ name: "name", values: ["debian-12-amd64-*"] });
    for (const instance of instances) expect(instance.ami).toMatch(/^\$\{data\.aws_ami\.ami\.id\}$/);
  });

  it("sizes the hosts from environments/mgmt", () => {
    const vars = copyVars();
    const management = vars.environments.mgmt.management;
    if (!management) throw new Error("environments/mgmt.yaml lost its management section");
    management.bastion.instanceType = "t3.nano";
    management.jenkins.instanceType = "m7i.xlarge";
    const resized = synthPlatform(vars).stack("mgmt");
    expect(resized.resource("aws_instance", "bastion/host/instance").instance_type).toBe("t3.nano");
    expect(resized.resource("aws_instance", "jenkins/host/instance").instance_type).toBe("m7i.xlarge");
  });

  it("gives the bastion a fixed Elastic IP and Session Manager access as an alternative to SSH", () => {
    expect(mgmt.resource("aws_eip").instance).toBe(`${mgmt.referenceTo("aws_instance", "bastion/host/instance")}id}`);
    const bastionRole = mgmt.referenceTo("aws_iam_role", "bastion/host/role");
    // The SSM agent's scoped policy, not AmazonSSMManagedInstanceCore (mgmt-session-manager.test.ts).
    expect(mgmt.resource("aws_iam_role_policy_attachment", "session_manager/agent_policy_bastion")).toMatchObject({
      role: `${bastionRole}name}`,
      policy_arn: `${mgmt.referenceTo("aws_iam_policy", "session_manager/agent_policy")}arn}`,
    });
  });

  it("names the mgmt records after the zone: bastion to its Elastic IP", () => {
    const record = mgmt.resource("aws_route53_record", "bastion_record");
    expect(record).toMatchObject({ name: "bastion.mgmt.connected.express", type: "A" });
    expect(record.records).toEqual([`${mgmt.referenceTo("aws_eip", "bastion/elastic_ip")}public_ip}`]);
    expect(record.zone_id).toMatch(/cross-stack-reference-input-global.*mgmt_zone/);
  });
});
