import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { synthInsecureStack } from "./insecure-stack";

const root = resolve(import.meta.dirname, "../..");

interface Summary {
  [stack: string]: { passed: number; failed: number; skipped: number; failures: string[] };
}

describe("the policy gate catches a deliberately insecure stack", () => {
  let status: number | null;
  let stderr: string;
  let failures: string[];
  let reports: string;

  beforeAll(() => {
    const work = mkdtempSync(join(tmpdir(), "policy-gate-"));
    reports = join(work, "reports");
    synthInsecureStack(join(work, "out"));
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "scripts/policy/cli.ts", "--dir", join(work, "out"), "--reports", join(work, "reports")],
      { cwd: root, encoding: "utf8" },
    );
    status = run.status;
    stderr = run.stderr;
    const summary = JSON.parse(readFileSync(join(work, "reports/summary.json"), "utf8")) as Summary;
    failures = summary.insecure.failures;
  }, 120_000);

  const caught = (checkId: string, resource: string) =>
    failures.some((failure) => failure.startsWith(`${checkId} `) && failure.includes(resource));

  it("fails the gate with a non-zero exit and lists the failures", () => {
    expect(status).toBe(1);
    expect(stderr).toContain("FAILED checks");
  });

  it("reports the privileged container hidden in container_definitions", () => {
    expect(caught("CX_ECS_1", "privileged_task")).toBe(true);
  });

  it("reports SSH open to 0.0.0.0/0", () => {
    expect(caught("CX_NET_1", "ssh_from_anywhere")).toBe(true);
  });

  it("reports the unencrypted EBS volume (checkov and the project rule)", () => {
    expect(caught("CKV_AWS_3", "unencrypted_volume")).toBe(true);
    expect(caught("CX_EBS_1", "unencrypted_volume")).toBe(true);
  });

  it("reports IMDSv1 on the instance and on the launch template", () => {
    expect(caught("CKV_AWS_79", "imdsv1_instance")).toBe(true);
    expect(caught("CX_EC2_1", "imdsv1_instance")).toBe(true);
    expect(caught("CX_EC2_1", "imdsv1_launch_template")).toBe(true);
  });

  it("reports the ECR repository without a lifecycle policy", () => {
    expect(caught("CX_ECR_1", "repository_without_lifecycle")).toBe(true);
  });

  it("reports the listener with a pre-TLS-1.2 policy", () => {
    expect(caught("CKV_AWS_103", "outdated_tls_listener")).toBe(true);
    expect(caught("CX_ELB_1", "outdated_tls_listener")).toBe(true);
  });

  it("writes checkov's JSON and SARIF reports and the project rules' results", () => {
    const sarif = JSON.parse(readFileSync(join(reports, "results_sarif.sarif"), "utf8"));
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);
    const checkov = JSON.parse(readFileSync(join(reports, "results_json.json"), "utf8"));
    expect(checkov.results.failed_checks.map((check: { check_id: string }) => check.check_id)).toContain("CKV_AWS_79");
    const project = JSON.parse(readFileSync(join(reports, "project_rules.json"), "utf8"));
    expect(project.some((result: { id: string; passed: boolean }) => result.id === "CX_ECS_1" && !result.passed)).toBe(
      true,
    );
  });
});
