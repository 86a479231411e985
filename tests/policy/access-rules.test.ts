/**
 * The project rules for Session Manager (CX_SSM_1, CX_SSM_2) and DNSSEC (CX_DNS_2): each holds on the
 * synthesized platform and fails on a copy broken the way a change could break it.
 */
import { describe, expect, it } from "vitest";
import { allowsAction } from "../../scripts/policy/rule-kit";
import type { Json } from "../support/synth";
import { copyOf, editJson as edit, failures, named, passes, results } from "./broken-copy";

describe("Session Manager rules", () => {
  it("CX_SSM_1: AmazonSSMManagedInstanceCore attached to a host role, or a policy reading every parameter", () => {
    expect(passes("CX_SSM_1", copyOf("mgmt"))).toBe(true);
    const core = copyOf("mgmt");
    core.resource.aws_iam_role_policy_attachment.bastion_core = {
      role: named(core, "aws_iam_role", "bastion_host_role").name,
      policy_arn: `arn:\${data.aws_partition.partition.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
    };
    expect(failures("CX_SSM_1", core).map((result) => result.resource)).toEqual([
      "aws_iam_role_policy_attachment.bastion_core",
    ]);
    const inline = copyOf("mgmt");
    named(inline, "aws_iam_role", "jenkins_host_role").managed_policy_arns = [
      "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM",
    ];
    expect(passes("CX_SSM_1", inline)).toBe(false);
    for (const [action, resource] of [
      ["ssm:GetParameter*", "*"],
      ["ssm:Get*", "arn:aws:ssm:eu-central-1:123456789012:parameter/*"],
      ["*", "*"],
    ]) {
      const reads = copyOf("mgmt");
      edit(named(reads, "aws_iam_policy", "session_manager_agent_policy"), "policy", (policy) => {
        policy.Statement.push({ Effect: "Allow", Action: action, Resource: resource });
      });
      expect(failures("CX_SSM_1", reads)[0]?.message, `${action} on ${resource}`).toMatch(
        /allows ssm:GetParameter.* on every parameter/,
      );
    }
  });

  it("CX_SSM_1 reads IAM's wildcards as IAM does", () => {
    const actionCovers = (pattern: string, action: string) =>
      allowsAction({ Effect: "Allow", Action: pattern, Resource: "*" }, action);
    expect(actionCovers("ssm:GetParameter*", "ssm:GetParametersByPath")).toBe(true);
    expect(actionCovers("SSM:getparameter", "ssm:GetParameter")).toBe(true);
    expect(actionCovers("ssm:GetParameter?", "ssm:GetParameters")).toBe(true);
    expect(actionCovers("ssm:Describe*", "ssm:GetParameter")).toBe(false);
    // NotAction grants what it does not name.
    expect(allowsAction({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }, "ssm:GetParameter")).toBe(true);
    expect(allowsAction({ Effect: "Allow", NotAction: "ssm:*", Resource: "*" }, "ssm:GetParameter")).toBe(false);
  });

  it("CX_SSM_2: session logs to a group without a key, with encryption off, or without a session key", () => {
    expect(passes("CX_SSM_2", copyOf("mgmt"))).toBe(true);
    const plainGroup = copyOf("mgmt");
    delete named(plainGroup, "aws_cloudwatch_log_group", "session_manager_logs").kms_key_id;
    expect(failures("CX_SSM_2", plainGroup)[0].message).toMatch(/has no KMS key/);
    for (const [input, value] of [
      ["cloudWatchEncryptionEnabled", false],
      ["kmsKeyId", ""],
      ["cloudWatchLogGroupName", "/somewhere/else"],
    ] as const) {
      const broken = copyOf("mgmt");
      edit(named(broken, "aws_ssm_document", "session_manager_preferences"), "content", (content) => {
        content.inputs[input] = value;
      });
      expect(passes("CX_SSM_2", broken), input).toBe(false);
    }
  });

  it("CX_SSM_2: a policy that carries sessions with no preferences document, or without leave to write the logs", () => {
    const noPreferences = copyOf("mgmt");
    delete noPreferences.resource.aws_ssm_document;
    const refused = failures("CX_SSM_2", noPreferences);
    expect(refused.map((result) => result.resource)).toEqual([
      expect.stringMatching(/^aws_iam_policy\.session_manager_agent_policy_/),
    ]);
    expect(refused[0].message).toMatch(/no SSM-SessionManagerRunShell document/);
    const mute = copyOf("mgmt");
    edit(named(mute, "aws_iam_policy", "session_manager_agent_policy"), "policy", (policy) => {
      policy.Statement = policy.Statement.filter((statement: Json) => statement.Sid !== "WriteSessionLogs");
    });
    expect(failures("CX_SSM_2", mute)[0].message).toMatch(/may not write to the session log group/);
  });
});

describe("DNSSEC rule", () => {
  it("CX_DNS_2 holds for every zone global owns", () => {
    const global = copyOf("global");
    const zoneResults = results("CX_DNS_2", global);
    expect(zoneResults.map((result) => result.resource).sort()).toEqual([
      "aws_route53_zone.dev_zone",
      "aws_route53_zone.mgmt_zone",
      "aws_route53_zone.prod_zone",
    ]);
    expect(zoneResults.every((result) => result.passed)).toBe(true);
  });

  it("CX_DNS_2: a zone without its key-signing key, with an inactive one, or from a key outside us-east-1", () => {
    const unsigned = copyOf("global");
    delete unsigned.resource.aws_route53_key_signing_key.dev_zone_ksk;
    expect(failures("CX_DNS_2", unsigned).map((result) => result.resource)).toEqual(["aws_route53_zone.dev_zone"]);
    const inactive = copyOf("global");
    inactive.resource.aws_route53_key_signing_key.prod_zone_ksk.status = "INACTIVE";
    expect(failures("CX_DNS_2", inactive)[0].resource).toBe("aws_route53_zone.prod_zone");
    const wrongRegion = copyOf("global");
    wrongRegion.resource.aws_kms_key.dnssec_key.region = "eu-central-1";
    expect(failures("CX_DNS_2", wrongRegion)).toHaveLength(3);
    const symmetric = copyOf("global");
    symmetric.resource.aws_kms_key.dnssec_key.customer_master_key_spec = "SYMMETRIC_DEFAULT";
    expect(passes("CX_DNS_2", symmetric)).toBe(false);
  });

  it("CX_DNS_2: signing that is off or does not wait for its key, or a delegation without a DS written after signing", () => {
    const off = copyOf("global");
    off.resource.aws_route53_hosted_zone_dnssec.mgmt_zone_dnssec.signing_status = "NOT_SIGNING";
    expect(failures("CX_DNS_2", off)[0].message).toMatch(/no DNSSEC signing/);
    const racing = copyOf("global");
    delete racing.resource.aws_route53_hosted_zone_dnssec.mgmt_zone_dnssec.depends_on;
    expect(passes("CX_DNS_2", racing)).toBe(false);
    const noDs = copyOf("global");
    delete noDs.resource.aws_route53_record.dev_zone_ds;
    expect(failures("CX_DNS_2", noDs)[0].message).toMatch(/delegation dev\.connected\.express has no DS record/);
    const early = copyOf("global");
    delete early.resource.aws_route53_record.prod_zone_ds.depends_on;
    expect(failures("CX_DNS_2", early)[0].resource).toBe("aws_route53_zone.prod_zone");
    const wrongKey = copyOf("global");
    wrongKey.resource.aws_route53_record.prod_zone_ds.records = [
      `\${aws_route53_key_signing_key.dev_zone_ksk.ds_record}`,
    ];
    expect(failures("CX_DNS_2", wrongKey)[0].resource).toBe("aws_route53_zone.prod_zone");
  });
});
