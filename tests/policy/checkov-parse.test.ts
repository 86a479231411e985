import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCheckov } from "../../scripts/policy/checkov";
import { platform } from "../support/synth";

const root = resolve(import.meta.dirname, "../..");

describe("the policy gate never passes a stack checkov could not read", () => {
  it("fails, naming the cause and the fix, when a cdk.tf.json holds a moved block", async () => {
    const work = mkdtempSync(join(tmpdir(), "checkov-parse-"));
    const stackDir = join(work, "out/stacks/global");
    mkdirSync(stackDir, { recursive: true });
    const json = JSON.parse(readFileSync(join(platform().outdir, "stacks/global/cdk.tf.json"), "utf8"));
    json.moved = [{ from: "aws_kms_key.old", to: "aws_kms_key.new" }];
    writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(json));
    await expect(
      runCheckov(root, {
        dir: join(work, "out"),
        reports: join(work, "reports"),
        selection: ["--check", "CKV_AWS_7"],
        cwd: work,
      }),
    ).rejects.toThrow(/checkov could not parse 1 file\(s\) .*stacks\/constructs\/moved\.ts writes moves to moved\.tf/);
  });
});
