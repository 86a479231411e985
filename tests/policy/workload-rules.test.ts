import { describe, expect, it } from "vitest";
import { evaluate } from "../../scripts/policy/rules";
import { type Json, platform } from "../support/synth";

/** prod's task definition, with its one container edited by `edit`; the results of CX_ECS_3 on it. */
function withContainer(edit: (container: Json) => void) {
  const stack = structuredClone(platform().stack("prod").json);
  const task = Object.values<Json>(stack.resource.aws_ecs_task_definition)[0];
  const containers = JSON.parse(task.container_definitions);
  edit(containers[0]);
  task.container_definitions = JSON.stringify(containers);
  const found = evaluate(stack).filter((result) => result.id === "CX_ECS_3");
  expect(found).toHaveLength(1);
  return found[0];
}

describe("CX_ECS_3: pinned ECR images, non-root, no capabilities, and a broken copy of each", () => {
  it("holds on every application environment", () => {
    for (const name of ["dev", "prod"]) {
      const found = evaluate(platform().stack(name).json).filter((result) => result.id === "CX_ECS_3");
      expect(found.map((result) => result.passed)).toEqual([true]);
    }
  });

  it.each([
    ["a Docker Hub tag", (c: Json) => Object.assign(c, { image: "nginxdemos/hello:latest" }), /not an ECR image/],
    [
      "an ECR image by tag",
      (c: Json) => Object.assign(c, { image: "123456789012.dkr.ecr.eu-central-1.amazonaws.com/frontend:42-abc1234-7" }),
      /not an ECR image pinned by digest/,
    ],
    [
      "another registry by digest",
      (c: Json) => Object.assign(c, { image: `ghcr.io/traefik/whoami@sha256:${"a".repeat(64)}` }),
      /not an ECR image/,
    ],
    ["no user (the image's, root)", (c: Json) => delete c.user, /runs as the image's user/],
    ["user root by name", (c: Json) => Object.assign(c, { user: "root" }), /runs as root/],
    ["uid 0 with a group", (c: Json) => Object.assign(c, { user: "0:101" }), /runs as 0:101/],
    ["capabilities kept", (c: Json) => delete c.linuxParameters, /drop ALL/],
    [
      "a capability added back",
      (c: Json) =>
        Object.assign(c, { linuxParameters: { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } } }),
      /adds NET_BIND_SERVICE/,
    ],
  ])("fails on %s", (_name, edit, message) => {
    const found = withContainer(edit as (container: Json) => void);
    expect(found.passed).toBe(false);
    expect(found.message).toMatch(message);
  });
});
