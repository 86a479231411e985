import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type AnsibleSandbox, createSandbox, fixtures, runTool, venvPython } from "./support";

// What the hosts would get, rendered by Ansible itself from the roles' templates and defaults.
let sandbox: AnsibleSandbox;
let rendered: string;
/** Each template's text, by the name of the file on the host (fixtures/render-templates.yml). */
let texts: Record<string, string>;
const read = (name: string) => {
  if (!(name in texts)) throw new Error(`${name} was not rendered; add its template to fixtures/render-templates.yml`);
  return texts[name];
};
/** `${name}` as JCasC and apt write it (not a JavaScript placeholder). */
const reference = (name: string) => `$${"{"}${name}}`;

beforeAll(() => {
  sandbox = createSandbox();
  rendered = join(sandbox.dir, "rendered");
  mkdirSync(rendered);
  const extraVars = join(sandbox.dir, "render-vars.json");
  writeFileSync(
    extraVars,
    JSON.stringify({
      render_dir: rendered,
      ansible_python_interpreter: venvPython,
      ansible_user: "admin",
      platform_project: "connected-express",
      jenkins_url: "https://jenkins.mgmt.connected.express/",
      jenkins_admin_password: `correct-horse-${reference("battery")}-staple`,
      jenkins_slack_token: "xoxb-test-token",
      jenkins_github_username: "review-bot",
      jenkins_github_token: "github_pat_test",
      jenkins_repository_credentials: [
        { id: "frontend-repository", username: "ci-bot", token: "ghp_test" },
        { id: "infrastructure-repository", username: "", token: "" },
      ],
      common_admin_users: [
        { name: "alice", ssh_keys: ["ssh-ed25519 AAAA alice"] },
        { name: "bob", state: "absent" },
      ],
      __jenkins_data_uuid: { stdout: "0b6f0d2c-1d7e-4c39-9a51-3f1e2d4c5b6a\n" },
    }),
  );
  const result = runTool(sandbox, "ansible-playbook", [
    "-i",
    "localhost,",
    "-c",
    "local",
    join(fixtures, "render-templates.yml"),
    "-e",
    `@${extraVars}`,
  ]);
  if (result.status !== 0) throw new Error(`rendering the templates failed:\n${result.transcript}`);
  texts = JSON.parse(readFileSync(join(rendered, "rendered.json"), "utf8"));
});

describe("the rendering itself", () => {
  it("gives the same text through the template lookup as through the template module", () => {
    expect(read("jenkins.yaml")).toBe(readFileSync(join(rendered, "jenkins.yaml"), "utf8"));
  });
});

afterAll(() => rmSync(sandbox.dir, { recursive: true, force: true }));

describe("Jenkins Configuration as Code", () => {
  it("creates the admin user with the vault's password, escaped from JCasC's variable interpolation", () => {
    const casc = parse(read("jenkins.yaml"));
    expect(casc.jenkins.securityRealm.local.allowsSignup).toBe(false);
    expect(casc.jenkins.securityRealm.local.users).toEqual([
      expect.objectContaining({ id: "admin", password: `correct-horse-^${reference("battery")}-staple` }),
    ]);
    expect(casc.jenkins.authorizationStrategy.loggedInUsersCanDoAnything.allowAnonymousRead).toBe(false);
  });

  it("holds the Slack token, the GitHub token and the repository credentials the pipelines name, and only those set", () => {
    const credentials = parse(read("jenkins.yaml")).credentials.system.domainCredentials[0].credentials;
    expect(credentials).toEqual([
      { string: expect.objectContaining({ id: "slack-token", secret: "xoxb-test-token" }) },
      {
        usernamePassword: expect.objectContaining({
          id: "github-token",
          username: "review-bot",
          password: "github_pat_test",
        }),
      },
      {
        usernamePassword: expect.objectContaining({
          id: "frontend-repository",
          username: "ci-bot",
          password: "ghp_test",
        }),
      },
    ]);
    expect(parse(read("jenkins.yaml")).unclassified.slackNotifier.tokenCredentialId).toBe("slack-token");
  });

  it("knows its public URL", () => {
    expect(parse(read("jenkins.yaml")).unclassified.location.url).toBe("https://jenkins.mgmt.connected.express/");
  });
});

describe("Jenkins service and data volume", () => {
  it("mounts JENKINS_HOME by file system UUID", () => {
    const unit = read("jenkins-home.mount");
    expect(unit).toContain("What=/dev/disk/by-uuid/0b6f0d2c-1d7e-4c39-9a51-3f1e2d4c5b6a\n");
    expect(unit).toContain("Where=/var/lib/jenkins\n");
  });

  it("starts Jenkins only with the data volume mounted, without the setup wizard, with JCasC", () => {
    const override = read("jenkins-override.conf");
    expect(override).toContain("RequiresMountsFor=/var/lib/jenkins");
    expect(override).toContain("-Djenkins.install.runSetupWizard=false");
    expect(override).toContain('Environment="CASC_JENKINS_CONFIG=/var/lib/jenkins/casc_configs"');
    expect(override).toContain('Environment="JENKINS_PORT=8080"');
  });
});

describe("sshd hardening, the same on every host (the common role's one template)", () => {
  /** Every line of the bastion's settings but the forwarding one. */
  const sharedLines = (text: string) => text.split("\n").filter((line) => !line.startsWith("AllowTcpForwarding "));

  it("allows only key logins by the admins, never root, and only local forwarding for ProxyJump on the bastion", () => {
    const sshd = read("sshd-hardening.conf@bastion");
    for (const line of [
      "PermitRootLogin no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "AuthenticationMethods publickey",
      "AllowUsers admin alice",
      "AllowTcpForwarding local",
    ]) {
      expect(sshd).toContain(`${line}\n`);
    }
  });

  it("gives Jenkins (every host outside the bastion group) the same settings, with no forwarding at all", () => {
    const jenkins = read("sshd-hardening.conf");
    expect(jenkins).toContain("AllowTcpForwarding no\n");
    expect(sharedLines(jenkins)).toEqual(sharedLines(read("sshd-hardening.conf@bastion")));
  });

  it("bans with fail2ban on the bastion through the journal (Debian 12 has no auth.log)", () => {
    const jail = read("fail2ban-sshd.local");
    expect(jail).toMatch(/\[sshd\]\nenabled = true\nbackend = systemd\nport = 22\n/);
  });
});

describe("common", () => {
  it("gives passwordless sudo to present admins only", () => {
    const sudoers = read("sudoers-admins");
    expect(sudoers).toContain("alice ALL=(ALL:ALL) NOPASSWD: ALL\n");
    expect(sudoers).not.toContain("bob");
  });

  it("upgrades Debian's security updates and the Docker, Node.js and Temurin repositories unattended", () => {
    const upgrades = read("52unattended-upgrades-local");
    expect(upgrades).toContain("#clear Unattended-Upgrade::Origins-Pattern;");
    for (const pattern of [
      `origin=Debian,codename=${reference("distro_codename")}-security,label=Debian-Security`,
      "origin=Docker,label=Docker CE,site=download.docker.com",
      "site=deb.nodesource.com,codename=nodistro",
      `site=packages.adoptium.net,codename=${reference("distro_codename")}`,
    ]) {
      expect(upgrades).toContain(`        "${pattern}";\n`);
    }
  });
});
