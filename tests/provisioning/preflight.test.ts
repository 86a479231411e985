import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type AnsibleSandbox, createSandbox, fixtures, provisioning, runTool } from "./support";

// The jenkins role stops before changing anything when the vault or the inventory is missing.
let sandbox: AnsibleSandbox;
const example = parse(readFileSync(join(provisioning, "vault.example.yml"), "utf8"));
const inventoryValues = { jenkins_url: "https://jenkins.mgmt.connected.express/", jenkins_http_port: 8080 };
const github = { jenkins_github_username: "review-bot", jenkins_github_token: "github_pat_1234" };

beforeAll(() => {
  sandbox = createSandbox();
});

afterAll(() => rmSync(sandbox.dir, { recursive: true, force: true }));

function preflight(values: Record<string, unknown>) {
  const extraVars = join(sandbox.dir, "preflight-vars.json");
  writeFileSync(extraVars, JSON.stringify(values));
  return runTool(sandbox, "ansible-playbook", [
    "-i",
    "localhost,",
    "-c",
    "local",
    join(fixtures, "jenkins-preflight.yml"),
    "-e",
    `@${extraVars}`,
  ]);
}

describe("the jenkins role's preflight", () => {
  it("passes with real-looking secrets and the inventory's settings", () => {
    const result = preflight({
      ...inventoryValues,
      jenkins_admin_password: "a-long-random-admin-password",
      jenkins_slack_token: "xoxb-1234",
      ...github,
    });
    expect(result.status, result.transcript).toBe(0);
  });

  it("stops on the example vault's GitHub placeholders when the other secrets are real", () => {
    const result = preflight({
      ...inventoryValues,
      jenkins_admin_password: "a-long-random-admin-password",
      jenkins_slack_token: "xoxb-1234",
      jenkins_github_username: example.vault_jenkins_github_username,
      jenkins_github_token: example.vault_jenkins_github_token,
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("the GitHub user and token");
    expect(result.stdout).toContain("must come from the vault");
  });

  it("stops on the example vault's placeholders and says how to create the vault", () => {
    const result = preflight({
      ...inventoryValues,
      jenkins_admin_password: example.vault_jenkins_admin_password,
      jenkins_slack_token: example.vault_jenkins_slack_token,
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("must come from the vault");
    expect(result.stdout).toContain("ansible-vault");
  });

  it("stops without the generated inventory and says how to write it", () => {
    const result = preflight({
      jenkins_admin_password: "a-long-random-admin-password",
      jenkins_slack_token: "xoxb-1",
      ...github,
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("run `pnpm inventory --outputs <file>`");
  });
});
