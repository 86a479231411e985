import { describe, expect, it } from "vitest";
import type { Json } from "../support/synth";
import { copyOf, editJson as editPolicy, named, passes, results } from "./broken-copy";

/** An ACL rule for all traffic (`-1`) or one TCP port. */
const aclRule = (rule_no: number, action: string, cidr_block: string, port?: number) => ({
  rule_no,
  action,
  cidr_block,
  protocol: port === undefined ? "-1" : "tcp",
  from_port: port ?? 0,
  to_port: port ?? 0,
});
describe("network rules hold on the platform and fail on a deliberately broken copy", () => {
  it("CX_VPC_1: an S3 endpoint without a policy, or one that lets every bucket through", () => {
    expect(passes("CX_VPC_1", copyOf("network"))).toBe(true);
    const open = copyOf("network");
    delete named(open, "aws_vpc_endpoint", "s3_gateway_endpoint").policy;
    expect(passes("CX_VPC_1", open)).toBe(false);
    const wildcard = copyOf("network");
    editPolicy(named(wildcard, "aws_vpc_endpoint", "s3_gateway_endpoint"), "policy", (policy) => {
      policy.Statement[1].Resource = "arn:aws:s3:::*/*";
    });
    expect(passes("CX_VPC_1", wildcard)).toBe(false);
  });

  it("CX_VPC_2: a missing interface endpoint, or one without private DNS", () => {
    expect(passes("CX_VPC_2", copyOf("network"))).toBe(true);
    const missing = copyOf("network");
    for (const name of Object.keys(missing.resource.aws_vpc_endpoint)) {
      if (name.includes("ecr_dkr")) delete missing.resource.aws_vpc_endpoint[name];
    }
    expect(results("CX_VPC_2", missing)[0].message).toContain("ecr.dkr");
    const publicDns = copyOf("network");
    named(publicDns, "aws_vpc_endpoint", "endpoints_sts").private_dns_enabled = false;
    expect(passes("CX_VPC_2", publicDns)).toBe(false);
  });

  it("CX_VPC_3: the endpoints admitting a public subnet, the internet, or another port", () => {
    expect(passes("CX_VPC_3", copyOf("network"))).toBe(true);
    for (const change of [{ cidr_ipv4: "10.0.16.0/23" }, { cidr_ipv4: "0.0.0.0/0" }, { from_port: 22, to_port: 22 }]) {
      const broken = copyOf("network");
      Object.assign(named(broken, "aws_vpc_security_group_ingress_rule", "endpoints_ingress_443_from_dev"), change);
      expect(passes("CX_VPC_3", broken), JSON.stringify(change)).toBe(false);
    }
  });

  it("CX_VPC_4: a default network ACL that keeps a rule, or a subnet left on it", () => {
    expect(passes("CX_VPC_4", copyOf("network"))).toBe(true);
    const allowing = copyOf("network");
    Object.values<Json>(allowing.resource.aws_default_network_acl)[0].ingress = [
      { rule_no: 100, action: "allow", protocol: "-1", cidr_block: "0.0.0.0/0", from_port: 0, to_port: 0 },
    ];
    expect(passes("CX_VPC_4", allowing)).toBe(false);
    const orphan = copyOf("network");
    const dev = named(orphan, "aws_network_acl", "acls_dev");
    dev.subnet_ids = dev.subnet_ids.slice(1);
    expect(results("CX_VPC_4", orphan).filter((result) => !result.passed)).toHaveLength(1);
  });

  it("CX_VPC_5: dev admitting prod's slice, an ACL without its VPC deny, or an allow-all ahead of it", () => {
    expect(passes("CX_VPC_5", copyOf("network"))).toBe(true);
    const allowProd = copyOf("network");
    named(allowProd, "aws_network_acl", "acls_dev").ingress.push(aclRule(99, "allow", "10.0.32.0/20", 443));
    expect(results("CX_VPC_5", allowProd).find((result) => !result.passed)?.message).toMatch(
      /admits tcp\/443 from 10\.0\.(32|34|40|42)\.0\/23/,
    );
    const noDeny = copyOf("network");
    const prod = named(noDeny, "aws_network_acl", "acls_prod");
    prod.egress = prod.egress.filter((rule: Json) => rule.action !== "deny");
    expect(passes("CX_VPC_5", noDeny)).toBe(false);
    const allowAll = copyOf("network");
    named(allowAll, "aws_network_acl", "acls_dev").egress.push(aclRule(1, "allow", "0.0.0.0/0"));
    expect(passes("CX_VPC_5", allowAll)).toBe(false);
  });

  it("CX_VPC_6: an ACL above AWS's 20 rules a direction, or with a number used twice or out of range", () => {
    expect(passes("CX_VPC_6", copyOf("network"))).toBe(true);
    const rule = (rule_no: number) => aclRule(rule_no, "deny", "192.0.2.0/24", 1);
    const crowded = copyOf("network");
    named(crowded, "aws_network_acl", "acls_mgmt").ingress.push(...Array.from({ length: 20 }, (_, i) => rule(10 + i)));
    expect(passes("CX_VPC_6", crowded)).toBe(false);
    const repeated = copyOf("network");
    named(repeated, "aws_network_acl", "acls_dev").egress.push(rule(5000));
    expect(passes("CX_VPC_6", repeated)).toBe(false);
    const outOfRange = copyOf("network");
    named(outOfRange, "aws_network_acl", "acls_dev").egress.push(rule(40000));
    expect(passes("CX_VPC_6", outOfRange)).toBe(false);
  });

  it("CX_ECS_2: tasks sending to any address range, the internet on 443 included", () => {
    expect(passes("CX_ECS_2", copyOf("prod"))).toBe(true);
    const tasksEgress = (stack: Json) =>
      Object.values<Json>(stack.resource.aws_vpc_security_group_egress_rule).filter(
        (rule) => String(rule.security_group_id).includes("service_security_group") && rule.prefix_list_id,
      );
    const internet = copyOf("prod");
    const [s3] = tasksEgress(internet);
    delete s3.prefix_list_id;
    s3.cidr_ipv4 = "0.0.0.0/0";
    expect(results("CX_ECS_2", internet)[0].message).toMatch(/egress beyond the endpoints and S3/);
    const vpc = copyOf("prod");
    Object.assign(tasksEgress(vpc)[0], { prefix_list_id: undefined, cidr_ipv4: "10.0.0.0/16" });
    expect(passes("CX_ECS_2", vpc)).toBe(false);
  });

  it("CX_IAM_1: a flow-log or snapshot role trusted without the source account or with any source", () => {
    expect(passes("CX_IAM_1", copyOf("network"))).toBe(true);
    expect(passes("CX_IAM_1", copyOf("mgmt"))).toBe(true);
    const unconditioned = copyOf("network");
    editPolicy(unconditioned.resource.aws_iam_role.flow_log_role, "assume_role_policy", (policy) => {
      delete policy.Statement[0].Condition;
    });
    expect(passes("CX_IAM_1", unconditioned)).toBe(false);
    const anySource = copyOf("mgmt");
    editPolicy(named(anySource, "aws_iam_role", "snapshot_role"), "assume_role_policy", (policy) => {
      policy.Statement[0].Condition.ArnLike["aws:SourceArn"] = "*";
    });
    expect(passes("CX_IAM_1", anySource)).toBe(false);
  });

  it("CX_S3_1: log delivery allowed anywhere in the bucket, or under any account", () => {
    expect(passes("CX_S3_1", copyOf("global"))).toBe(true);
    for (const resource of [`\${aws_s3_bucket.access_logs_bucket_6F4F867B.arn}/*`, "arn:aws:s3:::logs/*/AWSLogs/*/*"]) {
      const broken = copyOf("global");
      editPolicy(named(broken, "aws_s3_bucket_policy", "access_logs"), "policy", (policy) => {
        policy.Statement[0].Resource = resource;
      });
      expect(passes("CX_S3_1", broken), resource).toBe(false);
    }
  });
});
