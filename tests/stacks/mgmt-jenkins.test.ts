import { describe, expect, it } from "vitest";
import { copyVars, type Json, platform, synthPlatform } from "../support/synth";

const mgmt = platform().stack("mgmt");

function jenkinsPolicy(stack = mgmt): Json[] {
  return JSON.parse(stack.resource("aws_iam_role_policy", "jenkins_role_policy/policy").policy).Statement;
}
const list = (value: unknown): string[] => [value].flat() as string[];
const statementsWith = (statements: Json[], action: string) =>
  statements.filter((statement) => list(statement.Action).includes(action));

describe("mgmt: the Jenkins role grants least privilege", () => {
  const statements = jenkinsPolicy();

  it("belongs to the Jenkins instance role only", () => {
    const policy = mgmt.resource("aws_iam_role_policy", "jenkins_role_policy/policy");
    expect(policy.role).toMatch(/\$\{aws_iam_role\.jenkins_host_role_[A-Z0-9]+\.name\}/);
  });

  it("allows no wildcard action, and `*` resources only for actions AWS cannot scope", () => {
    // Each exception is an action without resource-level permissions in the AWS service authorization reference.
    const unscopable = new Set([
      "ecr:GetAuthorizationToken", // ECR login is account-wide
      "ecs:RegisterTaskDefinition", // no resource type; the family is in the request
      "ecs:DescribeTaskDefinition", // no resource type
      "ecs:ListTaskDefinitions", // no resource type; the deploy history lists the family's revisions
      "ecs:ListTasks", // scoped by the ecs:cluster condition instead (tested below)
    ]);
    for (const statement of statements) {
      expect(statement.Effect).toBe("Allow");
      for (const action of list(statement.Action)) expect(action).not.toContain("*");
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
      if (list(statement.Resource).includes("*")) {
        expect(list(statement.Resource)).toEqual(["*"]);
        for (const action of list(statement.Action)) expect(unscopable, `${action} on "*"`).toContain(action);
      }
    }
    const starActions = statements.filter((s) => s.Resource === "*").flatMap((s) => list(s.Action));
    expect(starActions.sort()).toEqual([...unscopable].sort());
  });

  it("pushes images only to the frontend repository from the global state", () => {
    const [push] = statementsWith(statements, "ecr:PutImage");
    expect(list(push.Action)).toEqual(
      expect.arrayContaining(["ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"]),
    );
    expect(push.Resource).toEqual([
      expect.stringMatching(/cross-stack-reference-input-global\.outputs\.[^}]*ecr_repository[^}]*arn\}$/),
    ]);
  });

  it("rolls out only the dev and prod frontend services", () => {
    const [rollout] = statementsWith(statements, "ecs:UpdateService");
    expect(list(rollout.Action).sort()).toEqual(["ecs:DescribeServices", "ecs:UpdateService"]);
    expect(rollout.Resource).toEqual([
      expect.stringMatching(
        /:ecs:eu-central-1:\$\{data\.aws_caller_identity\.account\.account_id\}:service\/connected-express-dev\/frontend$/,
      ),
      expect.stringMatching(/:service\/connected-express-prod\/frontend$/),
    ]);
  });

  it("lists and describes tasks only in the deploy clusters", () => {
    const [listTasks] = statementsWith(statements, "ecs:ListTasks");
    expect(listTasks.Condition.ArnEquals["ecs:cluster"]).toEqual([
      expect.stringMatching(/:cluster\/connected-express-dev$/),
      expect.stringMatching(/:cluster\/connected-express-prod$/),
    ]);
    const [describeTasks] = statementsWith(statements, "ecs:DescribeTasks");
    expect(describeTasks.Resource).toEqual([
      expect.stringMatching(/:task\/connected-express-dev\/\*$/),
      expect.stringMatching(/:task\/connected-express-prod\/\*$/),
    ]);
  });

  it("passes only the services' task and execution roles, and only to ECS tasks", () => {
    const [passRole] = statementsWith(statements, "iam:PassRole");
    expect(passRole.Resource.map((arn: string) => arn.split(":role/")[1]).sort()).toEqual([
      "connected-express-dev-frontend-task",
      "connected-express-dev-task-execution",
      "connected-express-prod-frontend-task",
      "connected-express-prod-task-execution",
    ]);
    expect(passRole.Condition).toEqual({ StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
  });

  it("reads the platform's Terraform state and nothing else in the state bucket", () => {
    const [read] = statementsWith(statements, "s3:GetObject");
    expect(list(read.Action)).toEqual(["s3:GetObject"]);
    expect(read.Resource).toEqual([
      expect.stringMatching(/:s3:::connected-express-terraform-state\/connected-express\/\*$/),
    ]);
    const [listing] = statementsWith(statements, "s3:ListBucket");
    expect(listing.Resource).toEqual([expect.stringMatching(/:s3:::connected-express-terraform-state$/)]);
    expect(listing.Condition.StringLike["s3:prefix"]).toEqual(["connected-express/*"]);
  });

  it("extends to a new application environment without code changes", () => {
    const vars = copyVars();
    vars.environments.staging = { ...structuredClone(vars.environments.dev), name: "staging", cidr: "10.0.48.0/20" };
    const [rollout] = statementsWith(jenkinsPolicy(synthPlatform(vars).stack("mgmt")), "ecs:UpdateService");
    expect(rollout.Resource).toContainEqual(expect.stringMatching(/:service\/connected-express-staging\/frontend$/));
  });
});

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
    expect(mgmt.resource("aws_cloudwatch_log_group").name).toBe("aws-waf-logs-connected-express-jenkins");
  });
});
