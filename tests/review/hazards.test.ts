/**
 * The hazards pnpm diff names, each proven on a copy of the real synthesized stacks changed the way
 * a pull request could change them.
 */
import { describe, expect, it } from "vitest";
import { diffStacks, type StackDiff } from "../../scripts/review/diff";
import { copyVars } from "../support/synth";
import { changeOf, only, realStacks, stacksWithEnvironment } from "./support/stacks";

const JENKINS_POLICY = "aws_iam_role_policy.jenkins_build_agent_role_policy_3E2CC2D0";
const BUILD_AGENT_ROLLOUTS = "aws_iam_policy.jenkins_build_agent_rollouts_policy_F703FCD4";

function stackOf(report: ReturnType<typeof diffStacks>, name: string): StackDiff {
  const stack = report.stacks.find((candidate) => candidate.stack === name);
  if (!stack) throw new Error(`no stack ${name} in the report`);
  return stack;
}

const reasonsOf = (diff: StackDiff, address: string, hazard: string) =>
  changeOf(diff, address)
    ?.reasons.filter((reason) => reason.hazard === hazard)
    .map((reason) => reason.reason) ?? [];

describe("hazard: destroy and data-loss", () => {
  it("names a deleted resource a destroy, and nothing more when it holds no data", () => {
    const base = realStacks();
    const head = realStacks();
    const [name] = only(head, "global", "aws_ecr_lifecycle_policy");
    delete head.global.resource.aws_ecr_lifecycle_policy[name];

    expect(changeOf(stackOf(diffStacks(base, head), "global"), `aws_ecr_lifecycle_policy.${name}`)?.hazards).toEqual([
      "destroy",
    ]);
  });

  it("names a deleted Jenkins data volume data-loss, and says its prevent_destroy will stop the apply", () => {
    const base = realStacks();
    const head = realStacks();
    const [name] = only(head, "mgmt", "aws_ebs_volume");
    delete head.mgmt.resource.aws_ebs_volume[name];
    const mgmt = stackOf(diffStacks(base, head), "mgmt");

    expect(changeOf(mgmt, `aws_ebs_volume.${name}`)?.hazards).toEqual(["destroy", "data-loss"]);
    expect(reasonsOf(mgmt, `aws_ebs_volume.${name}`, "data-loss")[0]).toMatch(/prevent_destroy/);
  });

  it("names a replaced hosted zone data-loss: its records and delegation go", () => {
    const base = realStacks();
    const head = realStacks();
    head.global.resource.aws_route53_zone.dev_zone.name = "development.connected.express";
    const global = stackOf(diffStacks(base, head), "global");

    expect(changeOf(global, "aws_route53_zone.dev_zone")?.hazards).toEqual(["replace", "data-loss"]);
  });

  it("names a moved state backend data-loss for the stack", () => {
    const base = realStacks();
    const head = realStacks();
    head.dev.terraform.backend.s3.key = "connected-express/development/terraform.tfstate";
    const dev = stackOf(diffStacks(base, head), "dev");

    expect(dev.hazards).toEqual(["data-loss"]);
    expect(dev.backend.reasons[0].reason).toMatch(/state backend moves \(key\)/);
  });
});

describe("hazard: security", () => {
  it("names an ingress rule that opens a port to 0.0.0.0/0", () => {
    const base = realStacks();
    const head = realStacks();
    head.mgmt.resource.aws_vpc_security_group_ingress_rule.ssh_from_anywhere = {
      cidr_ipv4: "0.0.0.0/0",
      from_port: 22,
      to_port: 22,
      ip_protocol: "tcp",
      security_group_id: `\${aws_security_group.bastion_host_security_group_0FA6F513.id}`,
    };
    const mgmt = stackOf(diffStacks(base, head), "mgmt");

    expect(reasonsOf(mgmt, "aws_vpc_security_group_ingress_rule.ssh_from_anywhere", "security")).toEqual([
      "opens tcp port 22 to 0.0.0.0/0 (the whole internet)",
    ]);
  });

  it("names a new admin network as widened ingress of the existing bastion group", () => {
    const vars = copyVars();
    vars.adminCidrs = [...vars.adminCidrs, "198.51.100.0/24"];
    const mgmt = stackOf(diffStacks(realStacks(), realStacks(vars)), "mgmt");
    const widened = mgmt.resources.filter(
      (resource) => resource.action === "create" && resource.hazards.includes("security"),
    );

    expect(widened.map((resource) => resource.reasons[0].reason)).toContain(
      "ingress widens: tcp port 22 from 198.51.100.0/24",
    );
  });

  it("does not call the rules of a new environment's own security groups widened, except what opens to the internet", () => {
    const head = stacksWithEnvironment("canary", "# Canary.\ncidr: 10.0.64.0/20\nservice:\n  desiredCount: 1\n");
    const canary = stackOf(diffStacks(realStacks(), head), "canary");
    const reasons = canary.resources.flatMap((resource) => resource.reasons.map((reason) => reason.reason));

    expect(reasons.filter((reason) => reason.startsWith("ingress widens"))).toEqual([]);
    expect(reasons).toContain("opens tcp port 443 to 0.0.0.0/0 (the whole internet)");
  });

  it("names an IAM statement that gains resources: a new environment's services for the build agent's role", () => {
    const head = stacksWithEnvironment("canary", "# Canary.\ncidr: 10.0.64.0/20\nservice:\n  desiredCount: 1\n");
    const mgmt = stackOf(diffStacks(realStacks(), head), "mgmt");

    expect(reasonsOf(mgmt, BUILD_AGENT_ROLLOUTS, "security")).toContainEqual(
      expect.stringMatching(/RollOutCanary gains ecs:UpdateService on .*canary\/frontend/),
    );
    // A grant kept, its condition widened to the new environment: worth a look too.
    expect(reasonsOf(mgmt, JENKINS_POLICY, "security")).toContainEqual(
      "`policy` RegisterTaskDefinitionsTaggedForOwnEnvironments changes its condition " +
        "(StringEquals aws:RequestTag/environment adds canary): ecs:RegisterTaskDefinition on *",
    );
  });

  it("names an IAM statement that gains an action", () => {
    const base = realStacks();
    const head = realStacks();
    const policy = head.mgmt.resource.aws_iam_role_policy[JENKINS_POLICY.split(".")[1]];
    const document = JSON.parse(policy.policy);
    document.Statement[0].Action = [...[document.Statement[0].Action].flat(), "ecr:DeleteRepository"];
    policy.policy = JSON.stringify(document);

    expect(reasonsOf(stackOf(diffStacks(base, head), "mgmt"), JENKINS_POLICY, "security")).toEqual([
      expect.stringMatching(/gains ecr:DeleteRepository on \*/),
    ]);
  });

  it("names an IAM statement that loses its condition: UpdateService without the family condition", () => {
    const base = realStacks();
    const head = realStacks();
    const policy = head.mgmt.resource.aws_iam_policy[BUILD_AGENT_ROLLOUTS.split(".")[1]];
    const document = JSON.parse(policy.policy);
    const rollOutDev = document.Statement.find((statement: { Sid: string }) => statement.Sid === "RollOutDev");
    delete rollOutDev.Condition;
    policy.policy = JSON.stringify(document);

    expect(reasonsOf(stackOf(diffStacks(base, head), "mgmt"), BUILD_AGENT_ROLLOUTS, "security")).toEqual([
      expect.stringMatching(
        /^`policy` RollOutDev loses its condition \(drops ArnLike ecs:task-definition arn:.*-dev-frontend:\*\): ecs:UpdateService on .*dev\/frontend$/,
      ),
    ]);
  });

  it("names an IAM statement whose condition changes, and nothing for the same condition written in another key order", () => {
    /** The real stacks, the build agent's RegisterTaskDefinition statement given `condition`. */
    const withCondition = (condition: object) => {
      const stacks = realStacks();
      const policy = stacks.mgmt.resource.aws_iam_role_policy[JENKINS_POLICY.split(".")[1]];
      const document = JSON.parse(policy.policy);
      document.Statement.find(
        (statement: { Sid: string }) => statement.Sid === "RegisterTaskDefinitionsTaggedForOwnEnvironments",
      ).Condition = condition;
      policy.policy = JSON.stringify(document);
      return stacks;
    };
    const base = realStacks();
    const head = withCondition({ StringLike: { "aws:RequestTag/environment": "*" } });
    // The same two-operator condition, its keys and values in other orders: no change to name.
    const viaService = { "aws:ViaAWSService": "false" };
    const oneOrder = withCondition({ StringEquals: { "aws:RequestTag/environment": ["dev", "qa"] }, Bool: viaService });
    const otherOrder = withCondition({
      Bool: viaService,
      StringEquals: { "aws:RequestTag/environment": ["qa", "dev"] },
    });

    expect(reasonsOf(stackOf(diffStacks(base, head), "mgmt"), JENKINS_POLICY, "security")).toEqual([
      expect.stringMatching(
        /RegisterTaskDefinitionsTaggedForOwnEnvironments changes its condition \(drops StringEquals aws:RequestTag\/environment dev; adds StringLike aws:RequestTag\/environment \*\): ecs:RegisterTaskDefinition on \*$/,
      ),
    ]);
    expect(reasonsOf(stackOf(diffStacks(oneOrder, otherOrder), "mgmt"), JENKINS_POLICY, "security")).toEqual([]);
    expect(reasonsOf(stackOf(diffStacks(oneOrder, head), "mgmt"), JENKINS_POLICY, "security")).toHaveLength(1);
  });

  it("names a TLS listener moved to an outdated policy, and encryption turned off", () => {
    const base = realStacks();
    const head = realStacks();
    head.dev.resource.aws_lb_listener.load_balancer_https_listener_DFE05E32.ssl_policy = "ELBSecurityPolicy-2016-08";
    head.mgmt.resource.aws_ebs_volume.jenkins_data_volume_5DC42A80.encrypted = false;
    const report = diffStacks(base, head);

    expect(
      reasonsOf(stackOf(report, "dev"), "aws_lb_listener.load_balancer_https_listener_DFE05E32", "security"),
    ).toEqual([expect.stringMatching(/^TLS policy weakens: `ssl_policy` "ELBSecurityPolicy-TLS13/)]);
    expect(reasonsOf(stackOf(report, "mgmt"), "aws_ebs_volume.jenkins_data_volume_5DC42A80", "security")).toEqual([
      "turned off: `encrypted` true → false",
    ]);
  });
});

describe("hazard: availability (the zero-downtime rules of the stack tests)", () => {
  it("names a service that may stop old tasks before new ones serve", () => {
    const base = realStacks();
    const head = realStacks();
    const [name, service] = only(head, "prod", "aws_ecs_service");
    service.deployment_minimum_healthy_percent = 50;
    const prod = stackOf(diffStacks(base, head), "prod");

    expect(changeOf(prod, `aws_ecs_service.${name}`)?.hazards).toEqual(["availability"]);
    expect(reasonsOf(prod, `aws_ecs_service.${name}`, "availability")[0]).toMatch(
      /deployment_minimum_healthy_percent is 50/,
    );
  });

  it("names the target group whose draining outlasts the tasks' stop timeout, when the service itself is unchanged", () => {
    const base = realStacks();
    const head = realStacks();
    const [group, targetGroup] = only(head, "dev", "aws_lb_target_group");
    targetGroup.deregistration_delay = "300";
    const dev = stackOf(diffStacks(base, head), "dev");

    expect(changeOf(dev, `aws_lb_target_group.${group}`)?.hazards).toEqual(["availability"]);
  });

  it("names a zone that stops signing (DNSSEC) while its DS may still be published, and not the DS record's removal", () => {
    const base = realStacks();
    const head = realStacks();
    head.global.resource.aws_route53_hosted_zone_dnssec.prod_zone_dnssec.signing_status = "NOT_SIGNING";
    delete head.global.resource.aws_route53_key_signing_key.dev_zone_ksk;
    delete head.global.resource.aws_route53_record.mgmt_zone_ds;
    const global = stackOf(diffStacks(base, head), "global");

    expect(changeOf(global, "aws_route53_hosted_zone_dnssec.prod_zone_dnssec")?.hazards).toEqual(["availability"]);
    expect(reasonsOf(global, "aws_route53_hosted_zone_dnssec.prod_zone_dnssec", "availability")[0]).toMatch(
      /remove the DS first and wait its TTL/,
    );
    expect(changeOf(global, "aws_route53_key_signing_key.dev_zone_ksk")?.hazards).toEqual(["destroy", "availability"]);
    expect(changeOf(global, "aws_route53_record.mgmt_zone_ds")?.hazards).toEqual(["destroy"]);
  });

  it("names nothing when a zero-downtime setting gets stronger", () => {
    const base = realStacks();
    const head = realStacks();
    const [, service] = only(head, "prod", "aws_ecs_service");
    service.deployment_maximum_percent = 300;

    expect(diffStacks(base, head).hazards).toEqual([]);
  });
});

describe("secrets never reach the review", () => {
  it("masks the value of an attribute named like a secret, and of an environment entry named like one", () => {
    const base = realStacks();
    const head = realStacks();
    const [name, task] = only(head, "dev", "aws_ecs_task_definition");
    const containers = JSON.parse(task.container_definitions);
    containers[0].environment = [{ name: "DB_PASSWORD", value: "hunter2-very-secret" }];
    task.container_definitions = JSON.stringify(containers);
    const [, bucket] = only(head, "global", "aws_s3_bucket");
    bucket.api_token = "tok-abcdef";
    const text = JSON.stringify(diffStacks(base, head));

    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("tok-abcdef");
    expect(changeOf(stackOf(diffStacks(base, head), "dev"), `aws_ecs_task_definition.${name}`)?.changes).toContainEqual(
      expect.objectContaining({ path: "container_definitions[0].environment[0].value", after: "(sensitive)" }),
    );
  });
});
