import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { managementEnvironment, vars } from "../../stacks/global/vars";
import {
  type AnsibleSandbox,
  createSandbox,
  fixtures,
  generateInventory,
  provisioning,
  type RunResult,
  root,
  runTool,
  startTool,
  TOOL_TIMEOUT_MS,
} from "./support";

const PLAYBOOKS = ["site.yml", "bastion.yml", "agents.yml", "jenkins.yml", "plugin-updates.yml"];
const bastionHost = `${managementEnvironment}-bastion`;
const jenkinsHost = `${managementEnvironment}-jenkins`;

const LINT = ["--offline", "--profile", "production", "--nocolor"];
/** The task the broken copy gets: no name, no FQCN, a shell command that always reports a change. */
const BREAKING_TASK = "- shell: rm -rf /tmp/example";

let sandbox: AnsibleSandbox;
let inventory: string;
/** ansible-lint takes seconds of CPU per run: both runs start here, the tests below await them. */
let lintRepository: Promise<RunResult>;
let lintBrokenCopy: Promise<RunResult>;
let brokenCopySarif: string;
let syntaxCheck: RunResult | undefined;

beforeAll(() => {
  sandbox = createSandbox();
  lintRepository = startTool(sandbox, "ansible-lint", LINT);
  lintBrokenCopy = startBrokenCopyLint();
  inventory = generateInventory(sandbox, "cdktf-outputs.json");
});

/**
 * The same ansible-lint command in a copy of provisioning/ that holds the lint config, the Ansible
 * config and one role, the common role, with a rule-breaking task added to it (the other roles and
 * the playbooks are left out: they would cost seconds of linting and prove nothing more here).
 */
function startBrokenCopyLint(): Promise<RunResult> {
  const copy = join(sandbox.dir, "lint-copy");
  mkdirSync(join(copy, "roles"), { recursive: true });
  for (const file of [".ansible-lint", "ansible.cfg"]) cpSync(join(provisioning, file), join(copy, file));
  cpSync(join(provisioning, "roles", "common"), join(copy, "roles", "common"), { recursive: true });
  const tasks = join(copy, "roles", "common", "tasks", "packages.yml");
  writeFileSync(tasks, `${readFileSync(tasks, "utf8")}\n${BREAKING_TASK}\n`);
  brokenCopySarif = join(sandbox.dir, "lint-copy.sarif");
  return startTool(sandbox, "ansible-lint", [...LINT, "--sarif-file", brokenCopySarif], {
    cwd: copy,
    env: { ANSIBLE_CONFIG: join(copy, "ansible.cfg") },
  });
}

/** One `ansible-playbook --syntax-check` over every playbook; each test reads its own playbook's line. */
function syntaxCheckAll(): RunResult {
  syntaxCheck ??= runTool(sandbox, "ansible-playbook", ["-i", inventory, "--syntax-check", ...PLAYBOOKS]);
  return syntaxCheck;
}

afterAll(() => rmSync(sandbox.dir, { recursive: true, force: true }));

describe("the generated inventory, as Ansible reads it", () => {
  it("has a bastion group and a jenkins group with one host each (ansible-inventory --graph)", () => {
    const result = runTool(sandbox, "ansible-inventory", ["-i", inventory, "--graph"]);
    expect(result.status, result.transcript).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`@bastion:\\n[ |]*--${bastionHost}\\n`));
    expect(result.stdout).toMatch(new RegExp(`@jenkins:\\n[ |]*--${jenkinsHost}\\n`));
    expect(result.stderr, "ansible-inventory warned about the generated inventory").not.toContain("WARNING");
    // The agents: the groups agents.yml and jenkins.yml's first play target, under jenkins_agents.
    expect(result.stdout).toMatch(/@jenkins_agents:\n[ |]*--@jenkins_build_agents:\n[ |]*--build-agent\n/);
    expect(result.stdout).toMatch(/--@jenkins_deploy_agents:\n[ |]*--deploy-agent-prod\n/);
  });

  it("gives Jenkins the ProxyJump, the SSH user and the port from environments/", () => {
    const result = runTool(sandbox, "ansible-inventory", ["-i", inventory, "--host", jenkinsHost]);
    expect(result.status, result.transcript).toBe(0);
    const hostVars = JSON.parse(result.stdout);
    expect(hostVars.ansible_ssh_common_args).toBe("-o ProxyJump=admin@3.120.10.20");
    expect(hostVars.ansible_user).toBe("admin");
    expect(hostVars.jenkins_http_port).toBe(vars.environments[managementEnvironment].management?.jenkins.port);
  });
});

describe("every playbook parses with the generated inventory (ansible-playbook --syntax-check)", () => {
  for (const playbook of PLAYBOOKS) {
    it(`${playbook} passes the syntax check`, () => {
      const result = syntaxCheckAll();
      expect(result.status, result.transcript).toBe(0);
      expect(result.stdout).toContain(`playbook: ${playbook}`);
    });
  }
});

describe("ansible-lint, production profile, offline", () => {
  it(
    "finds zero violations in provisioning/",
    async () => {
      const result = await lintRepository;
      expect(result.status, result.transcript).toBe(0);
      expect(result.stdout + result.stderr).toMatch(/Passed: 0 failure\(s\), 0 warning\(s\)/);
    },
    TOOL_TIMEOUT_MS,
  );

  it("covers every role, the jenkins_agent role included: the config excludes none", () => {
    const config = parse(readFileSync(join(provisioning, ".ansible-lint"), "utf8"));
    expect(readdirSync(join(provisioning, "roles"))).toEqual(
      expect.arrayContaining(["common", "bastion", "jenkins", "jenkins_agent"]),
    );
    const excluded: string[] = config.exclude_paths ?? [];
    expect(excluded.filter((path) => path.startsWith("roles") || path === "agents.yml")).toEqual([]);
  });

  it("skips no rule: the config has no skip or warn list", () => {
    const config = parse(readFileSync(join(provisioning, ".ansible-lint"), "utf8"));
    expect(config.profile).toBe("production");
    expect(config.offline).toBe(true);
    expect(config.skip_list ?? [], "every skipped rule needs a reason next to it").toEqual([]);
    expect(config.warn_list ?? []).toEqual([]);
  });

  it(
    "does lint the roles: a task that breaks the rules fails the run",
    async () => {
      const result = await lintBrokenCopy;
      expect(result.status, result.transcript).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/fqcn|name\[missing\]|no-changed-when/);
      // Every violation is the added task's, so the run failed for that task and nothing else.
      const sarif = JSON.parse(readFileSync(brokenCopySarif, "utf8"));
      const places: string[] = sarif.runs[0].results.map(
        (finding: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
          finding.locations[0].physicalLocation.artifactLocation.uri,
      );
      expect(places.length, result.transcript).toBeGreaterThan(0);
      expect(new Set(places)).toEqual(new Set(["roles/common/tasks/packages.yml"]));
    },
    TOOL_TIMEOUT_MS,
  );
});

describe("yamllint", () => {
  it("accepts provisioning/ and environments/ in strict mode", () => {
    const result = runTool(sandbox, "yamllint", ["--strict", "-c", ".yamllint", "provisioning", "environments"], {
      cwd: root,
    });
    expect(result.status, result.transcript).toBe(0);
  });
});

describe("the vault", () => {
  /** Every file under group_vars, relative to provisioning/. */
  function groupVarsFiles(dir = join(provisioning, "group_vars")): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? groupVarsFiles(path) : [path];
    });
  }

  it("keeps no vault_ secret in plain text under group_vars", () => {
    const plain = groupVarsFiles().filter((file) => {
      const text = readFileSync(file, "utf8");
      return !text.startsWith("$ANSIBLE_VAULT;") && /^vault_\w+:/m.test(text);
    });
    expect(
      plain.map((file) => relative(root, file)),
      "encrypt them with ansible-vault encrypt",
    ).toEqual([]);
  });

  it("documents every vault key that group_vars reads", () => {
    const example = parse(readFileSync(join(provisioning, "vault.example.yml"), "utf8"));
    const used = new Set(
      groupVarsFiles()
        .map((file) => readFileSync(file, "utf8"))
        .flatMap((text) => [...text.matchAll(/\b(vault_\w+)/g)].map((match) => match[1])),
    );
    expect(used.size).toBeGreaterThan(0);
    for (const key of used) expect(Object.keys(example), `${key} is missing from vault.example.yml`).toContain(key);
  });

  it("an example vault encrypted with a throwaway password feeds the Jenkins secrets", () => {
    const copy = join(sandbox.dir, "vault-copy");
    cpSync(provisioning, copy, { recursive: true, filter: (path) => !path.includes("/inventory/generated") });
    const vault = join(copy, "group_vars", "all", "vault.yml");
    const encrypt = runTool(sandbox, "ansible-vault", ["encrypt", join(copy, "vault.example.yml"), "--output", vault]);
    expect(encrypt.status, encrypt.transcript).toBe(0);
    expect(readFileSync(vault, "utf8")).toMatch(/^\$ANSIBLE_VAULT;1\.1;AES256\n/);

    const hostVars = runTool(sandbox, "ansible-inventory", [
      "-i",
      inventory,
      "--playbook-dir",
      copy,
      "--host",
      jenkinsHost,
    ]);
    expect(hostVars.status, hostVars.transcript).toBe(0);
    expect(JSON.parse(hostVars.stdout).vault_jenkins_break_glass_password).toBe("CHANGE-ME-break-glass-password");

    const wrongPassword = join(sandbox.dir, "wrong-password.txt");
    writeFileSync(wrongPassword, "not-the-password\n");
    const denied = runTool(
      sandbox,
      "ansible-inventory",
      ["-i", inventory, "--playbook-dir", copy, "--host", jenkinsHost],
      {
        env: { ANSIBLE_VAULT_PASSWORD_FILE: wrongPassword },
      },
    );
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/[Dd]ecryption failed/);
  });
});

describe("the roles' selection logic, on sample facts", () => {
  const nitro = JSON.parse(readFileSync(join(fixtures, "nitro-facts.json"), "utf8"));
  const admins = [
    { name: "alice", ssh_keys: ["ssh-ed25519 AAAA alice"] },
    { name: "bob", state: "absent" },
  ];
  const cases = [
    {
      name: "takes the only empty non-root EBS disk as the data volume (NVMe names, no links)",
      extra: { ansible_facts: nitro, __jenkins_data_links: { results: [] } },
      device: "/dev/nvme1n1",
    },
    {
      name: "prefers the NVMe link named after the volume id",
      extra: {
        ansible_facts: nitro,
        jenkins_data_volume_id: "vol-0a1b2c3d4e5f60718",
        __jenkins_data_links: {
          results: [
            { item: "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0a1b2c3d4e5f60718", stat: { exists: true } },
            { item: "/dev/sdf", stat: { exists: false } },
          ],
        },
      },
      device: "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0a1b2c3d4e5f60718",
    },
    {
      name: "still decides when the mount facts name no device for / (a root that is no device path)",
      extra: {
        ansible_facts: { ...nitro, mounts: nitro.mounts.filter((mount: { mount: string }) => mount.mount !== "/") },
        __jenkins_data_links: { results: [] },
      },
      device: "/dev/nvme1n1",
    },
    {
      name: "refuses to guess between two empty disks",
      extra: {
        ansible_facts: {
          ...nitro,
          devices: { ...nitro.devices, nvme3n1: { partitions: {}, holders: [], model: "Amazon Elastic Block Store" } },
        },
        __jenkins_data_links: { results: [] },
      },
      device: "",
    },
  ];
  for (const { name, extra, device } of cases) {
    it(name, () => {
      const extraVars = join(sandbox.dir, "logic-vars.json");
      writeFileSync(
        extraVars,
        JSON.stringify({
          ...extra,
          ansible_user: "admin",
          common_admin_users: admins,
          expected_data_device: device,
          expected_ssh_users: ["admin", "alice"],
        }),
      );
      const result = runTool(
        sandbox,
        "ansible-playbook",
        ["-i", "localhost,", "-c", "local", join(fixtures, "role-logic.yml"), "-e", `@${extraVars}`],
        { env: { ANSIBLE_INVENTORY: "localhost," } },
      );
      expect(result.status, result.transcript).toBe(0);
      expect(result.stdout).toContain(`data device=${device} ssh users=admin,alice`);
    });
  }
});
