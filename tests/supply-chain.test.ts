import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  downloadsWithoutChecksum,
  hostsWithoutCommon,
  pluginLock,
  repositories,
  repositoriesWithoutUpgrades,
  sshdOwners,
  ssmAgentProblems,
  unpinnedRepositories,
} from "./provisioning/pins";

const root = resolve(import.meta.dirname, "..");
const packageManager = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager as string;
const pinnedPnpm = /^pnpm@(\d+\.\d+\.\d+)/.exec(packageManager)?.[1];

describe("supply chain: what the repository installs is pinned", () => {
  it("installs pnpm at exactly the version package.json pins, in CI and in the README's first command", () => {
    expect(pinnedPnpm).toMatch(/^10\.\d+\.\d+$/);
    expect(readFileSync(join(root, ".ci/run"), "utf8")).toContain('require("./package.json").packageManager');
    expect(readFileSync(join(root, "README.md"), "utf8")).toContain(
      `npm install -g pnpm@${pinnedPnpm} && pnpm install`,
    );
  });

  it("refuses a Groovy jar whose SHA-256 is not the pinned one, and removes it", () => {
    const scratch = mkdtempSync(join(tmpdir(), "groovy-pin-"));
    mkdirSync(join(scratch, "scripts/groovy"), { recursive: true });
    mkdirSync(join(scratch, ".cache/groovy"), { recursive: true });
    copyFileSync(join(root, "scripts/ensure-groovy.sh"), join(scratch, "scripts/ensure-groovy.sh"));
    copyFileSync(
      join(root, "scripts/groovy/GroovySyntaxCheck.java"),
      join(scratch, "scripts/groovy/GroovySyntaxCheck.java"),
    );
    const jar = join(scratch, ".cache/groovy/groovy-4.0.28.jar");
    writeFileSync(jar, "not the groovy jar");
    const run = spawnSync("bash", [join(scratch, "scripts/ensure-groovy.sh")], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("does not have the pinned SHA-256");
    expect(existsSync(jar)).toBe(false);
  });

  it("installs the Python tools only against the hashes in requirements-dev.txt", () => {
    const requirements = readFileSync(join(root, "requirements-dev.txt"), "utf8");
    const pins = requirements.split("\n").filter((line) => /^[A-Za-z0-9_.-]+==/.test(line));
    expect(pins.length).toBeGreaterThan(100);
    const blocks = requirements.split(/\n(?=[A-Za-z0-9_.-]+==)/).filter((block) => /^[A-Za-z0-9_.-]+==/.test(block));
    for (const block of blocks) expect(block, block.split(" ")[0]).toMatch(/--hash=sha256:[0-9a-f]{64}/);
    expect(readFileSync(join(root, "scripts/ensure-venv.sh"), "utf8")).toContain("--require-hashes");
  });
});

const provisioning = join(root, "provisioning");
/** Repositories whose one package is held at a pinned version and bumped deliberately, not unattended. */
const HELD = { jenkins: "jenkins", hashicorp: "terraform" };
const scratch = mkdtempSync(join(tmpdir(), "provisioning-pins-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of provisioning/ with `file` changed by `change`: what a change to the roles could do. */
function brokenCopy(file: string, change: (text: string) => string): string {
  const copy = mkdtempSync(join(scratch, "copy-"));
  cpSync(provisioning, copy, { recursive: true, filter: (path) => !path.includes("/inventory/generated") });
  const before = readFileSync(join(copy, file), "utf8");
  const after = change(before);
  expect(after, `the change to ${file} changed nothing`).not.toBe(before);
  writeFileSync(join(copy, file), after);
  return copy;
}

describe("supply chain: what the Ansible roles download is pinned", () => {
  it("pins every Jenkins plugin as id:version in the lock list, installed with --latest false", () => {
    const { pins, problems } = pluginLock(provisioning);
    expect(problems).toEqual([]);
    // What the pipelines, JCasC and the agents (issue 15) use.
    for (const plugin of [
      ...["workflow-aggregator", "git", "github-branch-source", "configuration-as-code", "credentials"],
      ...["credentials-binding", "slack", "lockable-resources", "docker-workflow", "amazon-ecr"],
      ...["ssh-slaves", "role-strategy", "oic-auth"],
    ]) {
      expect(pins.get(plugin), plugin).toMatch(/^[0-9]/);
    }
  });

  it("refuses a lock list with an unpinned plugin, a floating version, or dependencies left to float", () => {
    const lock = "roles/jenkins/files/plugins.txt";
    expect(pluginLock(brokenCopy(lock, (text) => `${text}matrix-auth\n`)).problems).toEqual([
      'plugins.txt: "matrix-auth" is no id:version pin',
    ]);
    expect(pluginLock(brokenCopy(lock, (text) => text.replace("git:5.10.0", "git:latest"))).problems).toEqual([
      'plugins.txt: "git:latest" is no id:version pin',
    ]);
    const floating = brokenCopy("roles/jenkins/tasks/plugins.yml", (text) => text.replace("--latest false\n", ""));
    expect(pluginLock(floating).problems).toEqual(["plugins.yml installs without --latest false: dependencies float"]);
  });

  it("checks every download against a SHA-256: the plugin manager jar, the SSM agent", () => {
    expect(downloadsWithoutChecksum(provisioning)).toEqual([]);
    const jenkins = readFileSync(join(provisioning, "roles/jenkins/defaults/main.yml"), "utf8");
    expect(jenkins).toMatch(/^jenkins_plugin_manager_version: "\d+\.\d+\.\d+"$/m);
    expect(jenkins).toContain('jenkins_plugin_manager_checksum: "sha256:{{ jenkins_plugin_manager_url }}.sha256"');
    const unchecked = brokenCopy("roles/jenkins/tasks/plugins.yml", (text) =>
      text.replace('    checksum: "{{ jenkins_plugin_manager_checksum }}"\n', ""),
    );
    expect(downloadsWithoutChecksum(unchecked)).toEqual([
      'roles/jenkins/tasks/plugins.yml: "Download the Jenkins plugin manager" downloads without a sha256 checksum',
    ]);
  });

  it("adds every apt repository through the pinned-fingerprint key check, each with a full fingerprint", () => {
    expect(unpinnedRepositories(provisioning)).toEqual([]);
    const names = new Set(repositories(provisioning).map((repository) => repository.name));
    for (const name of ["adoptium", "docker", "hashicorp", "jenkins", "nodesource"]) expect(names).toContain(name);
    const raw = brokenCopy("roles/jenkins/tasks/terraform.yml", (text) =>
      text.replace(
        / {2}ansible\.builtin\.include_role:[\s\S]*?key_fingerprints: .*\n/,
        "  ansible.builtin.deb822_repository:\n    name: hashicorp\n    signed_by: https://apt.releases.hashicorp.com/gpg\n",
      ),
    );
    expect(unpinnedRepositories(raw)).toEqual([
      `roles/jenkins/tasks/terraform.yml: "Add HashiCorp's apt repository" adds a repository without the pinned-key check`,
    ]);
    const keyId = brokenCopy("roles/jenkins/defaults/main.yml", (text) =>
      text.replace("  - 5E386EADB55F01504CAE8BCF7198F4B714ABFC68", "  - 7198F4B714ABFC68"),
    );
    expect(unpinnedRepositories(keyId)).toEqual([
      'roles/jenkins/tasks/install.yml: "Add the Jenkins LTS apt repository" pins no 40-hex-digit key fingerprint',
    ]);
  });

  it("upgrades every third-party repository unattended, or holds its package at the pinned version", () => {
    expect(repositoriesWithoutUpgrades(provisioning, HELD)).toEqual([]);
    const noDocker = brokenCopy("roles/common/defaults/main.yml", (text) =>
      text.replace("  - origin=Docker,label=Docker CE,site=download.docker.com\n", ""),
    );
    const dockerProblem =
      "repository docker (download.docker.com): no unattended-upgrades pattern names site=download.docker.com, and no package of it is held";
    expect(repositoriesWithoutUpgrades(noDocker, HELD).length).toBeGreaterThan(0);
    expect(new Set(repositoriesWithoutUpgrades(noDocker, HELD))).toEqual(new Set([dockerProblem]));
    const unheld = brokenCopy("roles/jenkins/tasks/terraform.yml", (text) =>
      text.replace("selection: hold", "selection: install"),
    );
    expect(repositoriesWithoutUpgrades(unheld, HELD)).toEqual([
      "repository hashicorp (apt.releases.hashicorp.com): no unattended-upgrades pattern names site=apt.releases.hashicorp.com, and no package of it is held",
    ]);
  });

  it("installs the SSM agent on every host from a pinned version, only with its pinned SHA-256", () => {
    expect(ssmAgentProblems(provisioning)).toEqual([]);
    const latest = brokenCopy("roles/common/defaults/main.yml", (text) =>
      text.replace(/^common_ssm_agent_version: .*$/m, 'common_ssm_agent_version: "latest"'),
    );
    expect(ssmAgentProblems(latest)).toEqual(['common_ssm_agent_version "latest" is no pinned version']);
    const unchecked = brokenCopy("roles/common/tasks/ssm-agent.yml", (text) =>
      text.replace('    checksum: "sha256:{{ common_ssm_agent_sha256 }}"\n', ""),
    );
    expect(ssmAgentProblems(unchecked)).toEqual([
      "the SSM agent download is not checked against common_ssm_agent_sha256",
    ]);
  });
});

describe("sshd hardening: one owner, every host", () => {
  it("hardens sshd only in the common role, which every play applies first (the bastion and Jenkins alike)", () => {
    expect(sshdOwners(provisioning)).toEqual([]);
    expect(hostsWithoutCommon(provisioning)).toEqual([]);
    for (const playbook of ["bastion.yml", "jenkins.yml"]) {
      expect(readFileSync(join(provisioning, playbook), "utf8")).toMatch(/roles:\n\s+- role: common\n/);
    }
  });

  it("fails for a host that skips the common role, or a second role writing sshd settings", () => {
    const skipped = brokenCopy("jenkins.yml", (text) => text.replace("    - role: common\n", ""));
    expect(hostsWithoutCommon(skipped)).toEqual([
      expect.stringMatching(/^jenkins\.yml: ".+" applies jenkins without common first$/),
    ]);
    const second = brokenCopy("roles/bastion/tasks/fail2ban.yml", (text) =>
      text.replace('dest: "{{ __bastion_fail2ban_jail }}"', "dest: /etc/ssh/sshd_config.d/01-bastion.conf"),
    );
    expect(sshdOwners(second)).toEqual([
      'roles/bastion/tasks/fail2ban.yml: "Configure the sshd jail" writes sshd settings outside the common role\'s sshd.yml',
    ]);
  });
});
