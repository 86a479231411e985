import { describe, expect, it } from "vitest";
import { type Json, platform } from "../support/synth";

const mgmt = platform().stack("mgmt");

describe("mgmt: Jenkins behind a TLS load balancer for the admin networks", () => {
  const loadBalancer = mgmt.resource("aws_lb");
  const listeners = mgmt.resourceList("aws_lb_listener");

  it("is an internet-facing ALB in the mgmt public subnets that drops malformed headers", () => {
    expect(loadBalancer).toMatchObject({
      load_balancer_type: "application",
      internal: false,
      drop_invalid_header_fields: true,
    });
    expect(loadBalancer.subnets).toHaveLength(2);
    for (const subnet of loadBalancer.subnets)
      expect(subnet).toMatch(/cross-stack-reference-input-network.*mgmt_public/);
  });

  it("is protected from deletion, as environments/mgmt asks", () => {
    expect(loadBalancer.enable_deletion_protection).toBe(true);
  });

  it("writes access logs to the shared bucket under the stack's prefix", () => {
    expect(loadBalancer.access_logs).toMatchObject({ enabled: true, prefix: "mgmt" });
    expect(loadBalancer.access_logs.bucket).toMatch(/cross-stack-reference-input-global.*access_logs/);
  });

  it("serves HTTPS with a TLS 1.2+ policy and the certificate validated in the mgmt zone", () => {
    const https = listeners.find((listener) => listener.port === 443);
    expect(https).toMatchObject({ protocol: "HTTPS", ssl_policy: "ELBSecurityPolicy-TLS13-1-3-2021-06" });
    expect(https?.certificate_arn).toMatch(/aws_acm_certificate_validation\..*\.certificate_arn/);
    expect(mgmt.resource("aws_acm_certificate")).toMatchObject({
      domain_name: "jenkins.mgmt.connected.express",
      validation_method: "DNS",
    });
    const validationRecord = mgmt.resource("aws_route53_record", "certificate_validation_record");
    expect(validationRecord.zone_id).toMatch(/cross-stack-reference-input-global.*mgmt_zone/);
  });

  it("redirects plain HTTP to HTTPS", () => {
    const http = listeners.find((listener) => listener.port === 80);
    expect(http?.protocol).toBe("HTTP");
    expect(http?.default_action).toEqual([
      expect.objectContaining({
        type: "redirect",
        redirect: expect.objectContaining({ protocol: "HTTPS", port: "443", status_code: "HTTP_301" }),
      }),
    ]);
  });

  it("admits only the admin networks", () => {
    const group = Object.entries(mgmt.resources("aws_security_group")).find(([, body]) =>
      body["//"].metadata.path.endsWith("jenkins_access/security_group"),
    );
    const ingress = mgmt
      .resourceList("aws_vpc_security_group_ingress_rule")
      .filter((rule) => rule.security_group_id === `\${aws_security_group.${group?.[0]}.id}`);
    expect(ingress.map((rule) => `${rule.from_port} ${rule.cidr_ipv4}`).sort()).toEqual([
      "443 203.0.113.0/24",
      "80 203.0.113.0/24",
    ]);
  });

  it("refuses every request that is not strictly RFC 7230: only admins' browsers come through", () => {
    expect(loadBalancer.desync_mitigation_mode).toBe("strictest");
  });

  it("forwards to the Jenkins instance on the Jenkins port and checks its login page", () => {
    const targetGroup = mgmt.resource("aws_lb_target_group");
    expect(targetGroup).toMatchObject({ port: 8080, protocol: "HTTP", target_type: "instance" });
    expect(targetGroup.health_check).toMatchObject({ path: "/login", matcher: "200" });
    expect(mgmt.resource("aws_lb_target_group_attachment").target_id).toMatch(/aws_instance\.jenkins_host_instance_/);
  });

  it("publishes jenkins.mgmt.<domain> as an alias of the load balancer", () => {
    const record = mgmt.resource("aws_route53_record", "jenkins_access/alias_record");
    expect(record).toMatchObject({ name: "jenkins.mgmt.connected.express", type: "A" });
    expect(record.alias.name).toMatch(/aws_lb\.jenkins_access_load_balancer_.*\.dns_name/);
  });
});

describe("mgmt: a web ACL in front of the Jenkins load balancer", () => {
  it("blocks known exploit payloads (Log4j ...), bad-reputation and anonymizing addresses, and logs what it sees", () => {
    const acl = mgmt.resource("aws_wafv2_web_acl");
    expect(acl.scope).toBe("REGIONAL");
    const [rateLimit, ...managed] = acl.rule;
    expect(rateLimit.statement.rate_based_statement).toEqual({ limit: 2000, aggregate_key_type: "IP" });
    const groups = managed.map((rule: Json) => rule.statement.managed_rule_group_statement.name);
    expect(groups).toEqual([
      "AWSManagedRulesKnownBadInputsRuleSet",
      "AWSManagedRulesAmazonIpReputationList",
      "AWSManagedRulesAnonymousIpList",
    ]);
    for (const rule of managed) expect(rule.override_action).toEqual({ none: {} });
    expect(mgmt.resource("aws_wafv2_web_acl_association").resource_arn).toMatch(
      /aws_lb\.jenkins_access_load_balancer_.*\.arn/,
    );
    expect(mgmt.resource("aws_wafv2_web_acl_logging_configuration").log_destination_configs).toEqual([
      expect.stringMatching(/aws_cloudwatch_log_group\.jenkins_access_web_acl_logs_/),
    ]);
    expect(mgmt.resource("aws_cloudwatch_log_group", "jenkins_access/web_acl/logs/log_group").name).toBe(
      "aws-waf-logs-connected-express-jenkins",
    );
  });
});
