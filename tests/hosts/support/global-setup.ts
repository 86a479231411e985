/**
 * vitest global setup of the host tests (`pnpm test:hosts`): boots the bastion and Jenkins with the
 * harness (scripts/hosts), writes the inventory with the real `pnpm inventory` from outputs that
 * carry the hosts' addresses, a test vault (encrypted with a throwaway password) and the test's vars,
 * leaves a former admin on both hosts for the role to remove, then converges site.yml twice, with a
 * file written to JENKINS_HOME in between. The tests read every result with `inject("hostsRun")`.
 * A run of a deliberately non-idempotent copy of the roles starts last and is awaited by its test.
 * Teardown removes everything the harness created, also when a step failed.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { preflight, startHosts, stopHosts } from "../../../scripts/hosts/harness";
import { JUMP, ssh } from "../../../scripts/hosts/ssh";
import { BASTION, JENKINS, RUNNER_ADDRESS } from "../../../scripts/hosts/topology";
import { createSandbox, provisioning, type RunResult, root, runTool } from "../../provisioning/support";
import { type AnsibleRun, runPlaybook } from "./ansible";
import type { HostsRun } from "./context";

const log = (line: string) => console.log(`[hosts] ${line}`);

/** The test vault: what group_vars/all/vault.yml holds in production, test-only values. */
const TEST_VAULT = `---
vault_jenkins_oidc_client_secret: test-only-oidc-client-secret
vault_jenkins_break_glass_password: test-only-break-glass-password-0001
vault_jenkins_export_api_token: 110123456789abcdef0123456789abcdef
vault_jenkins_agent_ssh_private_key: |
  -----BEGIN OPENSSH PRIVATE KEY-----
  test-only-not-a-key
  -----END OPENSSH PRIVATE KEY-----
vault_jenkins_agent_ssh_public_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestOnlyNotAKey test-only
vault_jenkins_slack_token: xoxb-test-only-token
vault_jenkins_github_username: test-only-github-user
vault_jenkins_github_token: test-only-github-token
`;

/** The task a scratch copy of the common role gets: a command without `creates` or `changed_when`. */
export const NON_IDEMPOTENT_TASK = `
- name: Record the last converge (not idempotent on purpose)
  ansible.builtin.command:
    argv: [touch, /var/tmp/last-converge]
`;

/** The scratch copy's playbook: the common role on the bastion. */
const COMMON_ON_BASTION = `---
- name: Apply the changed common role to the bastion
  hosts: bastion
  become: true
  roles:
    - role: common
`;

function keyPair(dir: string, name: string): { key: string; publicKey: string } {
  const key = join(dir, name);
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${name}@test`, "-f", key]);
  return { key, publicKey: readFileSync(`${key}.pub`, "utf8").trim() };
}

export default async function setup(project: TestProject) {
  const problems = preflight();
  if (problems.length > 0) {
    throw new Error(
      `the host tests cannot run here:\n  - ${problems.join("\n  - ")}\n` +
        "Fix that, or set SKIP_HOST_TESTS=1 to skip them (the test command then says so in its closing lines).",
    );
  }
  const started = Date.now();
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const sandbox = createSandbox();
  let brokenCopy: Promise<unknown> = Promise.resolve();
  const teardown = async () => {
    await brokenCopy;
    const leftovers = await stopHosts({ log });
    rmSync(sandbox.dir, { recursive: true, force: true });
    if (leftovers.length > 0) throw new Error(`the harness could not undo: ${leftovers.join("; ")}`);
  };
  try {
    const hosts = await startHosts({ log, replace: true });
    log(`hosts up after ${seconds()} (image ${hosts.imageBuilt ? "built" : "cached"})`);

    const inventory = join(sandbox.dir, "inventory", "generated.yml");
    const written = spawnSync(
      process.execPath,
      ["--import", "tsx", "scripts/inventory/cli.ts", "--outputs", hosts.outputs, "--out", inventory],
      { cwd: root, encoding: "utf8" },
    );
    if (written.status !== 0) throw new Error(`pnpm inventory failed:\n${written.stderr}`);

    const vaultDir = join(sandbox.dir, "inventory", "group_vars", "all");
    mkdirSync(vaultDir, { recursive: true });
    writeFileSync(join(sandbox.dir, "vault.yml"), TEST_VAULT);
    const encrypted = runTool(sandbox, "ansible-vault", [
      "encrypt",
      join(sandbox.dir, "vault.yml"),
      "--output",
      join(vaultDir, "vault.yml"),
    ]);
    if (encrypted.status !== 0) throw new Error(`ansible-vault encrypt failed:\n${encrypted.transcript}`);
    rmSync(join(sandbox.dir, "vault.yml"));

    const keys = join(sandbox.dir, "keys");
    mkdirSync(keys, { mode: 0o700 });
    const alice = keyPair(keys, "alice");
    const bob = keyPair(keys, "bob");
    const extraVars = join(sandbox.dir, "test-vars.json");
    const timezone = "Europe/Berlin";
    writeFileSync(
      extraVars,
      JSON.stringify({
        common_admin_users: [
          { name: "alice", ssh_keys: [alice.publicKey] },
          { name: "bob", state: "absent" },
        ],
        // The runner (the operator's network) is never banned; the attacker namespace is.
        bastion_fail2ban_ignore_networks: [`${RUNNER_ADDRESS}/32`],
        common_timezone: timezone,
        // The identity provider people sign in with (group_vars/all/main.yml): never reached here.
        jenkins_oidc_well_known_url: "https://login.example.com/.well-known/openid-configuration",
        jenkins_oidc_client_id: "jenkins",
      }),
    );
    const run: AnsibleRun = {
      sandbox: { ...sandbox, env: { ...sandbox.env, ANSIBLE_SSH_EXTRA_ARGS: `-F ${hosts.ssh.config}` } },
      inventory,
      extraVars,
    };

    // bob was an admin before: his login, key and sudo are on both hosts until the converge.
    for (const host of [BASTION, JENKINS]) {
      const jump = host === JENKINS ? JUMP : undefined;
      const made = ssh(
        hosts.ssh,
        host.address,
        `sudo useradd --create-home --shell /bin/bash --groups sudo bob && sudo install -d -o bob -g bob -m 0700 /home/bob/.ssh && echo '${bob.publicKey}' | sudo install -o bob -g bob -m 0600 /dev/stdin /home/bob/.ssh/authorized_keys`,
        { jump },
      );
      if (made.status !== 0) throw new Error(`could not create the former admin on ${host.name}: ${made.stderr}`);
    }

    const converge: RunResult[] = [];
    converge.push(await runPlaybook(run, "site.yml"));
    log(`first converge done after ${seconds()} (exit ${converge[0].status})`);
    const marker = {
      path: "/var/lib/jenkins/test-harness-marker",
      content: `written before the second converge ${Date.now()}`,
    };
    ssh(hosts.ssh, JENKINS.address, `echo '${marker.content}' | sudo tee ${marker.path} >/dev/null`, {
      jump: JUMP,
    });
    converge.push(await runPlaybook(run, "site.yml"));
    log(`second converge done after ${seconds()} (exit ${converge[1].status})`);
    const layers = statfsSync(join(hosts.stateDir, "layers"));
    log(`writable layers: ${(((layers.blocks - layers.bfree) * layers.bsize) / 2 ** 20).toFixed(0)} MiB in memory`);

    // The idempotence check on a role change that breaks it: a scratch copy of provisioning/ whose
    // common role gains a command that reports a change on every run; the copy's common role runs on
    // the converged bastion (the role alone: what the change touched, and the shortest run).
    const copy = join(sandbox.dir, "broken-copy");
    cpSync(provisioning, copy, { recursive: true, filter: (path) => !path.includes("/inventory/generated") });
    const tasks = join(copy, "roles", "common", "tasks", "packages.yml");
    writeFileSync(tasks, `${readFileSync(tasks, "utf8")}${NON_IDEMPOTENT_TASK}`);
    writeFileSync(join(copy, "common.yml"), COMMON_ON_BASTION);
    const brokenCopyResult = join(sandbox.dir, "broken-copy.json");
    brokenCopy = runPlaybook(run, "common.yml", { cwd: copy }).then((result) =>
      writeFileSync(brokenCopyResult, JSON.stringify(result)),
    );

    const context: HostsRun = {
      stateDir: hosts.stateDir,
      ssh: hosts.ssh,
      run,
      converge,
      marker,
      admins: { present: { name: "alice", ...alice }, removed: "bob" },
      timezone,
      brokenCopyResult,
    };
    project.provide("hostsRun", context);
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
