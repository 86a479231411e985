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
/** The other secrets and sign-in settings a real vault and group_vars give. */
const real = {
  jenkins_slack_token: "xoxb-1234",
  ...github,
  jenkins_agent_ssh_private_key:
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----",
  jenkins_jobs_export_api_token: "11c0ffeec0ffeec0ffeec0ffeec0ffeeab",
  jenkins_oidc_well_known_url: "https://login.example.com/.well-known/openid-configuration",
  jenkins_oidc_client_id: "jenkins",
  jenkins_oidc_client_secret: "an-oidc-client-secret",
};

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
    const result = preflight({ ...inventoryValues, ...real });
    expect(result.status, result.transcript).toBe(0);
  });

  it("stops on the example vault's GitHub placeholders when the other secrets are real", () => {
    const result = preflight({
      ...inventoryValues,
      ...real,
      jenkins_github_username: example.vault_jenkins_github_username,
      jenkins_github_token: example.vault_jenkins_github_token,
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("the GitHub user and token");
    expect(result.stdout).toContain("must come from the vault");
  });

  it("stops on the example vault's agent key and export token, naming how to make a token", () => {
    const result = preflight({
      ...inventoryValues,
      ...real,
      jenkins_agent_ssh_private_key: example.vault_jenkins_agent_ssh_private_key,
      jenkins_jobs_export_api_token: example.vault_jenkins_export_api_token,
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("the job export's API token");
    expect(result.stdout).toContain("openssl rand");
  });

  it("stops without the identity provider, and says where its settings go", () => {
    const result = preflight({
      ...inventoryValues,
      ...real,
      jenkins_oidc_well_known_url: "",
      jenkins_oidc_client_id: "",
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("People sign in with OpenID Connect: set jenkins_oidc_well_known_url");
  });

  it("with break-glass on, needs the local administrator's password instead of the identity provider", () => {
    const withoutIdp = {
      ...real,
      jenkins_oidc_well_known_url: "",
      jenkins_oidc_client_id: "",
      jenkins_break_glass: true,
    };
    const placeholder = preflight({
      ...inventoryValues,
      ...withoutIdp,
      jenkins_break_glass_password: example.vault_jenkins_break_glass_password,
    });
    expect(placeholder.status).not.toBe(0);
    expect(placeholder.stdout).toContain("Break-glass is on (jenkins_break_glass)");
    const result = preflight({
      ...inventoryValues,
      ...withoutIdp,
      jenkins_break_glass_password: "a-long-break-glass-password",
    });
    expect(result.status, result.transcript).toBe(0);
  });

  it("stops on the example vault's placeholders and says how to create the vault", () => {
    const result = preflight({
      ...inventoryValues,
      jenkins_slack_token: example.vault_jenkins_slack_token,
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("must come from the vault");
    expect(result.stdout).toContain("ansible-vault");
  });

  it("stops without the generated inventory and says how to write it", () => {
    const result = preflight({ ...real });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("run `pnpm inventory --outputs <file>`");
  });
});
