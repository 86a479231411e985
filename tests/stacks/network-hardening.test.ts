import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { mustParseCidr } from "../../lib/cidr";
import { admits } from "../../scripts/policy/nacl";
import { evaluate } from "../../scripts/policy/rules";
import { INTERFACE_ENDPOINT_SERVICES } from "../../stacks/network/endpoints";
import { NetworkStack } from "../../stacks/network/stack";
import { copyVars, type Json, platform } from "../support/synth";

const network = () => platform().stack("network");
const aclOf = (owner: string) =>
  Object.values(network().resources("aws_network_acl")).find((acl) => acl.tags.Name === `connected-express-${owner}`);
const subnetsOf = (owner: string, tier?: string) =>
  Object.entries(network().resources("aws_subnet")).filter(
    ([, subnet]) => subnet.tags.environment === owner && (tier === undefined || subnet.tags.tier === tier),
  );
const anAddressOf = (owner: string, tier: string) => mustParseCidr(subnetsOf(owner, tier)[0][1].cidr_block);
const INTERNET = mustParseCidr("198.51.100.7/32");
const https = { protocol: "tcp", port: 443 } as const;

describe("network: AWS services without NAT", () => {
  it("reaches each AWS service the platform calls through an interface endpoint in the endpoint subnets, with private DNS", () => {
    const endpoints = network().resourceList("aws_vpc_endpoint");
    const endpointSubnets = subnetsOf("endpoints").map(([name]) => `\${aws_subnet.${name}.id}`);
    for (const service of Object.keys(INTERFACE_ENDPOINT_SERVICES)) {
      const endpoint = endpoints.find(
        (candidate) => candidate.service_name === `com.amazonaws.eu-central-1.${service}`,
      );
      expect(endpoint, service).toMatchObject({ vpc_endpoint_type: "Interface", private_dns_enabled: true });
      expect([...(endpoint?.subnet_ids ?? [])].sort()).toEqual(endpointSubnets.sort());
      expect(endpoint?.security_group_ids).toEqual([
        expect.stringMatching(/aws_security_group\.endpoints_security_group/),
      ]);
    }
  });

  it("admits HTTPS to the endpoints from each environment's private subnets, and nothing else", () => {
    const rules = network()
      .resourceList("aws_vpc_security_group_ingress_rule")
      .filter((rule) => String(rule.security_group_id).includes("endpoints_security_group"));
    expect(
      rules.map((rule) => `${rule.ip_protocol} ${rule.from_port}-${rule.to_port} ${rule.cidr_ipv4}`).sort(),
    ).toEqual([
      "tcp 443-443 10.0.24.0/21", // dev's private half
      "tcp 443-443 10.0.40.0/21", // prod's
      "tcp 443-443 10.0.8.0/21", // mgmt's (Jenkins)
    ]);
    const egress = network().resourceList("aws_vpc_security_group_egress_rule");
    expect(egress.filter((rule) => String(rule.security_group_id).includes("endpoints_security_group"))).toEqual([]);
  });

  it("lets the S3 endpoint through to the state bucket, the access-log buckets, ECR's layers and the SSM agent, and no other bucket", () => {
    const policy = JSON.parse(network().resource("aws_vpc_endpoint", "s3_gateway_endpoint").policy);
    const s3 = `arn:\${data.aws_partition.partition.partition}:s3:::`;
    expect(policy.Statement.map((statement: Json) => [statement.Action, statement.Resource])).toEqual([
      [
        "s3:*",
        [
          `${s3}connected-express-terraform-state`,
          `${s3}connected-express-terraform-state/*`,
          `${s3}connected-express-access-logs-*`,
          `${s3}connected-express-access-logs-*/*`,
        ],
      ],
      ["s3:GetObject", `${s3}prod-eu-central-1-starport-layer-bucket/*`],
      ["s3:GetObject", `${s3}amazon-ssm-eu-central-1/*`],
    ]);
  });
});

describe("network: network ACLs", () => {
  it("adopts the default network ACL without a rule, so a subnet nobody placed behind an ACL carries nothing", () => {
    const acl = network().resource("aws_default_network_acl");
    expect(acl.default_network_acl_id).toMatch(/aws_vpc\..*\.default_network_acl_id/);
    expect(acl.ingress).toBeUndefined();
    expect(acl.egress).toBeUndefined();
  });

  it("puts every subnet behind the network ACL of its owner", () => {
    for (const [name, subnet] of Object.entries(network().resources("aws_subnet"))) {
      const holders = network()
        .resourceList("aws_network_acl")
        .filter((acl) => acl.subnet_ids.includes(`\${aws_subnet.${name}.id}`));
      expect(holders.map((acl) => acl.tags.Name)).toEqual([`connected-express-${subnet.tags.environment}`]);
    }
  });

  it("keeps dev and prod apart in both directions, each ACL on its own", () => {
    for (const [owner, other] of [
      ["dev", "prod"],
      ["prod", "dev"],
    ]) {
      const acl = aclOf(owner);
      expect(acl?.tags.isolated).toBe("true");
      for (const tier of ["public", "private"]) {
        expect(admits(acl?.ingress, anAddressOf(other, tier), https), `${owner} from ${other} ${tier}`).toBe(false);
        expect(admits(acl?.egress, anAddressOf(other, tier), https), `${owner} to ${other} ${tier}`).toBe(false);
      }
    }
  });

  it("lets an application environment reach mgmt, NAT, the endpoints and its own subnets, and the internet reach its load balancer", () => {
    const dev = aclOf("dev");
    for (const [owner, tier] of [
      ["dev", "private"],
      ["mgmt", "private"],
      ["nat", "public"],
      ["endpoints", "private"],
    ]) {
      expect(admits(dev?.egress, anAddressOf(owner, tier), https), `to ${owner}`).toBe(true);
      expect(admits(dev?.ingress, anAddressOf(owner, tier), https), `from ${owner}`).toBe(true);
    }
    expect(admits(dev?.ingress, INTERNET, https)).toBe(true);
    expect(admits(dev?.egress, INTERNET, https)).toBe(true);
  });

  it("admits neither SSH nor RDP from the internet into any subnet with hosts, and SSH into mgmt only from the admin networks", () => {
    for (const owner of ["dev", "prod", "mgmt", "endpoints"]) {
      for (const port of [22, 3389]) {
        expect(admits(aclOf(owner)?.ingress, INTERNET, { protocol: "tcp", port }), `${owner} ${port}`).toBe(false);
      }
    }
    expect(admits(aclOf("mgmt")?.ingress, mustParseCidr("203.0.113.0/24"), { protocol: "tcp", port: 22 })).toBe(true);
    expect(admits(aclOf("dev")?.ingress, mustParseCidr("203.0.113.0/24"), { protocol: "tcp", port: 22 })).toBe(false);
  });

  it("keeps the endpoint subnets to HTTPS from the VPC and the replies to it", () => {
    const endpoints = aclOf("endpoints");
    expect(admits(endpoints?.ingress, anAddressOf("dev", "private"), https)).toBe(true);
    expect(admits(endpoints?.ingress, anAddressOf("dev", "private"), { protocol: "tcp", port: 22 })).toBe(false);
    expect(admits(endpoints?.ingress, INTERNET, https)).toBe(false);
  });

  it("needs the same rules per application environment at 14 application environments: within AWS's 20 each way", () => {
    const vars = copyVars();
    // The VPC's full complement at /20 slices: dev, prod and 12 more, each in a free slice.
    for (let index = 1; index <= 12; index += 1) {
      const name = `scale-${String(index).padStart(2, "0")}`;
      vars.environments[name] = {
        ...structuredClone(vars.environments.dev),
        name,
        cidr: `10.0.${32 + 16 * index}.0/20`,
      };
    }
    const stack = JSON.parse(Testing.synth(new NetworkStack(Testing.app(), "network", { vars })));
    const acls = Object.values<Json>(stack.resource.aws_network_acl);
    const isolated = acls.filter((acl) => acl.tags.isolated === "true");
    expect(isolated).toHaveLength(14);
    for (const acl of isolated) {
      // own slice, mgmt, NAT, endpoints, the VPC deny, 80, 443, two ephemeral ranges, ICMP 3/4
      expect(acl.ingress).toHaveLength(10);
      // own slice, mgmt, NAT, endpoints, the VPC deny, the internet
      expect(acl.egress).toHaveLength(6);
    }
    const failures = evaluate(stack).filter((result) => result.id.startsWith("CX_VPC_") && !result.passed);
    expect(failures).toEqual([]);
  });

  it("refuses a network ACL above AWS's default quota, naming the fix", () => {
    const vars = copyVars();
    vars.adminCidrs = Array.from({ length: 15 }, (_, index) => `198.51.${index}.0/24`);
    expect(() => new NetworkStack(Testing.app(), "network", { vars })).toThrow(
      /network ACL of mgmt needs 21 inbound rules, above AWS's default quota of 20; list fewer adminCidrs/,
    );
  });
});

describe("private egress of the tasks", () => {
  const egressOf = (stack: ReturnType<typeof network>) =>
    stack
      .resourceList("aws_vpc_security_group_egress_rule")
      .filter((rule) => String(rule.security_group_id).includes("service_security_group"));

  it("sends HTTPS to the interface endpoints and S3 only: the image comes from ECR", () => {
    const rules = egressOf(platform().stack("prod"));
    const target = (rule: Json) =>
      rule.referenced_security_group_id
        ? "endpoints"
        : rule.prefix_list_id
          ? "s3"
          : `${rule.cidr_ipv4} (${rule.description})`;
    expect(rules.map((rule) => `${rule.from_port}-${rule.to_port} ${target(rule)}`).sort()).toEqual([
      "443-443 endpoints",
      "443-443 s3",
    ]);
    expect(rules.find((rule) => rule.referenced_security_group_id)?.referenced_security_group_id).toMatch(
      /endpoints_security_group/,
    );
    expect(rules.find((rule) => rule.prefix_list_id)?.prefix_list_id).toMatch(/s3_gateway_endpoint.*prefix_list_id/);
  });
});

describe("trust: the services that act for the account", () => {
  const trustOf = (stack: string, path: string) =>
    JSON.parse(platform().stack(stack).resource("aws_iam_role", path).assume_role_policy).Statement[0];

  it("lets VPC Flow Logs assume its role only for this account's flow logs", () => {
    expect(trustOf("network", "flow_log_role").Condition).toEqual({
      StringEquals: { "aws:SourceAccount": `\${data.aws_caller_identity.account.account_id}` },
      ArnLike: {
        "aws:SourceArn": `arn:\${data.aws_partition.partition.partition}:ec2:eu-central-1:\${data.aws_caller_identity.account.account_id}:vpc-flow-log/*`,
      },
    });
  });

  it("lets Data Lifecycle Manager assume the snapshot role only for this account's lifecycle policies", () => {
    expect(trustOf("mgmt", "snapshot_role").Condition).toEqual({
      StringEquals: { "aws:SourceAccount": `\${data.aws_caller_identity.account.account_id}` },
      ArnLike: {
        "aws:SourceArn": `arn:\${data.aws_partition.partition.partition}:dlm:eu-central-1:\${data.aws_caller_identity.account.account_id}:policy/*`,
      },
    });
  });

  it("lets load balancers' log delivery write only under <prefix>/AWSLogs/<this account>/", () => {
    const [delivery] = JSON.parse(platform().stack("global").resource("aws_s3_bucket_policy").policy).Statement;
    expect(delivery.Resource).toBe(
      `\${aws_s3_bucket.access_logs_bucket_6F4F867B.arn}/*/AWSLogs/\${data.aws_caller_identity.account.account_id}/*`,
    );
  });
});
