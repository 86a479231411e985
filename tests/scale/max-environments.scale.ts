/**
 * The whole toolchain at the VPC's full complement of application environments, in a scratch copy
 * of the repository (scripts/scale/scratch.ts): pnpm vars, synth, the policy gate over every stack,
 * IAM policy sizes, the Jenkins job choices, the deploy script's environment list and the Ansible
 * inventory. Its own step of the test command (`pnpm test:scale`): the policy gate alone takes
 * longer than the unit suite's budget allows.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadVars } from "../../config/load";
import { applicationEnvironmentNames } from "../../config/roles";
import type { Vars } from "../../config/schema";
import { MANAGED_POLICIES_PER_ROLE, managedPolicyCounts, policySizes, withoutApprovals } from "../../scripts/scale/iam";
import { maxApplicationEnvironments, scratchCopy } from "../../scripts/scale/scratch";
import { buildPlatform, createApp } from "../../stacks/app";

const root = resolve(import.meta.dirname, "../..");
const maximum = maxApplicationEnvironments(loadVars(join(root, "environments")));

/** Runs `node <args>` in the scratch copy, as a user would run the command there. */
function run(dir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe(`the toolchain at the VPC's full complement: ${maximum} application environments`, () => {
  let dir: string;
  let vars: Vars;
  let synth: ReturnType<typeof run>;
  let policy: ReturnType<typeof run>;
  const outdir = () => join(dir, "cdktf.out");

  beforeAll(() => {
    dir = scratchCopy(root, maximum, { commit: true });
    const rendered = run(dir, ["--import", "tsx", "scripts/vars/cli.ts", "--check"]);
    if (rendered.status !== 0) throw new Error(`pnpm vars failed in ${dir}: ${rendered.stderr}`);
    vars = loadVars(join(dir, "environments"));
    synth = run(dir, ["scripts/synth.mjs"], { CDKTF_OUTDIR: outdir() });
    policy = run(dir, ["--import", "tsx", "scripts/policy/cli.ts", "--dir", outdir()]);
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("holds 14 application environments at the shipped /20 slices (15 slices besides the NAT slice, one is mgmt's)", () => {
    expect(maximum).toBe(14);
    expect(applicationEnvironmentNames(vars)).toHaveLength(maximum);
  });

  it("synthesizes every stack: global, network, mgmt and one per application environment", () => {
    expect(synth.stderr).toBe("");
    expect(synth.status).toBe(0);
    expect(readdirSync(join(outdir(), "stacks")).sort()).toEqual(
      ["global", "network", "mgmt", ...applicationEnvironmentNames(vars)].sort(),
    );
  });

  it("passes the policy gate over every stack, with checkov's results streamed to files of any size", () => {
    expect(policy.stderr).toBe("");
    expect(policy.status).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, "reports/policy/summary.json"), "utf8"));
    expect(Object.keys(summary).sort()).toEqual(readdirSync(join(outdir(), "stacks")).sort());
    // Larger than the 1 MiB a child process's output buffer holds by default (the ENOBUFS of before).
    const results = statSync(join(dir, "reports/policy/results_json.json")).size;
    console.log(
      `checkov results_json.json at ${maximum} application environments: ${(results / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(results).toBeGreaterThan(2 ** 20);
  });

  it("keeps every IAM policy below AWS's size limit, and prints the margin of the largest", () => {
    const stacks = Object.fromEntries(
      readdirSync(join(outdir(), "stacks")).map((name) => [
        name,
        JSON.parse(readFileSync(join(outdir(), "stacks", name, "cdk.tf.json"), "utf8")),
      ]),
    );
    const [largest, ...rest] = policySizes(stacks, vars);
    console.log(
      `largest IAM policy at ${maximum} application environments: ${largest.stack} ${largest.address} ` +
        `${largest.characters} of ${largest.limit} characters (${((100 * largest.characters) / largest.limit).toFixed(0)} %, margin ${largest.limit - largest.characters})`,
    );
    expect(largest.address).toMatch(/jenkins_build_agent_rollouts_policy/);
    for (const size of [largest, ...rest])
      expect(size.characters, `${size.stack} ${size.address}`).toBeLessThan(size.limit);
    for (const [role, count] of managedPolicyCounts(stacks))
      expect(count, role).toBeLessThanOrEqual(MANAGED_POLICIES_PER_ROLE);
  });

  it("keeps the build agent's policy below the limit in the worst case: all of them without approval", () => {
    const open = withoutApprovals(vars);
    const outdir = mkdtempSync(join(tmpdir(), "scale-open-"));
    const app = createApp(outdir);
    buildPlatform(app, open);
    app.synth();
    const mgmt = JSON.parse(readFileSync(join(outdir, "stacks", "mgmt", "cdk.tf.json"), "utf8"));
    rmSync(outdir, { recursive: true, force: true });
    const rollouts = JSON.parse(
      Object.entries<{ policy: string }>(mgmt.resource.aws_iam_policy).find(([name]) =>
        name.startsWith("jenkins_build_agent_rollouts_policy"),
      )?.[1].policy ?? "{}",
    ).Statement;
    expect(rollouts).toHaveLength(maximum);
    const [largest, ...rest] = policySizes({ mgmt }, open);
    console.log(
      `largest policy of the build agent with all ${maximum} application environments on it: ${largest.address} ${largest.characters} of ${largest.limit} characters (margin ${largest.limit - largest.characters})`,
    );
    expect(largest.address).toMatch(/jenkins_build_agent_rollouts_policy/);
    for (const size of [largest, ...rest]) expect(size.characters, size.address).toBeLessThan(size.limit);
    for (const [role, count] of managedPolicyCounts({ mgmt }))
      expect(count, role).toBeLessThanOrEqual(MANAGED_POLICIES_PER_ROLE);
  });

  it("reviews the full platform with pnpm diff: against itself every stack is unchanged", () => {
    const diff = run(dir, ["--import", "tsx", "scripts/diff/cli.ts", "--base", "HEAD", "--format", "json"]);
    expect(diff.stderr).not.toMatch(/error/i);
    expect(diff.status).toBe(0);
    const review = JSON.parse(diff.stdout) as { stacks: { stack: string; change: string }[] };
    expect(review.stacks.map((stack) => stack.stack).sort()).toEqual(readdirSync(join(outdir(), "stacks")).sort());
    expect(new Set(review.stacks.map((stack) => stack.change))).toEqual(new Set(["unchanged"]));
  });

  it("offers every application environment as a choice of the deploy-service job", () => {
    const probe = run(dir, [
      "--import",
      "tsx",
      "-e",
      `const { jobDefinitions } = await import("./pipelines/src/jenkins/jobs.ts");
       const { vars, applicationEnvironments, managementEnvironment } = await import("./stacks/global/vars.ts");
       const job = jobDefinitions({ vars, applicationEnvironments, managementEnvironment }).find((j) => j.name === "deploy-service");
       console.log(JSON.stringify(job.parameters.find((p) => p.name === "ENVIRONMENT").choices));`,
    ]);
    expect(probe.stderr).toBe("");
    expect(JSON.parse(probe.stdout)).toEqual(applicationEnvironmentNames(vars));
  });

  it("lists every application environment as a valid target of the deploy script", () => {
    const deploy = run(dir, ["--import", "tsx", "pipelines/bin/deploy-service.ts", "--environment", "nowhere"]);
    expect(deploy.status).toBe(2);
    expect(deploy.stderr).toContain(`valid environments: ${applicationEnvironmentNames(vars).join(", ")}`);
  });

  it("writes the Ansible inventory from the management stack's outputs", () => {
    const inventory = run(dir, [
      "--import",
      "tsx",
      "scripts/inventory/cli.ts",
      "--outputs",
      "tests/provisioning/fixtures/terraform-outputs.json",
      "--dry-run",
    ]);
    expect(inventory.status).toBe(0);
    expect(inventory.stdout).toContain("jenkins_url: https://jenkins.mgmt.connected.express/");
  });
});
