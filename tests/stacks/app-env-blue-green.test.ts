import { describe, expect, it } from "vitest";
import type { ServiceVars } from "../../config/schema";
import { copyVars, type Json, synthPlatform } from "../support/synth";

/** prod switched to native ECS blue/green, optionally with a test listener. */
function blueGreenProd(extra: Partial<ServiceVars> = {}) {
  const vars = copyVars();
  const prodService = vars.environments.prod.service as ServiceVars;
  vars.environments.prod.service = { ...prodService, deployment: "blue-green", blueGreenBakeTimeMinutes: 10, ...extra };
  return synthPlatform(vars).stack("prod");
}

describe("application environments: the blue/green variant", () => {
  const prod = blueGreenProd({ blueGreenTestListenerPort: 8443 });
  const service = prod.resource("aws_ecs_service");
  const [loadBalancer] = service.load_balancer;

  it("uses ECS's native BLUE_GREEN strategy with the environment's bake time", () => {
    expect(service.deployment_configuration).toEqual({ strategy: "BLUE_GREEN", bake_time_in_minutes: "10" });
    expect(service.deployment_controller).toEqual({ type: "ECS" });
  });

  it("has two IP target groups with the same health check, blue for production and green as the alternate", () => {
    const groups = prod.resourceList("aws_lb_target_group");
    expect(groups.map((group) => group.name).sort()).toEqual([
      "connected-express-prod-blue",
      "connected-express-prod-green",
    ]);
    for (const group of groups) {
      expect(group).toMatchObject({ target_type: "ip", port: 80, deregistration_delay: "15" });
      expect(group.health_check).toMatchObject({ path: "/", interval: 5, healthy_threshold: 2 });
    }
    expect(loadBalancer.target_group_arn).toMatch(/aws_lb_target_group\.target_groups_blue_/);
    expect(loadBalancer.advanced_configuration.alternate_target_group_arn).toMatch(
      /aws_lb_target_group\.target_groups_green_/,
    );
  });

  it("lets ECS switch a plain forward production rule on the HTTPS listener, whose weights Terraform ignores", () => {
    const rule = prod.resource("aws_lb_listener_rule", "production_listener_rule");
    expect(loadBalancer.advanced_configuration.production_listener_rule).toMatch(
      /aws_lb_listener_rule\.load_balancer_production_listener_rule_.*\.arn/,
    );
    expect(rule.listener_arn).toMatch(/aws_lb_listener\.load_balancer_https_listener_/);
    expect(rule.action).toEqual([
      {
        type: "forward",
        forward: {
          target_group: [
            { arn: expect.stringMatching(/target_groups_blue_/), weight: 100 },
            { arn: expect.stringMatching(/target_groups_green_/), weight: 0 },
          ],
        },
      },
    ]);
    expect(rule.lifecycle.ignore_changes).toEqual(["action"]);
  });

  it("gives ECS a role with the managed load-balancer policy to move the weights", () => {
    expect(loadBalancer.advanced_configuration.role_arn).toMatch(/aws_iam_role\.service_blue_green_role_.*\.arn/);
    const role = prod.resource("aws_iam_role", "blue_green_role");
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal).toEqual({ Service: "ecs.amazonaws.com" });
    expect(prod.resource("aws_iam_role_policy_attachment").policy_arn).toMatch(
      /:iam::aws:policy\/AmazonECSInfrastructureRolePolicyForLoadBalancers$/,
    );
  });

  it("serves the green revision on a test listener that only admin networks reach", () => {
    const test = prod.resourceList("aws_lb_listener").find((listener) => listener.port === 8443);
    expect(test).toMatchObject({ protocol: "HTTPS", ssl_policy: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06" });
    expect(loadBalancer.advanced_configuration.test_listener_rule).toMatch(/load_balancer_test_listener_rule_/);
    const testIngress = prod
      .resourceList("aws_vpc_security_group_ingress_rule")
      .filter((rule: Json) => rule.from_port === 8443);
    expect(testIngress.map((rule: Json) => rule.cidr_ipv4)).toEqual(["203.0.113.0/24"]);
  });

  it("keeps every old task until the new ones are healthy and rolls back on failure", () => {
    expect(service).toMatchObject({
      deployment_minimum_healthy_percent: 100,
      deployment_circuit_breaker: { enable: true, rollback: true },
    });
    expect(service.lifecycle.ignore_changes).toContain("task_definition");
  });

  it("has no test listener unless the environment asks for one", () => {
    const withoutTest = blueGreenProd();
    expect(
      withoutTest
        .resourceList("aws_lb_listener")
        .map((listener) => listener.port)
        .sort(),
    ).toEqual([443, 80]);
    expect(
      withoutTest.resource("aws_ecs_service").load_balancer[0].advanced_configuration.test_listener_rule,
    ).toBeUndefined();
  });
});

describe("application environments: the rolling default", () => {
  it("has one target group and no listener rule for ECS to switch", () => {
    const prod = synthPlatform(copyVars()).stack("prod");
    expect(prod.resourceList("aws_lb_target_group")).toHaveLength(1);
    expect(prod.resourceList("aws_lb_listener_rule")).toHaveLength(0);
    expect(prod.resource("aws_ecs_service").load_balancer[0].advanced_configuration).toBeUndefined();
  });
});
