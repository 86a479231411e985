import { describe, expect, it } from "vitest";
import type { Json } from "../support/synth";
import { copyOf, failures, failuresInPlatform, results } from "./broken-copy";

/** Changes the statements of the IAM policy (inline or managed) of `stack` whose name contains `part`. */
function editPolicy(stack: Json, part: string, edit: (statements: Json[]) => void): void {
  const matches = ["aws_iam_role_policy", "aws_iam_policy"].flatMap((type) =>
    Object.entries<Json>(stack.resource[type] ?? {}).filter(([name]) => name.includes(part)),
  );
  expect(matches).toHaveLength(1);
  const [, body] = matches[0];
  const document = JSON.parse(body.policy);
  edit(document.Statement);
  body.policy = JSON.stringify(document);
}
const bySid = (statements: Json[], sid: string) => statements.find((statement) => statement.Sid === sid) as Json;

describe("IAM rules hold on the platform and fail on a deliberately widened copy", () => {
  it("CX_IAM_2 passes every stack: each UpdateService grant names its service and its own family", () => {
    expect(failuresInPlatform("CX_IAM_2")).toEqual([]);
    expect(results("CX_IAM_2", copyOf("mgmt"))).toHaveLength(2); // the build agent's rollouts, prod's deploy agent
  });

  it.each([
    [
      "without the family condition",
      (s: Json) => delete s.Condition,
      /without the ecs:task-definition family condition/,
    ],
    [
      "with a family wildcard",
      (s: Json) => {
        s.Condition.ArnLike["ecs:task-definition"] = s.Condition.ArnLike["ecs:task-definition"].replace(
          /dev-frontend:\*$/,
          "*:*",
        );
      },
      /lets any family through/,
    ],
    [
      "on every service of a cluster",
      (s: Json) => {
        s.Resource = [String(s.Resource[0]).replace(/frontend$/, "*")];
      },
      /beyond named services/,
    ],
  ])("CX_IAM_2 fails on an UpdateService grant %s", (_name, edit, message) => {
    const mgmt = copyOf("mgmt");
    editPolicy(mgmt, "jenkins_build_agent_rollouts", (statements) => edit(bySid(statements, "RollOutDev")));
    expect(failures("CX_IAM_2", mgmt).map((r) => r.message)).toEqual([expect.stringMatching(message)]);
  });

  it("CX_IAM_2 fails on ecs:* granted to a role that had no rollout", () => {
    const mgmt = copyOf("mgmt");
    editPolicy(mgmt, "terraform_plan_role_state_access", (statements) => {
      statements.push({ Effect: "Allow", Action: "ecs:*", Resource: "*" });
    });
    expect(failures("CX_IAM_2", mgmt)).toEqual([
      expect.objectContaining({ resource: expect.stringMatching(/terraform_plan_role_state_access/) }),
    ]);
  });

  it("CX_IAM_3 passes every stack: only the plan role reads the state", () => {
    expect(failuresInPlatform("CX_IAM_3")).toEqual([]);
    const checked = results("CX_IAM_3", copyOf("mgmt")).map((r) => r.resource);
    expect(checked).toContainEqual(expect.stringMatching(/jenkins_build_agent_host_role/));
    expect(checked).not.toContainEqual(expect.stringMatching(/terraform_plan_role/));
  });

  it("CX_IAM_3 fails on a Jenkins role that reads the state, or holds ReadOnlyAccess", () => {
    const read = copyOf("mgmt");
    editPolicy(read, "jenkins_deploy_agent_prod_role_policy", (statements) => {
      statements.push({
        Effect: "Allow",
        Action: ["s3:Get*"],
        Resource: ["arn:aws:s3:::connected-express-terraform-state/*"],
      });
    });
    expect(failures("CX_IAM_3", read)).toEqual([
      expect.objectContaining({
        resource: expect.stringMatching(/jenkins_deploy_agent_prod_host_role/),
        message: expect.stringMatching(/reads the state/),
      }),
    ]);
    const managed = copyOf("mgmt");
    const controller = Object.keys(managed.resource.aws_iam_role).find((name) => name.startsWith("jenkins_host_role"));
    managed.resource.aws_iam_role_policy_attachment.jenkins_read_only = {
      role: `\${aws_iam_role.${controller}.name}`,
      policy_arn: "arn:aws:iam::aws:policy/ReadOnlyAccess",
    };
    expect(failures("CX_IAM_3", managed).map((r) => r.message)).toEqual([expect.stringMatching(/ReadOnlyAccess/)]);
  });
});
