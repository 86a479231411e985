import { describe, expect, it } from "vitest";
import { evaluate, RULES } from "../../scripts/policy/rules";
import { platform } from "../support/synth";

function stackWith(type: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { resource: { [type]: { subject: body }, ...extra } };
}

function verdict(id: string, stack: Record<string, unknown>) {
  const results = evaluate(stack).filter((result) => result.id === id);
  expect(results.length).toBeGreaterThan(0);
  return results.every((result) => result.passed);
}

describe("project policy rules", () => {
  it("pass on every synthesized stack of the platform", () => {
    const failures = Object.values(platform().stacks).flatMap((stack) =>
      evaluate(stack.json)
        .filter((result) => !result.passed)
        .map((result) => `${stack.name}: ${result.id} ${result.resource}: ${result.message}`),
    );
    expect(failures).toEqual([]);
  });

  it("accept an unprivileged container and reject a privileged one", () => {
    const task = (privileged: boolean) =>
      stackWith("aws_ecs_task_definition", { container_definitions: JSON.stringify([{ name: "app", privileged }]) });
    expect(verdict("CX_ECS_1", task(false))).toBe(true);
    expect(verdict("CX_ECS_1", task(true))).toBe(false);
  });

  it("reject SSH from ::/0 through a standalone ingress rule, and accept it from an admin range", () => {
    const rule = (cidr: Record<string, string>) =>
      stackWith("aws_vpc_security_group_ingress_rule", { ip_protocol: "tcp", from_port: 22, to_port: 22, ...cidr });
    expect(verdict("CX_NET_1", rule({ cidr_ipv6: "::/0" }))).toBe(false);
    expect(verdict("CX_NET_1", rule({ cidr_ipv4: "203.0.113.0/24" }))).toBe(true);
  });

  it("reject an all-protocol rule from the internet, which opens port 22 too", () => {
    const rule = stackWith("aws_security_group_rule", {
      type: "ingress",
      protocol: "-1",
      from_port: 0,
      to_port: 0,
      cidr_blocks: ["0.0.0.0/0"],
    });
    expect(verdict("CX_NET_1", rule)).toBe(false);
  });

  it("reject an instance whose root volume is not declared encrypted", () => {
    expect(verdict("CX_EBS_1", stackWith("aws_instance", { metadata_options: { http_tokens: "required" } }))).toBe(
      false,
    );
    expect(verdict("CX_EBS_1", stackWith("aws_instance", { root_block_device: { encrypted: true } }))).toBe(true);
  });

  it("reject a launch template without metadata options", () => {
    expect(verdict("CX_EC2_1", stackWith("aws_launch_template", { name: "lt" }))).toBe(false);
  });

  it("accept a repository whose lifecycle policy references it", () => {
    const stack = stackWith(
      "aws_ecr_repository",
      { name: "frontend" },
      { aws_ecr_lifecycle_policy: { policy: { repository: `\${aws_ecr_repository.subject.name}` } } },
    );
    expect(verdict("CX_ECR_1", stack)).toBe(true);
  });

  it("accept only TLS 1.3, or TLS 1.2 with AEAD ciphers only, on HTTPS listeners", () => {
    const listener = (ssl_policy?: string) => stackWith("aws_lb_listener", { protocol: "HTTPS", ssl_policy });
    expect(verdict("CX_ELB_1", listener("ELBSecurityPolicy-TLS13-1-2-Res-2021-06"))).toBe(true);
    expect(verdict("CX_ELB_1", listener("ELBSecurityPolicy-TLS13-1-2-2021-06"))).toBe(false);
    expect(verdict("CX_ELB_1", listener("ELBSecurityPolicy-TLS13-1-3-2021-06"))).toBe(true);
    expect(verdict("CX_ELB_1", listener("ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06"))).toBe(false);
    expect(verdict("CX_ELB_1", listener("ELBSecurityPolicy-TLS-1-2-2017-01"))).toBe(false);
    expect(verdict("CX_ELB_1", listener(undefined))).toBe(false);
  });

  it("have unique ids", () => {
    expect(new Set(RULES.map((rule) => rule.id)).size).toBe(RULES.length);
  });

  it("reject an HTTPS listener without HSTS for a year, nosniff or frame options, and accept one with all three", () => {
    const headers = {
      protocol: "HTTPS",
      routing_http_response_strict_transport_security_header_value: "max-age=31536000; includeSubDomains",
      routing_http_response_x_content_type_options_header_value: "nosniff",
      routing_http_response_x_frame_options_header_value: "DENY",
    };
    expect(verdict("CX_ELB_2", stackWith("aws_lb_listener", headers))).toBe(true);
    const short = { ...headers, routing_http_response_strict_transport_security_header_value: "max-age=300" };
    expect(verdict("CX_ELB_2", stackWith("aws_lb_listener", short))).toBe(false);
    const { routing_http_response_x_frame_options_header_value: _, ...unframed } = headers;
    expect(verdict("CX_ELB_2", stackWith("aws_lb_listener", unframed))).toBe(false);
  });

  it("reject a web ACL without a blocking rate-based rule", () => {
    const acl = (action: Record<string, unknown>) =>
      stackWith("aws_wafv2_web_acl", {
        rule: [
          { name: "rate", action, statement: { rate_based_statement: { limit: 2000, aggregate_key_type: "IP" } } },
        ],
      });
    expect(verdict("CX_WAF_1", acl({ block: {} }))).toBe(true);
    expect(verdict("CX_WAF_1", acl({ count: {} }))).toBe(false);
    expect(verdict("CX_WAF_1", stackWith("aws_wafv2_web_acl", { rule: [] }))).toBe(false);
  });

  it("reject WAF logging that keeps the Cookie header", () => {
    const logging = (names: string[]) =>
      stackWith("aws_wafv2_web_acl_logging_configuration", {
        redacted_fields: names.map((name) => ({ single_header: { name } })),
      });
    expect(verdict("CX_WAF_2", logging(["authorization", "cookie"]))).toBe(true);
    expect(verdict("CX_WAF_2", logging(["authorization"]))).toBe(false);
  });

  it("reject a hosted zone without a CAA record for Amazon, or one that lets another CA issue", () => {
    const zone = (records: string[] | undefined) => ({
      resource: {
        aws_route53_zone: { dev_zone: { name: "dev.example.com" } },
        ...(records && {
          aws_route53_record: {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform interpolation, as cdktf writes it.
            dev_zone_caa: { zone_id: "${aws_route53_zone.dev_zone.zone_id}", type: "CAA", records },
          },
        }),
      },
    });
    expect(verdict("CX_DNS_1", zone(['0 issue "amazon.com"', '0 issuewild "amazon.com"']))).toBe(true);
    expect(verdict("CX_DNS_1", zone(undefined))).toBe(false);
    expect(verdict("CX_DNS_1", zone(['0 issue "amazon.com"']))).toBe(false);
    expect(verdict("CX_DNS_1", zone(['0 issue "amazon.com"', '0 issuewild "letsencrypt.org"']))).toBe(false);
  });
});
