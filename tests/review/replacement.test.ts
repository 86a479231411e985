/** The replacement table behind `replace`: it covers every resource type the stacks use. */
import { describe, expect, it } from "vitest";
import { MOVED_FILE } from "../../scripts/review/diff";
import { forcesReplacement, isCovered, REPLACEMENT_ATTRIBUTES } from "../../scripts/review/replacement";
import { MOVED_FILE as MOVED_FILE_WRITTEN } from "../../stacks/constructs/moved";
import { platform } from "../support/synth";

describe("the replacement table (scripts/review/replacement.ts)", () => {
  it("covers every resource type of every synthesized stack", () => {
    const types = new Set(Object.values(platform().stacks).flatMap((stack) => Object.keys(stack.json.resource ?? {})));
    const missing = [...types].filter((type) => !isCovered(type)).sort();

    expect(
      missing,
      `add these types to REPLACEMENT_ATTRIBUTES, from the AWS provider's docs: ${missing.join(", ")}`,
    ).toEqual([]);
  });

  it("says which changes force a replacement, as the AWS provider documents them", () => {
    expect(forcesReplacement("aws_subnet", "cidr_block")).toBe(true);
    expect(forcesReplacement("aws_nat_gateway", "subnet_id")).toBe(true);
    expect(forcesReplacement("aws_route_table_association", "subnet_id")).toBe(true);
    expect(forcesReplacement("aws_route_table_association", "route_table_id")).toBe(false);
    expect(forcesReplacement("aws_lb", "name")).toBe(true);
    expect(forcesReplacement("aws_ecs_cluster", "name")).toBe(true);
    expect(forcesReplacement("aws_ecr_repository", "name")).toBe(true);
    expect(forcesReplacement("aws_route53_zone", "name")).toBe(true);
    expect(forcesReplacement("aws_ebs_volume", "availability_zone")).toBe(true);
    expect(forcesReplacement("aws_ebs_volume", "size")).toBe(false);
  });

  it("reads nested paths and list indices: a root volume's encryption, not its size", () => {
    expect(forcesReplacement("aws_instance", "root_block_device.encrypted")).toBe(true);
    expect(forcesReplacement("aws_instance", "root_block_device.volume_size")).toBe(false);
    expect(forcesReplacement("aws_instance", "ebs_block_device[0].volume_size")).toBe(true);
  });

  it("replaces a task definition on any change but its tags, and never for a meta-argument", () => {
    expect(forcesReplacement("aws_ecs_task_definition", "container_definitions[0].image")).toBe(true);
    expect(forcesReplacement("aws_ecs_task_definition", "tags.owner")).toBe(false);
    expect(forcesReplacement("aws_ecs_task_definition", "lifecycle.create_before_destroy")).toBe(false);
  });

  it("lists each type once with names only (no paths into the unknown)", () => {
    for (const [type, entry] of Object.entries(REPLACEMENT_ATTRIBUTES)) {
      const names = "allBut" in entry ? entry.allBut : entry;
      expect(
        names.every((name) => /^[a-z0-9_]+(\.[a-z0-9_]+)*$/.test(name)),
        type,
      ).toBe(true);
    }
  });

  it("reads moves from the file stacks/constructs/moved.ts writes", () => {
    expect(MOVED_FILE).toBe(MOVED_FILE_WRITTEN);
  });
});
