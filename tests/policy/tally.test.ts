/**
 * What the policy gate reports, from checkov reports and project-rule results built by hand:
 * per-stack counts, named failures, waived checks, and the printed table.
 */
import { describe, expect, it } from "vitest";
import type { CheckovCheck, CheckovReport } from "../../scripts/policy/checkov";
import {
  evaluateStacks,
  failureLines,
  formatTable,
  type PolicyResults,
  type StackRuleResult,
  stackOf,
  tallyPolicy,
} from "../../scripts/policy/tally";

function check(stack: string, id = "CKV_AWS_1", resource = "aws_s3_bucket.logs"): CheckovCheck {
  return { check_id: id, check_name: `${id} holds`, resource, file_path: `/stacks/${stack}/cdk.tf.json` };
}

function report(results: CheckovReport["results"]): CheckovReport {
  return { results };
}

function rule(stack: string, passed: boolean, id = "CX_NET_1"): StackRuleResult {
  return { stack, id, resource: "aws_security_group.web", passed, message: passed ? "ok" : "SSH open to the world" };
}

function tally(results: Partial<PolicyResults>) {
  return tallyPolicy({ stacks: [], checkov: [], waivers: [], projectRules: [], ...results });
}

describe("the policy tally", () => {
  it("counts checkov's passed, failed and skipped checks in the stack each file belongs to", () => {
    const summary = tally({
      checkov: [
        report({
          passed_checks: [check("dev"), check("dev"), check("prod")],
          failed_checks: [check("prod")],
          skipped_checks: [check("dev")],
        }),
      ],
    });

    expect(summary.dev).toMatchObject({ passed: 2, failed: 0, skipped: 1 });
    expect(summary.prod).toMatchObject({ passed: 1, failed: 1, skipped: 0 });
  });

  it("adds up the reports of every framework checkov returns", () => {
    const summary = tally({
      checkov: [report({ passed_checks: [check("dev")] }), report({ passed_checks: [check("dev")] })],
    });

    expect(summary.dev.passed).toBe(2);
  });

  it("names each failed checkov check by its id, resource and title", () => {
    const summary = tally({
      checkov: [report({ failed_checks: [check("mgmt", "CKV_AWS_79", "aws_instance.jenkins")] })],
    });

    expect(summary.mgmt.failures).toEqual(["CKV_AWS_79 aws_instance.jenkins: CKV_AWS_79 holds"]);
  });

  it("counts a failure that a waiver names by check and resource as skipped in its stack, not as failed", () => {
    const failing = check("network", "CKV_AWS_18", "aws_s3_bucket.logs");
    const waiver = {
      check: "CKV_AWS_18",
      resource: "aws_s3_bucket.logs",
      reason: "a reason that is long enough to count",
    };
    const summary = tally({ checkov: [report({ failed_checks: [failing] })], waivers: [waiver] });

    expect(summary.network).toEqual({ passed: 0, failed: 0, skipped: 1, failures: [] });
  });

  it("counts the project rules' results and names each failure with the rule's message", () => {
    const summary = tally({ projectRules: [rule("dev", true), rule("dev", false)] });

    expect(summary.dev).toMatchObject({ passed: 1, failed: 1 });
    expect(summary.dev.failures).toEqual(["CX_NET_1 aws_security_group.web: SSH open to the world"]);
  });

  it("gives every synthesized stack a row, with zeros when nothing was checked in it", () => {
    const summary = tally({ stacks: ["global"] });

    expect(summary.global).toEqual({ passed: 0, failed: 0, skipped: 0, failures: [] });
  });

  it("orders the stacks by name", () => {
    const summary = tally({ stacks: ["prod", "dev"], projectRules: [rule("mgmt", true)] });

    expect(Object.keys(summary)).toEqual(["dev", "mgmt", "prod"]);
  });
});

describe("the stack of a checkov result", () => {
  it("is the folder under stacks/ that holds the cdk.tf.json", () => {
    expect(stackOf("/stacks/prod/cdk.tf.json")).toBe("prod");
  });

  it("is the path itself for a file outside stacks/", () => {
    expect(stackOf("/elsewhere/main.tf.json")).toBe("/elsewhere/main.tf.json");
  });
});

describe("the project rules over synthesized stacks", () => {
  it("label each result with the stack it was found in", () => {
    // Privileged, and otherwise as CX_ECS_3 wants a container (ECR by digest, non-root, no capabilities).
    const container = {
      name: "app",
      image: `123456789012.dkr.ecr.eu-central-1.amazonaws.com/frontend@sha256:${"a".repeat(64)}`,
      user: "65534",
      linuxParameters: { capabilities: { drop: ["ALL"] } },
      privileged: true,
    };
    const privileged = {
      resource: { aws_ecs_task_definition: { app: { container_definitions: JSON.stringify([container]) } } },
    };

    const results = evaluateStacks({ dev: privileged, prod: {} });

    const failed = results.filter((result) => !result.passed);
    expect(failed.map((result) => [result.stack, result.id])).toEqual([["dev", "CX_ECS_1"]]);
  });
});

describe("the printed report", () => {
  it("has a header and one row per stack, counts right-aligned under their column", () => {
    const table = formatTable({
      dev: { passed: 120, failed: 0, skipped: 3, failures: [] },
      prod: { passed: 7, failed: 12, skipped: 0, failures: [] },
    });

    expect(table.split("\n")).toEqual([
      "stack           passed  failed  skipped",
      "dev                120       0        3",
      "prod                 7      12        0",
    ]);
  });

  it("lists every failure behind the stack it is in", () => {
    const lines = failureLines({
      dev: { passed: 0, failed: 1, skipped: 0, failures: ["CX_ECS_1 a: privileged"] },
      global: { passed: 1, failed: 0, skipped: 0, failures: [] },
      prod: { passed: 0, failed: 2, skipped: 0, failures: ["CKV_AWS_3 b: unencrypted", "CX_EC2_1 c: IMDSv1"] },
    });

    expect(lines).toEqual([
      "  dev: CX_ECS_1 a: privileged",
      "  prod: CKV_AWS_3 b: unencrypted",
      "  prod: CX_EC2_1 c: IMDSv1",
    ]);
  });
});
