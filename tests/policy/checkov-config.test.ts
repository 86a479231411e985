import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { skippedIds } from "../../scripts/policy/skips";

const config = readFileSync(resolve(import.meta.dirname, "../../.checkov.yaml"), "utf8");

describe(".checkov.yaml skips nothing: a skip there would waive every resource, present and future", () => {
  it("has no skip-check entries", () => {
    expect(skippedIds(config)).toEqual([]);
  });

  it("would see a skip if one were added", () => {
    expect(skippedIds(`${config}skip-check:\n  - CKV_AWS_18\n`)).toEqual(["CKV_AWS_18"]);
  });
});
