import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCheckov } from "../../scripts/policy/checkov";
import { WAIVERS_FILE } from "../../scripts/policy/gate";
import { checkovFindings } from "../../scripts/policy/tally";
import { applyWaivers, covers, parseWaivers, type Waiver } from "../../scripts/policy/waivers";
import { platform } from "../support/synth";

const root = resolve(import.meta.dirname, "../..");
const waivers = parseWaivers(readFileSync(join(root, WAIVERS_FILE), "utf8"));
const reason = "a reason long enough to say why it is waived";

describe("per-resource waivers (policy-waivers.yaml)", () => {
  it("gives every waiver a check, an address and a reason", () => {
    expect(waivers.length).toBeGreaterThan(0);
    for (const waiver of waivers)
      expect(waiver.reason.length, `${waiver.check} ${waiver.resource}`).toBeGreaterThanOrEqual(30);
  });

  it("refuses a waiver without a reason, or with a check id that is not checkov's, naming the entry", () => {
    expect(() => parseWaivers("- check: CKV_AWS_18\n  resource: aws_s3_bucket.logs\n")).toThrow(
      /waiver 1: reason must say why/,
    );
    expect(() => parseWaivers(`- check: skip-all\n  resource: aws_s3_bucket.logs\n  reason: ${reason}\n`)).toThrow(
      /waiver 1: check must be a checkov id/,
    );
  });

  it("covers only its check, its address (a * for the environment part) and its stacks", () => {
    const zones: Waiver = { check: "CKV2_AWS_38", resource: "aws_route53_zone.*_zone", reason };
    expect(covers(zones, { check: "CKV2_AWS_38", resource: "aws_route53_zone.staging_zone", stack: "global" })).toBe(
      true,
    );
    expect(covers(zones, { check: "CKV2_AWS_39", resource: "aws_route53_zone.staging_zone", stack: "global" })).toBe(
      false,
    );
    expect(covers(zones, { check: "CKV2_AWS_38", resource: "aws_route53_zone.apex", stack: "global" })).toBe(false);
    const devOnly: Waiver = {
      check: "CKV_AWS_150",
      resource: "aws_lb.load_balancer_5CB6B27E",
      stacks: ["dev"],
      reason,
    };
    // checkov labels some resources `resource.<name>`, without their type.
    expect(covers(devOnly, { check: "CKV_AWS_150", resource: "resource.load_balancer_5CB6B27E", stack: "dev" })).toBe(
      true,
    );
    expect(covers(devOnly, { check: "CKV_AWS_150", resource: "resource.load_balancer_5CB6B27E", stack: "prod" })).toBe(
      false,
    );
  });

  it("reports a waiver that covers nothing as unused", () => {
    const stale: Waiver = { check: "CKV_AWS_18", resource: "aws_s3_bucket.gone", reason };
    expect(applyWaivers([], [stale]).unused).toEqual([stale]);
  });

  it("does not waive a new resource: a second bucket like the waived access-log bucket fails the gate", async () => {
    const work = mkdtempSync(join(tmpdir(), "waivers-"));
    const stackDir = join(work, "out/stacks/global");
    mkdirSync(stackDir, { recursive: true });
    const json = structuredClone(platform().stack("global").json);
    const [name, bucket] = Object.entries(json.resource.aws_s3_bucket)[0];
    json.resource.aws_s3_bucket.second_bucket = { ...(bucket as object), bucket_prefix: "second-" };
    writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(json));
    const checkov = await runCheckov(root, {
      dir: join(work, "out"),
      reports: join(work, "reports"),
      selection: ["--check", "CKV_AWS_18"],
      cwd: work,
    });
    const verdict = applyWaivers(checkovFindings(checkov), waivers);
    expect(verdict.waived.map((finding) => finding.resource)).toEqual([`aws_s3_bucket.${name}`]);
    expect(verdict.failed.map((finding) => finding.resource)).toEqual(["aws_s3_bucket.second_bucket"]);
  });
});
