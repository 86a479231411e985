import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { skippedIds, skipsWithoutReason } from "../../scripts/policy/skips";

const config = readFileSync(resolve(import.meta.dirname, "../../.checkov.yaml"), "utf8");

describe(".checkov.yaml, the only place a check is skipped", () => {
  it("lists the skipped checks", () => {
    expect(skippedIds(config)).toContain("CKV2_AWS_38");
  });

  it("gives every skipped check a reason on the line above it", () => {
    expect(skipsWithoutReason(config)).toEqual([]);
  });

  it("flags a skip added without a reason", () => {
    expect(skipsWithoutReason(`${config}  - CKV_AWS_999\n`)).toEqual(["CKV_AWS_999"]);
  });

  it("flags a skip whose comment names another check or says nothing useful", () => {
    const text =
      "skip-check:\n  # CKV_AWS_1: not needed\n  - CKV_AWS_1\n  # CKV_AWS_3: a reason long enough to count as one\n  - CKV_AWS_2\n";
    expect(skipsWithoutReason(text)).toEqual(["CKV_AWS_1", "CKV_AWS_2"]);
  });
});
