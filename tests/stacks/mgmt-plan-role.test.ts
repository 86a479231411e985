import { describe, expect, it } from "vitest";
import { stackOrder } from "../../config/roles";
import { vars as renderedVars } from "../../stacks/global/vars";
import { planRoleStatements } from "../../stacks/mgmt/plan-role";
import { copyVars, type Json, platform, type SynthesizedStack, synthPlatform } from "../support/synth";

const mgmt = platform().stack("mgmt");
const list = (value: unknown): string[] => [value].flat() as string[];

/** `${aws_iam_role.<name>.<attribute>}` of the one role whose construct path ends with `pathSuffix`. */
const roleReference = (stack: SynthesizedStack, pathSuffix: string, attribute: string) =>
  `${stack.referenceTo("aws_iam_role", pathSuffix)}${attribute}}`;

function inlineStatements(stack: SynthesizedStack): Json[] {
  return JSON.parse(stack.resource("aws_iam_role_policy", "terraform_plan_role/state_access").policy).Statement;
}

const planRoleName = roleReference(mgmt, "terraform_plan_role/role", "name");
const statements = inlineStatements(mgmt);

describe("mgmt: the read-only role terraform plan runs as", () => {
  it("is named after the project, as the infrastructure job expects", () => {
    expect(mgmt.resource("aws_iam_role", "terraform_plan_role/role").name).toBe("connected-express-terraform-plan");
  });

  it("can be assumed by the Jenkins build agent's role (the infrastructure job runs there) and by nothing else", () => {
    const trust = JSON.parse(mgmt.resource("aws_iam_role", "terraform_plan_role/role").assume_role_policy);
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { AWS: roleReference(mgmt, "jenkins_build_agent/host/role", "arn") },
        Action: "sts:AssumeRole",
      },
    ]);
  });

  it("reads everything through AWS's ReadOnlyAccess and has no other managed policy", () => {
    const attached = mgmt.resourceList("aws_iam_role_policy_attachment").filter((a) => a.role === planRoleName);
    expect(attached.map((attachment) => attachment.policy_arn)).toEqual([
      expect.stringMatching(/^arn:\$\{data\.aws_partition\.partition\.partition\}:iam::aws:policy\/ReadOnlyAccess$/),
    ]);
  });

  it("has one inline policy, which lists and reads the platform's folder of the state bucket and decrypts it", () => {
    const inline = mgmt.resourceList("aws_iam_role_policy").filter((policy) => policy.role === planRoleName);
    expect(inline).toHaveLength(1);
    const reads = statements.filter((statement) => !list(statement.Action).some((a) => /Put|Delete/.test(a)));
    expect(reads).toEqual([
      expect.objectContaining({
        Action: ["s3:ListBucket"],
        Resource: [expect.stringMatching(/:s3:::connected-express-terraform-state$/)],
        Condition: { StringLike: { "s3:prefix": ["connected-express/*"] } },
      }),
      expect.objectContaining({
        Action: ["s3:GetObject"],
        Resource: [expect.stringMatching(/:s3:::connected-express-terraform-state\/connected-express\/\*$/)],
      }),
      expect.objectContaining({
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: [
          expect.stringMatching(
            /^arn:\$\{data\.aws_partition\.partition\.partition\}:kms:eu-central-1:\$\{data\.aws_caller_identity\.account\.account_id\}:key\/\*$/,
          ),
        ],
        Condition: {
          "ForAnyValue:StringEquals": { "kms:ResourceAliases": ["alias/connected-express-terraform-state"] },
          StringEquals: { "kms:ViaService": "s3.eu-central-1.amazonaws.com" },
        },
      }),
    ]);
  });

  it("writes nothing but the lock object of each stack's state", () => {
    const writes = statements.filter((statement) => list(statement.Action).some((a) => /Put|Delete/.test(a)));
    expect(writes).toHaveLength(1);
    expect(list(writes[0].Action).sort()).toEqual(["s3:DeleteObject", "s3:PutObject"]);
    const keys = list(writes[0].Resource).map((arn) => arn.split(":::connected-express-terraform-state/")[1]);
    expect(keys).toEqual(
      ["global", "network", "mgmt", "dev", "prod"].map(
        (stack) => `connected-express/${stack}/terraform.tfstate.tflock`,
      ),
    );
  });

  it("allows only Allow statements on S3 and KMS actions, without wildcards or negations", () => {
    for (const statement of statements) {
      expect(statement.Effect).toBe("Allow");
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
      for (const action of list(statement.Action)) expect(action).toMatch(/^(s3|kms):[A-Za-z]+$/);
    }
  });

  it("locks a new application environment's state without code changes", () => {
    const vars = copyVars();
    vars.environments.staging = { ...structuredClone(vars.environments.dev), name: "staging", cidr: "10.0.48.0/20" };
    const writes = inlineStatements(synthPlatform(vars).stack("mgmt")).find((s) =>
      list(s.Action).includes("s3:PutObject"),
    );
    expect(writes?.Resource).toContainEqual(
      expect.stringMatching(/\/connected-express\/staging\/terraform\.tfstate\.tflock$/),
    );
  });

  it("refuses a state key outside the platform's folder", () => {
    const location = {
      partition: "aws",
      region: "eu-central-1",
      accountId: "123456789012",
      stateBucket: "state",
      stateKeyPrefix: "connected-express/",
      stateKeyAlias: "alias/connected-express-terraform-state",
    };
    expect(() => planRoleStatements({ ...location, stateKeys: ["other-project/dev/terraform.tfstate"] })).toThrow(
      /other-project\/dev\/terraform\.tfstate are outside "connected-express\/"/,
    );
  });
});

describe("mgmt: the build agent's role may become the plan role", () => {
  it("assumes the plan role and no other role", () => {
    const jenkins = JSON.parse(
      mgmt.resource("aws_iam_role_policy", "jenkins_build_agent/role_policy").policy,
    ).Statement;
    const sts = jenkins.filter((statement: Json) => list(statement.Action).some((a) => a.startsWith("sts:")));
    expect(sts).toEqual([
      expect.objectContaining({
        Action: ["sts:AssumeRole"],
        Resource: [roleReference(mgmt, "terraform_plan_role/role", "arn")],
      }),
    ]);
  });
});

describe("the stack order terraform plans in", () => {
  const { stacks } = platform();

  it("names every synthesized stack once", () => {
    expect([...stackOrder(renderedVars)].sort()).toEqual(Object.keys(stacks).sort());
  });

  it("puts every stack after the stacks whose state it reads", () => {
    const order = stackOrder(renderedVars);
    const edges = order.flatMap((name) =>
      Object.values(stacks[name].data("terraform_remote_state")).map((state) => ({
        name,
        dependency: String(state.config.key).split("/")[1],
      })),
    );
    expect(edges.length).toBeGreaterThan(0);
    for (const { name, dependency } of edges) {
      expect(order.indexOf(dependency), `${name} reads ${dependency}`).toBeLessThan(order.indexOf(name));
    }
  });
});
