import { describe, expect, it } from "vitest";
import { platform } from "../support/synth";

describe("every stack keeps its own encrypted, locked remote state", () => {
  const { stacks } = platform();
  const names = Object.keys(stacks);

  it("synthesizes global and network", () => {
    expect(names).toEqual(expect.arrayContaining(["global", "network"]));
  });

  for (const name of names) {
    it(`${name} stores its state under its own key in the state bucket, encrypted and S3-locked`, () => {
      const backend = stacks[name].json.terraform.backend.s3;
      expect(backend).toEqual({
        bucket: "connected-express-terraform-state",
        key: `connected-express/${name}/terraform.tfstate`,
        region: "eu-central-1",
        encrypt: true,
        use_lockfile: true,
      });
    });

    it(`${name} tags every resource with project, layer, environment and managed-by`, () => {
      const provider = stacks[name].json.provider.aws[0];
      expect(provider.region).toBe("eu-central-1");
      expect(provider.default_tags[0].tags).toMatchObject({
        project: "connected-express",
        layer: name,
        "managed-by": "cdktf",
        owner: "platform-team",
      });
    });
  }

  it("gives no two stacks the same state key", () => {
    const keys = names.map((name) => stacks[name].json.terraform.backend.s3.key);
    expect(new Set(keys).size).toBe(names.length);
  });
});
