import { describe, expect, it } from "vitest";
import { copyVars, type Json, platform, synthPlatform } from "../support/synth";

const app = platform();
const dev = app.stack("dev");
const prod = app.stack("prod");
/** A Terraform interpolation as it appears in the JSON: ${expression}. */
const terraform = (expression: string) => `\${${expression}}`;
const containerOf = (stack: typeof prod): Json =>
  JSON.parse(stack.resource("aws_ecs_task_definition").container_definitions)[0];

describe("application environments: one stack per environment with a service", () => {
  it("synthesizes a dev and a prod stack", () => {
    expect(Object.keys(app.stacks)).toEqual(expect.arrayContaining(["dev", "prod"]));
  });

  it("gives dev and prod different state keys", () => {
    expect(dev.json.terraform.backend.s3.key).toBe("connected-express/dev/terraform.tfstate");
    expect(prod.json.terraform.backend.s3.key).toBe("connected-express/prod/terraform.tfstate");
  });

  for (const stack of [dev, prod]) {
    it(`${stack.name} reads network and global through remote state, not copied IDs`, () => {
      const remote = stack.data("terraform_remote_state");
      const keys = Object.values(remote).map((state) => state.config.key);
      expect(keys.sort()).toEqual([
        "connected-express/global/terraform.tfstate",
        "connected-express/network/terraform.tfstate",
      ]);
      expect(stack.resource("aws_lb").subnets[0]).toMatch(
        /terraform_remote_state\.cross-stack-reference-input-network/,
      );
      expect(stack.resource("aws_route53_record", "alias_record").zone_id).toMatch(
        /terraform_remote_state\.cross-stack-reference-input-global/,
      );
    });
  }
});

describe("application environments: the public load balancer", () => {
  it("redirects HTTP on port 80 permanently to HTTPS on 443", () => {
    const http = prod.resourceList("aws_lb_listener").find((listener) => listener.port === 80);
    expect(http?.protocol).toBe("HTTP");
    expect(http?.default_action).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", status_code: "HTTP_301" } },
    ]);
  });

  it("serves HTTPS on 443 with the TLS 1.3/1.2 policy and the validated certificate", () => {
    const https = prod.resourceList("aws_lb_listener").find((listener) => listener.port === 443);
    expect(https?.protocol).toBe("HTTPS");
    expect(https?.ssl_policy).toBe("ELBSecurityPolicy-TLS13-1-2-Res-2021-06");
    expect(https?.certificate_arn).toMatch(/aws_acm_certificate_validation\..*\.certificate_arn/);
  });

  it("is internet-facing in the environment's public subnets, drops invalid headers and mitigates desync", () => {
    const lb = prod.resource("aws_lb");
    expect(lb).toMatchObject({
      internal: false,
      drop_invalid_header_fields: true,
      desync_mitigation_mode: "defensive",
    });
    expect(lb.subnets).toEqual([
      expect.stringMatching(/network_prod_public_eu-central-1a/),
      expect.stringMatching(/network_prod_public_eu-central-1b/),
    ]);
  });

  it("protects the prod load balancer from deletion but not dev's", () => {
    expect(prod.resource("aws_lb").enable_deletion_protection).toBe(true);
    expect(dev.resource("aws_lb").enable_deletion_protection).toBe(false);
  });

  it("writes access logs to the shared bucket under the stack's prefix", () => {
    const logs = prod.resource("aws_lb").access_logs;
    expect(logs).toMatchObject({ enabled: true, prefix: "prod" });
    expect(logs.bucket).toMatch(/cross-stack-reference-input-global.*access_logs/);
  });

  for (const stack of [dev, prod]) {
    it(`${stack.name} certifies ${stack.name}.connected.express and *.${stack.name}.connected.express`, () => {
      const certificate = stack.resource("aws_acm_certificate");
      expect(certificate.domain_name).toBe(`${stack.name}.connected.express`);
      expect(certificate.subject_alternative_names).toEqual([`*.${stack.name}.connected.express`]);
      expect(certificate.validation_method).toBe("DNS");
    });

    it(`${stack.name} validates the certificate with one DNS record per name in its own zone`, () => {
      const records = stack.resource("aws_route53_record", "certificate_validation_record");
      expect(records.for_each).toMatch(/domain_validation_options\): val\.domain_name => val/);
      expect(records).toMatchObject({
        name: terraform("each.value.resource_record_name"),
        type: terraform("each.value.resource_record_type"),
        records: [terraform("each.value.resource_record_value")],
        allow_overwrite: true,
      });
      expect(records.zone_id).toMatch(new RegExp(`aws_route53_zone${stack.name}_zonezone_id`));
      const validation = stack.resource("aws_acm_certificate_validation");
      expect(validation.validation_record_fqdns).toMatch(
        /aws_route53_record\.load_balancer_certificate_validation_record/,
      );
    });

    it(`${stack.name} points ${stack.name}.connected.express at the load balancer with an alias A record`, () => {
      const alias = stack.resource("aws_route53_record", "alias_record");
      expect(alias.name).toBe(`${stack.name}.connected.express`);
      expect(alias.type).toBe("A");
      expect(alias.alias).toMatchObject({
        name: expect.stringMatching(/aws_lb\..*\.dns_name/),
        zone_id: expect.stringMatching(/aws_lb\..*\.zone_id/),
        evaluate_target_health: true,
      });
    });
  }

  it("accepts 80 and 443 from anywhere and nothing else on the load balancer", () => {
    const ingress = prod.resourceList("aws_vpc_security_group_ingress_rule").filter((rule) => rule.cidr_ipv4);
    expect(ingress.map((rule) => [rule.from_port, rule.to_port, rule.cidr_ipv4]).sort()).toEqual([
      [443, 443, "0.0.0.0/0"],
      [80, 80, "0.0.0.0/0"],
    ]);
  });

  it("lets tasks accept traffic only from the load balancer's security group on the container port", () => {
    const rule = prod.resource("aws_vpc_security_group_ingress_rule", "ingress_from_load_balancer");
    expect(rule).toMatchObject({ from_port: 80, to_port: 80, ip_protocol: "tcp" });
    expect(rule.referenced_security_group_id).toMatch(/aws_security_group\.load_balancer_security_group/);
    expect(rule.security_group_id).toMatch(/aws_security_group\.service_security_group/);
    expect(rule.cidr_ipv4).toBeUndefined();
  });
});

describe("application environments: the target group", () => {
  const group = prod.resource("aws_lb_target_group");

  it("registers tasks by IP on port 80", () => {
    expect(group).toMatchObject({ target_type: "ip", port: 80, protocol: "HTTP" });
  });

  it("checks / every 5 s and trusts a task after 2 healthy checks", () => {
    expect(group.health_check).toMatchObject({
      enabled: true,
      path: "/",
      interval: 5,
      healthy_threshold: 2,
      timeout: 4,
    });
  });

  it("drains a stopping task for 15 s, well under the 300 s default", () => {
    expect(group.deregistration_delay).toBe("15");
  });
});

describe("application environments: the task", () => {
  const task = prod.resource("aws_ecs_task_definition");
  const container = containerOf(prod);

  it("runs the sample from this account's Docker Hub cache in ECR, pinned by digest, on port 80", () => {
    expect(container.image).toMatch(
      /^\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}\.dkr\.ecr\.eu-central-1\.\$\{data\.aws_partition\.[\w-]+\.dns_suffix\}\/docker-hub\/traefik\/whoami@sha256:[0-9a-f]{64}$/,
    );
    expect(container.portMappings).toEqual([{ containerPort: 80, protocol: "tcp" }]);
  });

  it("runs as nobody with every capability dropped, binding port 80 through the unprivileged-port sysctl", () => {
    expect(container.user).toBe("65534:65534");
    expect(container.linuxParameters).toEqual({ capabilities: { drop: ["ALL"] } });
    expect(container.systemControls).toEqual([{ namespace: "net.ipv4.ip_unprivileged_port_start", value: "80" }]);
  });

  it("sets no sysctl for a port above 1023, and refuses root", () => {
    const vars = copyVars();
    const service = vars.environments.prod.service;
    if (!service) throw new Error("prod has no service");
    service.containerPort = 8080;
    const unprivileged = containerOf(synthPlatform(vars).stack("prod"));
    expect(unprivileged.systemControls).toBeUndefined();
    service.user = "0:0";
    expect(() => synthPlatform(vars)).toThrow(/user 0:0 is root/);
  });

  it("is a Fargate task in the family and with the container name the deploy script uses", () => {
    expect(task).toMatchObject({
      family: "connected-express-prod-frontend",
      network_mode: "awsvpc",
      requires_compatibilities: ["FARGATE"],
      cpu: "256",
      memory: "512",
    });
    expect(container.name).toBe("frontend");
  });

  it("keeps the root filesystem read-only and unprivileged; the sample writes nothing, so no volume", () => {
    expect(container).toMatchObject({ readonlyRootFilesystem: true, privileged: false, mountPoints: [] });
    expect(task.volume ?? []).toEqual([]);
  });

  it("mounts a writable volume for each of service.writablePaths", () => {
    const vars = copyVars();
    const service = vars.environments.prod.service;
    if (!service) throw new Error("prod has no service");
    service.writablePaths = ["/var/cache/nginx", "/tmp"];
    const stack = synthPlatform(vars).stack("prod");
    expect(containerOf(stack).mountPoints.map((mount: Json) => mount.containerPath)).toEqual([
      "/var/cache/nginx",
      "/tmp",
    ]);
    expect(stack.resource("aws_ecs_task_definition").volume.map((volume: Json) => volume.name)).toEqual([
      "var-cache-nginx",
      "tmp",
    ]);
  });

  it("sends logs with awslogs to an encrypted log group kept for the environment's retention", () => {
    expect(container.logConfiguration.logDriver).toBe("awslogs");
    expect(container.logConfiguration.options["awslogs-group"]).toMatch(/aws_cloudwatch_log_group\..*\.name/);
    expect(prod.resource("aws_cloudwatch_log_group", "task/logs/log_group")).toMatchObject({
      name: "/connected-express/prod/frontend",
      retention_in_days: 365,
      kms_key_id: expect.stringMatching(/aws_kms_key/),
    });
    expect(dev.resource("aws_cloudwatch_log_group", "task/logs/log_group").retention_in_days).toBe(14);
  });

  it("runs with separate execution and task roles named by the naming contract", () => {
    const names = prod.resourceList("aws_iam_role").map((role) => role.name);
    expect(names.sort()).toEqual(["connected-express-prod-frontend-task", "connected-express-prod-task-execution"]);
    expect(task.execution_role_arn).not.toEqual(task.task_role_arn);
  });

  it("lets the execution role pull only from the ECR repository and the Docker Hub cache, and write only its log group", () => {
    const statements: Json[] = JSON.parse(prod.resource("aws_iam_role_policy").policy).Statement;
    const byId = Object.fromEntries(statements.map((statement) => [statement.Sid, statement]));
    expect(byId.EcrLogin).toMatchObject({ Action: "ecr:GetAuthorizationToken", Resource: "*" });
    expect(byId.PullFromTheServiceRepository.Resource).toMatch(/aws_ecr_repository.*arn/);
    expect(byId.PullThroughTheDockerHubCache.Resource).toMatch(
      /:ecr:eu-central-1:\$\{.*\}:repository\/docker-hub\/\*$/,
    );
    expect(byId.PullThroughTheDockerHubCache.Action).toContain("ecr:BatchImportUpstreamImage");
    expect(byId.WriteServiceLogs.Resource).toMatch(/aws_cloudwatch_log_group\..*\.arn\}:\*$/);
    expect(statements).toHaveLength(4);
  });
});

describe("application environments: the service", () => {
  it("runs `frontend` on Fargate in the cluster with Container Insights", () => {
    expect(prod.resource("aws_ecs_cluster")).toMatchObject({
      name: "connected-express-prod",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    expect(prod.resource("aws_ecs_service")).toMatchObject({ name: "frontend", launch_type: "FARGATE" });
  });

  it("runs two tasks in prod and one in dev", () => {
    expect(prod.resource("aws_ecs_service").desired_count).toBe(2);
    expect(dev.resource("aws_ecs_service").desired_count).toBe(1);
  });

  it("spreads prod's tasks over the private subnets of both AZs, without public IPs", () => {
    const service = prod.resource("aws_ecs_service");
    expect(service.network_configuration.assign_public_ip).toBe(false);
    expect(service.network_configuration.subnets).toEqual([
      expect.stringMatching(/network_prod_private_eu-central-1a/),
      expect.stringMatching(/network_prod_private_eu-central-1b/),
    ]);
    expect(service.availability_zone_rebalancing).toBe("ENABLED");
  });

  it("starts new tasks before stopping old ones and rolls a failed deployment back", () => {
    expect(prod.resource("aws_ecs_service")).toMatchObject({
      deployment_minimum_healthy_percent: 100,
      deployment_maximum_percent: 200,
      deployment_circuit_breaker: { enable: true, rollback: true },
      deployment_configuration: { strategy: "ROLLING" },
      health_check_grace_period_seconds: 30,
    });
  });

  it("leaves the image and the autoscaled count to the deploy script and autoscaling", () => {
    expect(prod.resource("aws_ecs_service").lifecycle.ignore_changes).toEqual(["task_definition", "desired_count"]);
  });

  it("sends the load balancer's traffic to the frontend container on port 80", () => {
    const [loadBalancer] = prod.resource("aws_ecs_service").load_balancer;
    expect(loadBalancer).toMatchObject({ container_name: "frontend", container_port: 80 });
    expect(loadBalancer.target_group_arn).toMatch(/aws_lb_target_group\..*\.arn/);
    expect(prod.resource("aws_ecs_service").depends_on).toEqual([expect.stringMatching(/^aws_lb_listener\./)]);
  });

  it("scales prod between 2 and 6 tasks and dev between 1 and 2 on CPU", () => {
    expect(prod.resource("aws_appautoscaling_target")).toMatchObject({
      min_capacity: 2,
      max_capacity: 6,
      scalable_dimension: "ecs:service:DesiredCount",
      service_namespace: "ecs",
      resource_id: expect.stringMatching(/^service\/\$\{aws_ecs_cluster\.cluster\.name\}\/\$\{aws_ecs_service\./),
    });
    expect(dev.resource("aws_appautoscaling_target")).toMatchObject({ min_capacity: 1, max_capacity: 2 });
    const policy = prod.resource("aws_appautoscaling_policy");
    expect(policy.policy_type).toBe("TargetTrackingScaling");
    expect(policy.target_tracking_scaling_policy_configuration).toMatchObject({
      target_value: 60,
      predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
    });
  });

  it("outputs the cluster, service, task family, container name and public URL for the deploy script", () => {
    expect(prod.json.output).toEqual({
      cluster_name: { value: terraform("aws_ecs_cluster.cluster.name") },
      service_name: { value: expect.stringMatching(/^\$\{aws_ecs_service\..*\.name\}$/) },
      task_family: { value: expect.stringMatching(/^\$\{aws_ecs_task_definition\..*\.family\}$/) },
      container_name: { value: "frontend" },
      service_url: { value: "https://prod.connected.express/" },
    });
  });
});

describe("application environments: the web application firewall", () => {
  it("puts AWS's managed rule groups in front of the load balancer, counting anonymous IPs without blocking them", () => {
    const acl = prod.resource("aws_wafv2_web_acl");
    expect(acl).toMatchObject({ scope: "REGIONAL", default_action: { allow: {} } });
    const [rateLimit, ...managed] = acl.rule;
    expect(rateLimit).toMatchObject({
      priority: 0,
      action: { block: {} },
      statement: { rate_based_statement: { limit: 2000, aggregate_key_type: "IP" } },
    });
    const modes = Object.fromEntries(
      managed.map((rule: Json) => [
        rule.statement.managed_rule_group_statement.name,
        Object.keys(rule.override_action)[0],
      ]),
    );
    expect(modes).toEqual({
      AWSManagedRulesAmazonIpReputationList: "none",
      AWSManagedRulesKnownBadInputsRuleSet: "none",
      AWSManagedRulesCommonRuleSet: "none",
      AWSManagedRulesAnonymousIpList: "count",
    });
    const association = prod.resource("aws_wafv2_web_acl_association");
    expect(association.resource_arn).toMatch(/aws_lb\.load_balancer_.*\.arn/);
    expect(association.web_acl_arn).toMatch(/aws_wafv2_web_acl\..*\.arn/);
  });

  it("logs every WAF decision to an encrypted aws-waf-logs- group", () => {
    const logging = prod.resource("aws_wafv2_web_acl_logging_configuration");
    expect(logging.log_destination_configs).toEqual([
      expect.stringMatching(/aws_cloudwatch_log_group\.load_balancer_web_acl_logs/),
    ]);
    expect(prod.resource("aws_cloudwatch_log_group", "web_acl/logs/log_group").name).toBe(
      "aws-waf-logs-connected-express-prod",
    );
  });
});
