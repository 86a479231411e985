/** How a review prints values: short, secrets masked, JSON strings compared inside. */
import { describe, expect, it } from "vitest";
import { showValue, valueChanges } from "../../scripts/review/values";

describe("values in a review", () => {
  it("prints short values as they are, strings quoted", () => {
    expect([showValue("frontend"), showValue(2), showValue(true), showValue(undefined)]).toEqual([
      '"frontend"',
      "2",
      "true",
      "(none)",
    ]);
  });

  it("cuts a long value in the middle and says its length", () => {
    const arn = `arn:aws:ecs:eu-central-1:123456789012:service/${"x".repeat(80)}/frontend`;

    expect(showValue(arn)).toMatch(/^"arn:aws:ecs:.*….*\/frontend" \(\d+ chars\)$/);
    expect(showValue(arn).length).toBeLessThan(90);
  });

  it("never prints what an attribute named like a secret holds", () => {
    const changes = valueChanges(
      { master_password: "a", auth_token: "b", private_key: "c" },
      {
        master_password: "x",
        auth_token: "y",
        private_key: "z",
      },
    );

    expect(changes.map((change) => showValue(change.after, change.sensitive))).toEqual([
      "(sensitive)",
      "(sensitive)",
      "(sensitive)",
    ]);
  });

  it("never prints a private key, whatever the attribute is called", () => {
    expect(showValue({ user_data: "-----BEGIN RSA PRIVATE KEY-----\nMIIE..." })).not.toContain("MIIE");
  });

  it("keeps settings that only sound secret, like IMDSv2's http_tokens", () => {
    const [change] = valueChanges({ http_tokens: "required" }, { http_tokens: "optional" });

    expect(showValue(change.after, change.sensitive)).toBe('"optional"');
  });

  it("compares JSON strings inside: an IAM policy's changed action has its own path", () => {
    const before = JSON.stringify({ Statement: [{ Action: ["ecr:PutImage"], Resource: "*" }] });
    const after = JSON.stringify({ Statement: [{ Action: ["ecr:PutImage", "ecr:DeleteRepository"], Resource: "*" }] });

    expect(valueChanges({ policy: before }, { policy: after })).toEqual([
      { path: "policy.Statement[0].Action[]", before: undefined, after: "ecr:DeleteRepository", sensitive: false },
    ]);
  });

  it("reports one added item of a sorted list, not every index after it", () => {
    expect(valueChanges({ subnets: ["a", "c"] }, { subnets: ["a", "b", "c"] })).toEqual([
      { path: "subnets[]", before: undefined, after: "b", sensitive: false },
    ]);
  });

  it("skips cdktf's metadata", () => {
    expect(
      valueChanges({ "//": { metadata: { path: "a" } }, name: "x" }, { "//": { metadata: { path: "b" } }, name: "x" }),
    ).toEqual([]);
  });
});
