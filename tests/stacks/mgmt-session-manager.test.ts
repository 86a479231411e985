/**
 * Session Manager on the management hosts: the SSM agent's scoped policy on both hosts' roles (never
 * AmazonSSMManagedInstanceCore), the preferences document that logs every session to an encrypted
 * group, and the way each host reaches the SSM interface endpoints.
 */
import { describe, expect, it } from "vitest";
import { contains, mustParseCidr } from "../../lib/cidr";
import { SESSION_PREFERENCES_DOCUMENT, SSM_AGENT_ACTIONS } from "../../stacks/mgmt/session-manager";
import { copyVars, type Json, platform, synthPlatform } from "../support/synth";

const mgmt = () => platform().stack("mgmt");

const HOSTS = ["bastion", "jenkins"] as const;
const roleOf = (host: string) => `${mgmt().referenceTo("aws_iam_role", `${host}/host/role`)}name}`;
const agentPolicy = (): Json[] =>
  JSON.parse(mgmt().resource("aws_iam_policy", "session_manager/agent_policy").policy).Statement;
const preferences = () => JSON.parse(mgmt().resource("aws_ssm_document").content);

describe("mgmt: Session Manager", () => {
  it("attaches the SSM agent's own policy to both hosts' roles, and no AWS managed policy", () => {
    const agentPolicyArn = `${mgmt().referenceTo("aws_iam_policy", "session_manager/agent_policy")}arn}`;
    for (const host of HOSTS) {
      const attached = mgmt()
        .resourceList("aws_iam_role_policy_attachment")
        .filter((attachment) => attachment.role === roleOf(host))
        .map((attachment) => attachment.policy_arn);
      expect(attached, host).toEqual([agentPolicyArn]);
    }
    expect(mgmt().resource("aws_iam_policy", "session_manager/agent_policy").name).toBe("connected-express-ssm-agent");
  });

  it("attaches it to every host's role, the Jenkins agents too (the common role installs the agent on all of them)", () => {
    const agentPolicyArn = `${mgmt().referenceTo("aws_iam_policy", "session_manager/agent_policy")}arn}`;
    const profiles = mgmt().resourceList("aws_iam_instance_profile");
    expect(profiles.length).toBeGreaterThanOrEqual(4); // bastion, Jenkins, the build agent, prod's deploy agent
    for (const profile of profiles) {
      const attached = mgmt()
        .resourceList("aws_iam_role_policy_attachment")
        .filter((attachment) => attachment.role === profile.role)
        .map((attachment) => attachment.policy_arn);
      expect(attached, String(profile.name)).toContain(agentPolicyArn);
    }
  });

  it("gives both hosts the SSM agent's policy: register, sessions, commands on *, and nothing that reads parameters", () => {
    const statements = agentPolicy();
    const onEverything = statements.filter((statement) => statement.Resource === "*");
    expect(onEverything.flatMap((statement) => statement.Action).sort()).toEqual(
      [...SSM_AGENT_ACTIONS.register, ...SSM_AGENT_ACTIONS.sessions, ...SSM_AGENT_ACTIONS.commands].sort(),
    );
    const actions = statements.flatMap((statement) => statement.Action);
    expect(actions.filter((action: string) => /^ssm:(Get|Describe|List|Send)|:\*$|^\*$/.test(action))).toEqual([]);
  });

  it("lets the hosts write only into the session log group, check its encryption and use the session key", () => {
    const group = mgmt().referenceTo("aws_cloudwatch_log_group", "session_manager/logs/log_group");
    const key = mgmt().referenceTo("aws_kms_key", "session_manager/session_key");
    const statements = Object.fromEntries(agentPolicy().map((statement) => [statement.Sid, statement]));
    expect(statements.WriteSessionLogs).toMatchObject({
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: [`${group}arn}`, `${group}arn}:*`],
    });
    expect(statements.CheckSessionLogGroupEncryption).toMatchObject({
      Action: "logs:DescribeLogGroups",
      Resource: expect.stringMatching(/^arn:.*:logs:eu-central-1:.*:log-group:\*$/),
    });
    expect(statements.UseSessionKey).toEqual({
      Sid: "UseSessionKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: `${key}arn}`,
    });
  });

  it("writes the account's Session Manager preferences: every session streamed to the encrypted group, data under the session key", () => {
    const document = mgmt().resource("aws_ssm_document");
    expect(document).toMatchObject({ name: SESSION_PREFERENCES_DOCUMENT, document_type: "Session" });
    const group = mgmt().referenceTo("aws_cloudwatch_log_group", "session_manager/logs/log_group");
    expect(preferences().inputs).toMatchObject({
      cloudWatchLogGroupName: `${group}name}`,
      cloudWatchEncryptionEnabled: true,
      cloudWatchStreamingEnabled: true,
      kmsKeyId: `${mgmt().referenceTo("aws_kms_key", "session_manager/session_key")}key_id}`,
      runAsEnabled: false,
    });
    const logGroup = mgmt().resource("aws_cloudwatch_log_group", "session_manager/logs/log_group");
    expect(logGroup).toMatchObject({ name: "/connected-express/session-manager", retention_in_days: 365 });
    expect(logGroup.kms_key_id).toBe(`${mgmt().referenceTo("aws_kms_key", "session_manager/logs/key")}arn}`);
    expect(mgmt().resource("aws_kms_key", "session_manager/session_key").enable_key_rotation).toBe(true);
  });

  it("keeps session logs as long as management.sessionLogRetentionDays says", () => {
    const vars = copyVars();
    const management = vars.environments.mgmt.management;
    if (!management) throw new Error("environments/mgmt.yaml lost its management section");
    management.sessionLogRetentionDays = 731;
    const changed = synthPlatform(vars).stack("mgmt");
    expect(changed.resource("aws_cloudwatch_log_group", "session_manager/logs/log_group").retention_in_days).toBe(731);
  });

  it("admits the bastion, in a public subnet, to the endpoints by its security group on 443", () => {
    const bastionGroup = mgmt().referenceTo("aws_security_group", "bastion/host/security_group");
    const toEndpoints = mgmt()
      .resourceList("aws_vpc_security_group_ingress_rule")
      .filter((rule) => /endpoints_security_group/.test(String(rule.security_group_id)));
    expect(toEndpoints).toEqual([
      expect.objectContaining({
        security_group_id: expect.stringMatching(
          /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-network\./,
        ),
        referenced_security_group_id: `${bastionGroup}id}`,
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
      }),
    ]);
    const egress = mgmt()
      .resourceList("aws_vpc_security_group_egress_rule")
      .filter((rule) => rule.security_group_id === `${bastionGroup}id}` && rule.from_port === 443);
    expect(egress.map((rule) => rule.cidr_ipv4)).toEqual(["0.0.0.0/0"]);
  });

  it("places Jenkins in a subnet whose range the network layer's endpoint rule admits", () => {
    const network = platform().stack("network");
    const subnetReference = String(mgmt().resource("aws_instance", "jenkins/host/instance").subnet_id);
    const subnet = Object.entries(network.resources("aws_subnet")).find(([name]) =>
      subnetReference.includes(`aws_subnet${name}id`),
    );
    expect(subnet, subnetReference).toBeDefined();
    const admitted = network
      .resourceList("aws_vpc_security_group_ingress_rule")
      .filter((rule) => /endpoints_security_group/.test(String(rule.security_group_id)) && rule.from_port === 443)
      .map((rule) => mustParseCidr(rule.cidr_ipv4));
    const block = mustParseCidr(String(subnet?.[1].cidr_block));
    expect(admitted.some((range) => contains(range, block))).toBe(true);
    // And its group lets the HTTPS out (the endpoints' addresses are inside 0.0.0.0/0).
    const jenkinsGroup = mgmt().referenceTo("aws_security_group", "jenkins/host/security_group");
    const https = mgmt()
      .resourceList("aws_vpc_security_group_egress_rule")
      .filter((rule) => rule.security_group_id === `${jenkinsGroup}id}` && rule.from_port === 443);
    expect(https.map((rule) => rule.cidr_ipv4)).toEqual(["0.0.0.0/0"]);
  });
});
