import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BUILD_AGENT_HOST, BUILD_AGENT_LABEL, deployAgentHost, deployAgentLabel } from "../../lib/jenkins-agents";
import {
  type AnsibleSandbox,
  createSandbox,
  fixtures,
  generateInventory,
  provisioning,
  runTool,
  venvPython,
} from "./support";

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
/** The secret files the role writes (fixtures: secrets.json), name to content. */
let secrets: Record<string, string>;
/** Secret values the render gets, each with a sentinel no template contains: none may reach jenkins.yaml. */
const SENTINELS = {
  jenkins_slack_token: "xoxb-SENTINEL-slack-5d1f",
  jenkins_github_token: "github_pat_SENTINEL-github-8c2e",
  jenkins_oidc_client_secret: `SENTINEL-oidc-${reference("not-a-reference")}-9a7b`,
  jenkins_break_glass_password: "SENTINEL-break-glass-password-3e4d",
  jenkins_jobs_export_api_token: "11c0ffee5e4714e15e4714e15e4714e123",
  jenkins_agent_ssh_private_key:
    "-----BEGIN OPENSSH PRIVATE KEY-----\nSENTINEL-agent-key-0b6c\n-----END OPENSSH PRIVATE KEY-----",
};
const REPOSITORY_TOKEN = "ghp_SENTINEL-repository-77aa";
const HOST_KEYS = {
  [BUILD_AGENT_HOST]: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuildAgentHostKey0000000000000000000000 root@build-agent",
  [deployAgentHost("prod")]: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeployAgentHostKey000000000000000000000 root@deploy",
};

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
      ...SENTINELS,
      jenkins_github_username: "review-bot",
      jenkins_oidc_well_known_url: "https://login.example.com/.well-known/openid-configuration",
      jenkins_oidc_client_id: "jenkins",
      jenkins_repository_credentials: [
        { id: "frontend-repository", username: "ci-bot", token: REPOSITORY_TOKEN },
        { id: "infrastructure-repository", username: "", token: "" },
      ],
      test_agent_host_keys: HOST_KEYS,
      common_admin_users: [
        { name: "alice", ssh_keys: ["ssh-ed25519 AAAA alice"] },
        { name: "bob", state: "absent" },
      ],
      __jenkins_data_uuid: { stdout: "0b6f0d2c-1d7e-4c39-9a51-3f1e2d4c5b6a\n" },
    }),
  );
  // The inventory pnpm inventory writes (its agent groups) and localhost, where the rendering runs.
  const inventory = generateInventory(sandbox, "cdktf-outputs.json");
  const result = runTool(sandbox, "ansible-playbook", [
    "-i",
    inventory,
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
  secrets = JSON.parse(readFileSync(join(rendered, "secrets.json"), "utf8"));
});

describe("the rendering itself", () => {
  it("gives the same text through the template lookup as through the template module", () => {
    expect(read("jenkins.yaml")).toBe(readFileSync(join(rendered, "jenkins.yaml"), "utf8"));
  });
});

afterAll(() => rmSync(sandbox.dir, { recursive: true, force: true }));

/** Every `${NAME}` a configuration reads from JCasC's secret source. */
const secretReferences = (text: string) =>
  [...text.replace(/^\s*#.*$/gm, "").matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1] ?? "");

/** Problems of a rendered jenkins.yaml: a sentinel secret value in it, or a reference no secret file answers. */
function secretProblems(text: string, files: Record<string, string>): string[] {
  const leaked = [...Object.values(SENTINELS), REPOSITORY_TOKEN]
    .flatMap((value) => value.split("\n"))
    .filter((line) => /SENTINEL|c0ffee/.test(line) && text.includes(line));
  const unresolved = secretReferences(text).filter((name) => !(name in files));
  return [
    ...leaked.map((line) => `secret value in jenkins.yaml: ${line}`),
    ...unresolved.map((name) => `no secret file ${name}`),
  ];
}

/** The global roles (role-strategy) that grant a permission, with their entries. */
function rolesGranting(casc: CascRoles, permission: string) {
  return casc.jenkins.authorizationStrategy.roleBased.roles.global.filter((role) =>
    role.permissions.includes(permission),
  );
}
interface CascRoles {
  jenkins: {
    authorizationStrategy: {
      roleBased: {
        roles: {
          global: { name: string; permissions: string[]; entries: ({ group: string } | { user: string })[] }[];
        };
      };
    };
  };
}

describe("Jenkins Configuration as Code", () => {
  const casc = () => parse(read("jenkins.yaml"));

  it("gives the controller no executor: every build runs on an agent", () => {
    expect(casc().jenkins.numExecutors).toBe(0);
    expect(parse(read("jenkins.yaml@break-glass")).jenkins.numExecutors).toBe(0);
  });

  it("holds no secret value: each secret is a reference that a secret file of the role answers", () => {
    expect(secretProblems(read("jenkins.yaml"), secrets)).toEqual([]);
    expect(secretReferences(read("jenkins.yaml")).sort()).toEqual(
      [
        "JENKINS_AGENT_SSH_KEY",
        "JENKINS_FRONTEND_REPOSITORY_TOKEN",
        "JENKINS_GITHUB_TOKEN",
        "JENKINS_OIDC_CLIENT_SECRET",
        "JENKINS_SLACK_TOKEN",
      ].sort(),
    );
    expect(secretProblems(read("jenkins.yaml@break-glass"), { ...secrets, JENKINS_BREAK_GLASS_PASSWORD: "" })).toEqual(
      [],
    );
  });

  it("catches a secret value written into a copy of the configuration, and a reference nothing answers", () => {
    const leaked = `${read("jenkins.yaml")}\n# ${SENTINELS.jenkins_slack_token}\n`;
    expect(secretProblems(leaked, secrets)).toEqual([`secret value in jenkins.yaml: ${SENTINELS.jenkins_slack_token}`]);
    const unanswered = read("jenkins.yaml").replace(reference("JENKINS_SLACK_TOKEN"), reference("JENKINS_SLACK_TOKN"));
    expect(secretProblems(unanswered, secrets)).toEqual(["no secret file JENKINS_SLACK_TOKN"]);
  });

  it("writes each secret file with the vault's value, escaped from JCasC's interpolation of resolved values", () => {
    expect(secrets.JENKINS_SLACK_TOKEN).toBe(SENTINELS.jenkins_slack_token);
    expect(secrets.JENKINS_AGENT_SSH_KEY).toBe(SENTINELS.jenkins_agent_ssh_private_key);
    expect(secrets.JENKINS_EXPORT_API_TOKEN).toBe(SENTINELS.jenkins_jobs_export_api_token);
    expect(secrets.JENKINS_FRONTEND_REPOSITORY_TOKEN).toBe(REPOSITORY_TOKEN);
    // The task escapes ${ as ^${ when it writes the file (tasks/casc.yml); the value itself is the vault's.
    expect(secrets.JENKINS_OIDC_CLIENT_SECRET).toBe(SENTINELS.jenkins_oidc_client_secret);
    const casc = readFileSync(join(provisioning, "roles/jenkins/tasks/casc.yml"), "utf8");
    expect(casc).toContain(`content: "{{ item.value | replace('${"$"}{', '^${"$"}{') }}\\n"`);
    // Without break-glass there is no local password at all.
    expect(secrets).not.toHaveProperty("JENKINS_BREAK_GLASS_PASSWORD");
  });

  it("reads the secret files through JCasC's SECRETS folder", () => {
    expect(read("jenkins-override.conf")).toContain('Environment="SECRETS=/var/lib/jenkins/casc_secrets"\n');
  });

  it("signs people in with OpenID Connect, the groups from the IdP's claim", () => {
    const realm = casc().jenkins.securityRealm;
    expect(Object.keys(realm)).toEqual(["oic"]);
    expect(realm.oic).toMatchObject({
      clientId: "jenkins",
      clientSecret: reference("JENKINS_OIDC_CLIENT_SECRET"),
      groupsFieldName: "groups",
      pkceEnabled: true,
      escapeHatchEnabled: false,
    });
    expect(realm.oic.serverConfiguration.wellKnown.wellKnownOpenIDConfigurationUrl).toBe(
      "https://login.example.com/.well-known/openid-configuration",
    );
  });

  it("grants Overall/Administer (the Script Console) to the admins group alone", () => {
    const administer = rolesGranting(casc(), "Overall/Administer");
    expect(administer.map((role) => role.name)).toEqual(["admins"]);
    expect(administer[0]?.entries).toEqual([{ group: "jenkins-admins" }]);
    for (const permission of ["Overall/RunScripts", "Run/Replay", "Job/Configure"]) {
      const others = rolesGranting(casc(), permission).filter((role) => !["admins", "job-export"].includes(role.name));
      expect(
        others.map((role) => role.name),
        permission,
      ).toEqual([]);
    }
    expect(rolesGranting(casc(), "Job/Configure").flatMap((role) => role.entries)).toEqual([
      { user: "svc-job-export" },
    ]);
  });

  it("has the roles admins, read-only, deployers, prod-approvers and the job export's, from the IdP's groups", () => {
    const roles = casc().jenkins.authorizationStrategy.roleBased.roles
      .global as CascRoles["jenkins"]["authorizationStrategy"]["roleBased"]["roles"]["global"];
    expect(roles.map((role) => role.name)).toEqual([
      "admins",
      "read-only",
      "deployers",
      "prod-approvers",
      "job-export",
    ]);
    const byName = Object.fromEntries(roles.map((role) => [role.name, role]));
    expect(byName.deployers?.permissions).toContain("Job/Build");
    expect(byName["prod-approvers"]?.permissions).not.toContain("Job/Build");
    expect(byName["prod-approvers"]?.entries).toEqual([{ group: "jenkins-prod-approvers" }]);
    // deploy-service's approvals name this group as the input's submitter (pipelines/deploy-service/Jenkinsfile).
    const globals = casc().jenkins.globalNodeProperties[0].envVars.env;
    expect(globals).toEqual([{ key: "PROD_APPROVERS", value: "jenkins-prod-approvers" }]);
  });

  it("catches, in a copy of the configuration, Overall/Administer given to another role", () => {
    const broken = parse(read("jenkins.yaml")) as CascRoles;
    broken.jenkins.authorizationStrategy.roleBased.roles.global[2]?.permissions.push("Overall/Administer");
    expect(rolesGranting(broken, "Overall/Administer").map((role) => role.name)).toEqual(["admins", "deployers"]);
  });

  it("declares the build agent and each approval environment's deploy agent, launched over SSH with their known host keys", () => {
    const nodes = casc().jenkins.nodes.map((node: { permanent: Record<string, unknown> }) => node.permanent);
    expect(nodes.map((node: Record<string, unknown>) => [node.name, node.labelString])).toEqual([
      [BUILD_AGENT_HOST, BUILD_AGENT_LABEL],
      [deployAgentHost("prod"), deployAgentLabel("prod")],
    ]);
    for (const node of nodes) {
      const ssh = (node.launcher as { ssh: Record<string, unknown> }).ssh;
      expect(ssh.credentialsId).toBe("jenkins-agent-ssh");
      expect(ssh.sshHostKeyVerificationStrategy).toEqual({
        manuallyProvidedKeyVerificationStrategy: {
          key: HOST_KEYS[node.name as string]?.split(" ").slice(0, 2).join(" "),
        },
      });
      expect(node.mode).toBe("EXCLUSIVE");
      expect(node.remoteFS).toBe("/var/lib/jenkins-agent");
    }
    expect(nodes.map((node: Record<string, unknown>) => (node.launcher as { ssh: { host: string } }).ssh.host)).toEqual(
      ["10.0.8.40", "10.0.9.41"],
    );
    expect(read("jenkins.yaml")).not.toMatch(/nonVerifyingKeyVerificationStrategy/);
  });

  it("lets a deploy agent take deploy-service and no other job", () => {
    const nodes = casc().jenkins.nodes.map((node: { permanent: Record<string, unknown> }) => node.permanent);
    expect(nodes[0].nodeProperties).toBeUndefined();
    expect(nodes[1].nodeProperties).toEqual([
      {
        jobRestrictionProperty: {
          jobRestriction: { regexNameRestriction: { regexExpression: "^deploy-service$", checkShortName: false } },
        },
      },
    ]);
  });

  it("keeps the agents' SSH key from builds (scope SYSTEM), and the other credentials by name only", () => {
    const credentials = casc().credentials.system.domainCredentials[0].credentials;
    expect(credentials).toEqual([
      {
        basicSSHUserPrivateKey: expect.objectContaining({
          scope: "SYSTEM",
          id: "jenkins-agent-ssh",
          username: "jenkins",
          privateKeySource: { directEntry: { privateKey: reference("JENKINS_AGENT_SSH_KEY") } },
        }),
      },
      { string: expect.objectContaining({ id: "slack-token", secret: reference("JENKINS_SLACK_TOKEN") }) },
      {
        usernamePassword: expect.objectContaining({
          id: "github-token",
          username: "review-bot",
          password: reference("JENKINS_GITHUB_TOKEN"),
        }),
      },
      {
        usernamePassword: expect.objectContaining({
          id: "frontend-repository",
          username: "ci-bot",
          password: reference("JENKINS_FRONTEND_REPOSITORY_TOKEN"),
        }),
      },
    ]);
    expect(casc().unclassified.slackNotifier.tokenCredentialId).toBe("slack-token");
  });

  it("with break-glass on, signs in only the local administrator, its password from the vault, an admin", () => {
    const breakGlass = parse(read("jenkins.yaml@break-glass"));
    expect(breakGlass.jenkins.securityRealm).toEqual({
      local: {
        allowsSignup: false,
        users: [
          { id: "break-glass", name: "Break-glass administrator", password: reference("JENKINS_BREAK_GLASS_PASSWORD") },
        ],
      },
    });
    expect(rolesGranting(breakGlass, "Overall/Administer")[0]?.entries).toEqual([
      { group: "jenkins-admins" },
      { user: "break-glass" },
    ]);
  });

  it("gives the job export's user its token from the secret file at every start", () => {
    const script = read("job-export-token.groovy");
    expect(script).toContain('User.getById("svc-job-export", true)');
    expect(script).toContain("'JENKINS_EXPORT_API_TOKEN'");
    expect(script).not.toContain(SENTINELS.jenkins_jobs_export_api_token);
  });

  it("names the agents' user and home as the jenkins_agent role creates them (one value, group_vars/all)", () => {
    const values = [
      "group_vars/all/main.yml",
      "roles/jenkins/defaults/main.yml",
      "roles/jenkins_agent/defaults/main.yml",
    ].map((file) => parse(readFileSync(join(provisioning, file), "utf8")));
    for (const key of ["jenkins_agent_user", "jenkins_agent_home"]) {
      expect(new Set(values.map((vars) => vars[key])).size, key).toBe(1);
    }
    expect(casc().credentials.system.domainCredentials[0].credentials[0].basicSSHUserPrivateKey.username).toBe(
      values[0].jenkins_agent_user,
    );
  });

  it("knows its public URL", () => {
    expect(casc().unclassified.location.url).toBe("https://jenkins.mgmt.connected.express/");
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
