import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { platform } from "./support/synth";

const root = resolve(import.meta.dirname, "..");

describe("pnpm synth (the esbuild-bundled app)", () => {
  const outdir = mkdtempSync(join(tmpdir(), "pnpm-synth-"));
  const run = spawnSync(process.execPath, ["scripts/synth.mjs"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CDKTF_OUTDIR: outdir, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_PROFILE: "" },
  });

  it("runs without AWS credentials", () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("writes one cdk.tf.json per stack: global, network, mgmt and each application environment", () => {
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["dev", "global", "mgmt", "network", "prod"]);
  });

  it("writes exactly what the unbundled app synthesizes", () => {
    for (const [name, stack] of Object.entries(platform().stacks)) {
      const bundled = JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
      expect(bundled, name).toEqual(stack.json);
    }
  });
});
