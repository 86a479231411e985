import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { describe, expect, it } from "vitest";
import { addressAt, MOVED_FILE, movedFrom, parseMovedFile, renamedFrom } from "../../stacks/constructs/moved";
import { allowTcpIn, allowTcpInFromNetworks } from "../../stacks/constructs/security-rules";
import { TlsLoadBalancer, type TlsLoadBalancerProps } from "../../stacks/constructs/tls-load-balancer";
import { STRICT_TRANSPORT_SECURITY, TLS_POLICIES } from "../../stacks/constructs/tls-policy";
import { type Json, platform, type SynthesizedStack } from "../support/synth";

const app = platform();
/** Every stack with a TLS load balancer: the application environments and mgmt (Jenkins). */
const withLoadBalancer = ["dev", "prod", "mgmt"].map((name) => app.stack(name));
const addressOf = (stack: SynthesizedStack, type: string, body: Json) =>
  `${type}.${Object.entries(stack.resources(type)).find(([, candidate]) => candidate === body)?.[0]}`;

describe("TLS load balancers: every layer's is built by one construct", () => {
  it("drops malformed headers, mitigates HTTP desync, carries its name and logs under the stack's prefix", () => {
    for (const stack of withLoadBalancer) {
      const lb = stack.resource("aws_lb");
      expect(lb, stack.name).toMatchObject({ internal: false, drop_invalid_header_fields: true });
      expect(lb.tags, stack.name).toEqual({ Name: lb.name });
      expect(["defensive", "strictest"], stack.name).toContain(lb.desync_mitigation_mode);
      expect(lb.access_logs, stack.name).toMatchObject({ enabled: true, prefix: stack.name });
    }
  });

  it("adds HSTS for a year with subdomains, nosniff and frame options to every HTTPS response, and no Server header", () => {
    for (const stack of withLoadBalancer) {
      const https = stack.resourceList("aws_lb_listener").filter((listener) => listener.protocol === "HTTPS");
      expect(https.length, stack.name).toBeGreaterThan(0);
      for (const listener of https) {
        expect(listener, stack.name).toMatchObject({
          routing_http_response_strict_transport_security_header_value: STRICT_TRANSPORT_SECURITY,
          routing_http_response_x_content_type_options_header_value: "nosniff",
          routing_http_response_x_frame_options_header_value: stack.name === "mgmt" ? "SAMEORIGIN" : "DENY",
          routing_http_response_server_enabled: false,
        });
      }
    }
  });

  it("serves HTTPS only with its TLS policy (TLS 1.3-only for Jenkins) and the validated certificate, and redirects port 80 to it", () => {
    for (const stack of withLoadBalancer) {
      const listeners = Object.fromEntries(stack.resourceList("aws_lb_listener").map((l) => [l.port, l]));
      const policy = stack.name === "mgmt" ? TLS_POLICIES.admin : TLS_POLICIES.public;
      expect(listeners[443], stack.name).toMatchObject({ protocol: "HTTPS", ssl_policy: policy });
      expect(listeners[443].certificate_arn).toMatch(/aws_acm_certificate_validation\..*\.certificate_arn/);
      expect(listeners[80].default_action[0].redirect, stack.name).toMatchObject({ protocol: "HTTPS", port: "443" });
    }
  });

  it("validates each certificate by DNS, one 60 s record per name, with certificate transparency logging on", () => {
    for (const stack of withLoadBalancer) {
      expect(stack.resource("aws_acm_certificate").options, stack.name).toEqual({
        certificate_transparency_logging_preference: "ENABLED",
      });
      const records = stack.resource("aws_route53_record", "certificate_validation_record");
      expect(records.for_each, stack.name).toMatch(/domain_validation_options\): val\.domain_name => val/);
      expect(records.ttl, stack.name).toBe(60);
    }
  });

  it("points the served name at the load balancer with an alias that evaluates target health", () => {
    for (const stack of withLoadBalancer) {
      const alias = stack.resource("aws_route53_record", "alias_record").alias;
      expect(alias, stack.name).toMatchObject({ evaluate_target_health: true });
      expect(alias.name).toMatch(/aws_lb\..*\.dns_name/);
    }
  });

  it("puts a web ACL named after the load balancer in front of it", () => {
    for (const stack of withLoadBalancer) {
      const lb = stack.resource("aws_lb");
      expect(stack.resource("aws_wafv2_web_acl").name, stack.name).toBe(lb.name);
      expect(stack.resource("aws_wafv2_web_acl_association").resource_arn).toBe(
        `\${${addressOf(stack, "aws_lb", lb)}.arn}`,
      );
    }
  });

  it("opens its group on 80 and 443 only, one rule per network named after its port and network", () => {
    const rules = (stack: SynthesizedStack) =>
      Object.values(stack.resources("aws_vpc_security_group_ingress_rule"))
        .map((rule) => String(rule["//"].metadata.path))
        .filter((path) => /\/(load_balancer|jenkins_access)\/ingress_/.test(path))
        .map((path) => path.split("/").pop())
        .sort();
    expect(rules(app.stack("prod"))).toEqual(["ingress_443", "ingress_80"]);
    expect(rules(app.stack("mgmt"))).toEqual(["ingress_443_from_203_0_113_0_24", "ingress_80_from_203_0_113_0_24"]);
  });
});

describe("moved blocks (stacks/constructs/moved.ts): the way a construct id is renamed once deployed", () => {
  /** A scratch stack with one KMS key renamed from `old_key`, one subtree moved, synthesized to disk. */
  function synthMoves() {
    const scratch = Testing.app();
    const stack = new TerraformStack(scratch, "scratch");
    new AwsProvider(stack, "aws", { region: "eu-central-1" });
    const renamed = new KmsKey(stack, "new_key", { description: "renamed" });
    renamedFrom(renamed, "old_key");
    const subtree = new Construct(stack, "load_balancer");
    new KmsKey(new Construct(subtree, "web_acl"), "key", { description: "moved down a level" });
    movedFrom(subtree, "jenkins");
    scratch.synth();
    const dir = join(scratch.outdir, "stacks", "scratch");
    return {
      json: JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8")) as Json,
      moves: parseMovedFile(readFileSync(join(dir, MOVED_FILE), "utf8")),
    };
  }

  it("writes moves to moved.tf beside cdk.tf.json, never into it (checkov cannot parse them there)", () => {
    const { json, moves } = synthMoves();
    expect(json.moved).toBeUndefined();
    expect(moves).toHaveLength(2);
  });

  it("moves a renamed resource and every resource of a moved subtree from their old addresses", () => {
    const { json, moves } = synthMoves();
    const addresses = Object.keys(json.resource.aws_kms_key).map((name) => `aws_kms_key.${name}`);
    expect(moves).toEqual([
      { from: addressAt("aws_kms_key", "old_key"), to: "aws_kms_key.new_key" },
      {
        from: addressAt("aws_kms_key", "jenkins/web_acl/key"),
        to: addressAt("aws_kms_key", "load_balancer/web_acl/key"),
      },
    ]);
    for (const { to } of moves) expect(addresses).toContain(to);
  });

  it("computes an old address exactly as cdktf named it", () => {
    // Literal addresses from earlier synthesized output prove addressAt matches cdktf's ids.
    expect(addressAt("aws_kms_key", "web_acl/logs/key")).toBe("aws_kms_key.web_acl_logs_key_E7973538");
    expect(addressAt("aws_cloudwatch_log_group", "jenkins_waf/logs/log_group")).toBe(
      "aws_cloudwatch_log_group.jenkins_waf_logs_log_group_5D3A6189",
    );
  });
});

describe("TLS load balancers: invalid props fail at construction with the fix", () => {
  const build = (change: Partial<TlsLoadBalancerProps>) => {
    const stack = new TerraformStack(Testing.app(), "scratch");
    return new TlsLoadBalancer(stack, "lb", {
      name: "p-dev",
      vpcId: "vpc-1",
      subnetIds: ["subnet-a", "subnet-b"],
      allowedCidrs: ["0.0.0.0/0"],
      domainName: "dev.example.com",
      zoneId: "Z1",
      targetGroup: (scope) => new LbTargetGroup(scope, "targets", { port: 80, protocol: "HTTP", vpcId: "vpc-1" }),
      deletionProtection: false,
      accessLogs: { bucket: "logs", prefix: "dev" },
      firewall: {
        description: "test",
        ruleGroups: [{ name: "AWSManagedRulesCommonRuleSet", mode: "block" }],
        rateLimitPerFiveMinutes: 2000,
      },
      region: "eu-central-1",
      securityGroupDescription: "test load balancer",
      ...change,
    });
  };

  it("accepts the props a stack passes", () => {
    expect(build({}).httpsListener).toBeDefined();
  });

  it("refuses a name longer than 32 characters", () => {
    expect(() => build({ name: "connected-express-preproduction-x" })).toThrow(/exceeds 32 characters; shorten/);
  });

  it("refuses fewer than two subnets", () => {
    expect(() => build({ subnetIds: ["subnet-a"] })).toThrow(/at least two availability zones/);
  });

  it("refuses an empty list of allowed networks", () => {
    expect(() => build({ allowedCidrs: [] })).toThrow(/allowedCidrs is empty; list the networks/);
  });

  it("refuses an access-log prefix that ELB would break: a slash at either end, or AWSLogs", () => {
    for (const prefix of ["/dev", "dev/", "dev/AWSLogs", ""]) {
      expect(() => build({ accessLogs: { bucket: "logs", prefix } }), prefix).toThrow(/no "\/" at either end/);
    }
  });
});

describe("security group rules", () => {
  const ruleIds = (cidrs: string[]) => {
    const stack = new TerraformStack(Testing.app(), "scratch");
    const describe = (from: string) => `SSH from ${from}`;
    return allowTcpInFromNetworks(stack, { securityGroupId: "sg-1", port: 22, cidrs, describe }).map((r) => r.node.id);
  };

  it("names each network's rule after its port and network, so removing a network leaves the others alone", () => {
    expect(ruleIds(["10.1.0.0/16", "203.0.113.0/24"])).toEqual([
      "ingress_22_from_10_1_0_0_16",
      "ingress_22_from_203_0_113_0_24",
    ]);
    expect(ruleIds(["203.0.113.0/24"])).toEqual(["ingress_22_from_203_0_113_0_24"]);
  });

  it("refuses a rule with both or neither of a network and a peer group", () => {
    const stack = new TerraformStack(Testing.app(), "scratch");
    const rule = { securityGroupId: "sg-1", port: 22, description: "SSH" };
    expect(() => allowTcpIn(stack, "both", { ...rule, cidr: "10.0.0.0/8", peerSecurityGroupId: "sg-2" })).toThrow(
      /give exactly one of cidr and peerSecurityGroupId/,
    );
    expect(() => allowTcpIn(stack, "neither", rule)).toThrow(/give exactly one of cidr and peerSecurityGroupId/);
  });
});
