import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundleKey, ensureBundle } from "../scripts/synth-bundle.mjs";
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

describe("pnpm synth reuses its bundle while the inputs are unchanged", () => {
  const cacheDir = mkdtempSync(join(tmpdir(), "synth-bundle-"));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
  const readManifest = (file: string) => JSON.parse(readFileSync(file, "utf8")) as { key: string; inputs: string[] };

  it("builds on the first run, then reuses the same file without building", async () => {
    const first = await ensureBundle({ cacheDir });
    const builtAt = statSync(first.outfile).mtimeMs;
    const second = await ensureBundle({ cacheDir });
    expect([first.rebuilt, second.rebuilt]).toEqual([true, false]);
    expect(statSync(second.outfile).mtimeMs).toBe(builtAt);
  });

  it("keys the bundle on every input the app imports, from main.ts to the provider classes", async () => {
    const { manifestFile } = await ensureBundle({ cacheDir });
    const { inputs } = readManifest(manifestFile);
    expect(inputs).toContain("main.ts");
    expect(inputs).toContain("stacks/global/vars.ts");
    expect(inputs.some((input) => input.includes("@cdktf/provider-aws/lib/vpc/"))).toBe(true);
  });

  it("rebuilds when the content of an input changes, and not before", async () => {
    const { manifestFile } = await ensureBundle({ cacheDir });
    const probe = join(cacheDir, "probe-input.ts");
    writeFileSync(probe, "export const one = 1;\n");
    const manifest = readManifest(manifestFile);
    const inputs = [...manifest.inputs, probe];
    writeFileSync(manifestFile, JSON.stringify({ key: bundleKey(inputs), inputs }));
    expect((await ensureBundle({ cacheDir })).rebuilt).toBe(false);
    writeFileSync(probe, "export const one = 2;\n");
    expect((await ensureBundle({ cacheDir })).rebuilt).toBe(true);
  });

  it("rebuilds when an input of the last build is gone", async () => {
    const { manifestFile } = await ensureBundle({ cacheDir });
    const manifest = readManifest(manifestFile);
    writeFileSync(
      manifestFile,
      JSON.stringify({ ...manifest, inputs: [...manifest.inputs, "stacks/deleted-file.ts"] }),
    );
    expect((await ensureBundle({ cacheDir })).rebuilt).toBe(true);
  });
});
