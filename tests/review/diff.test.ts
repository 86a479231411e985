/**
 * pnpm diff's comparison on real synthesized stacks: copies of the platform's cdk.tf.json, changed
 * the way a pull request would change them, or synthesized again from changed vars.
 */
import { describe, expect, it } from "vitest";
import { selectStacks } from "../../scripts/review/change";
import { diffStacks } from "../../scripts/review/diff";
import { copyVars } from "../support/synth";
import { changeOf, only, realStacks, stacksWithEnvironment } from "./support/stacks";

const DEV_SUBNET = "aws_subnet.network_dev_private_eu-central-1a_51E78EFE";
const DEV_ASSOCIATION = "aws_route_table_association.network_dev_private_association_eu-central-1a_E8B8DE59";

describe("pnpm diff: stacks and actions", () => {
  it("calls every stack unchanged when nothing changed, with no hazard", () => {
    const report = diffStacks(realStacks(), realStacks());

    expect(report.stacks.map((stack) => [stack.stack, stack.change])).toEqual([
      ["global", "unchanged"],
      ["network", "unchanged"],
      ["dev", "unchanged"],
      ["mgmt", "unchanged"],
      ["prod", "unchanged"],
    ]);
    expect(report.hazards).toEqual([]);
  });

  it("calls a new environment's stack added, every resource in it a create", () => {
    const head = stacksWithEnvironment("canary", "# Canary.\ncidr: 10.0.64.0/20\nservice:\n  desiredCount: 1\n");
    const canary = diffStacks(realStacks(), head).stacks.find((stack) => stack.stack === "canary");

    expect(canary?.change).toBe("added");
    expect(new Set(canary?.resources.map((resource) => resource.action))).toEqual(new Set(["create"]));
    expect(canary?.resources).toHaveLength(Object.values<object>(head.canary.resource).flatMap(Object.keys).length);
  });

  it("calls a stack whose environment file is gone removed, every resource in it a delete", () => {
    const base = realStacks();
    const head = realStacks();
    delete head.prod;
    const prod = diffStacks(base, head).stacks.find((stack) => stack.stack === "prod");

    expect(prod?.change).toBe("removed");
    expect(new Set(prod?.resources.map((resource) => resource.action))).toEqual(new Set(["delete"]));
    expect(prod?.hazards).toEqual(expect.arrayContaining(["destroy", "data-loss"]));
  });

  it("replaces the ECR repository when its name changes, with the replace and data-loss hazards", () => {
    const vars = copyVars();
    vars.ecr.repositoryName = "web";
    const global = diffStacks(realStacks(), realStacks(vars)).stacks.find((stack) => stack.stack === "global");

    expect(changeOf(global, "aws_ecr_repository.frontend_repository")).toMatchObject({
      action: "replace",
      attributes: ["name"],
      hazards: ["replace", "data-loss"],
      changes: [{ path: "name", before: '"frontend"', after: '"web"', forcesReplacement: true }],
    });
  });

  it("updates an argument in place when the table says it can change in place", () => {
    const base = realStacks();
    const head = realStacks();
    const [name, repository] = only(head, "global", "aws_ecr_repository");
    repository.image_tag_mutability = "MUTABLE";

    expect(changeOf(diffStacks(base, head).stacks[0], `aws_ecr_repository.${name}`)).toMatchObject({
      action: "update",
      attributes: ["image_tag_mutability"],
      hazards: [],
    });
  });

  it("replaces what refers to a replaced resource's id through an argument that forces replacement", () => {
    const base = realStacks();
    const head = realStacks();
    head.network.resource.aws_subnet[DEV_SUBNET.split(".")[1]].cidr_block = "10.0.30.0/23";
    const network = diffStacks(base, head).stacks.find((stack) => stack.stack === "network");

    expect(changeOf(network, DEV_SUBNET)?.action).toBe("replace");
    expect(changeOf(network, DEV_ASSOCIATION)).toMatchObject({
      action: "replace",
      changes: [
        expect.objectContaining({ path: "subnet_id", after: `(known after apply: ${DEV_SUBNET} is replaced)` }),
      ],
    });
  });

  it("carries a replaced subnet into the stacks that read it, through the network stack's outputs", () => {
    const base = realStacks();
    const head = realStacks();
    head.network.resource.aws_subnet[DEV_SUBNET.split(".")[1]].cidr_block = "10.0.30.0/23";
    const report = diffStacks(base, head);
    const dev = report.stacks.find((stack) => stack.stack === "dev");
    const [service] = only(head, "dev", "aws_ecs_service");

    expect(report.stacks.find((stack) => stack.stack === "network")?.outputs).toContainEqual({
      name: expect.stringContaining("network_dev_private_eu-central-1a"),
      action: "update",
    });
    expect(changeOf(dev, `aws_ecs_service.${service}`)).toMatchObject({
      action: "update",
      attributes: ["network_configuration"],
    });
    expect(report.stacks.find((stack) => stack.stack === "prod")?.change).toBe("unchanged");
  });

  it("follows a moved block: the object changes address instead of being destroyed", () => {
    const base = realStacks();
    const head = realStacks();
    const [name, repository] = only(head, "global", "aws_ecr_repository");
    delete head.global.resource.aws_ecr_repository[name];
    head.global.resource.aws_ecr_repository.images = repository;
    head.global.moved = [{ from: `aws_ecr_repository.${name}`, to: "aws_ecr_repository.images" }];
    const global = diffStacks(base, head).stacks[0];

    expect(changeOf(global, "aws_ecr_repository.images")).toMatchObject({
      action: "update",
      movedFrom: `aws_ecr_repository.${name}`,
      hazards: [],
    });
    expect(changeOf(global, `aws_ecr_repository.${name}`)).toBeUndefined();
  });

  it("ignores cdktf's metadata and depends_on, which change nothing in the plan", () => {
    const base = realStacks();
    const head = realStacks();
    const [, service] = only(head, "dev", "aws_ecs_service");
    service["//"].metadata.path = "dev/elsewhere/service";
    service.depends_on = [];

    expect(diffStacks(base, head).stacks.find((stack) => stack.stack === "dev")?.change).toBe("unchanged");
  });

  it("names a changed output, and the outputs a new stack adds", () => {
    const base = realStacks();
    const head = realStacks();
    head.dev.output.service_url.value = "https://www.dev.connected.express/";

    expect(diffStacks(base, head).stacks.find((stack) => stack.stack === "dev")?.outputs).toEqual([
      { name: "service_url", action: "update" },
    ]);
  });

  it("keeps only the stacks asked for, and refuses an unknown one listing the valid names", () => {
    const report = diffStacks(realStacks(), realStacks());

    expect(selectStacks(report, ["dev"]).stacks.map((stack) => stack.stack)).toEqual(["dev"]);
    expect(() => selectStacks(report, ["qa"])).toThrow(/--stack qa: .*Valid: global, network, dev, mgmt, prod/);
  });
});
