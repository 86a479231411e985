/**
 * A secret handed to a command shows up where it should not: in `environment:` it is in the process's
 * environment (/proc/<pid>/environ) and in `-vvv` output; on a command line it is in `ps` and in the
 * task's result. Every task that passes a secret-looking variable through either, or as its command's
 * standard input, must carry `no_log: true`. Read statically from every task file and playbook.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { provisioning } from "./support";

/** Modules that run a command line. */
const COMMAND_MODULES = new Set(
  ["command", "shell", "raw", "script", "expect"].flatMap((name) => [name, `ansible.builtin.${name}`]),
);
/** Keys that hold tasks inside a task (blocks) or a play. */
const TASK_LISTS = ["block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers"];

/**
 * A variable name that looks like a secret: one of its words is password, passwd, token, secret or
 * credential(s), or its last word is key (private_key, api_key). A key's file, URL or fingerprint
 * (apt_key_download, repo_key_url) is no secret.
 */
function secretLooking(name: string): boolean {
  const words = name.toLowerCase().split("_").filter(Boolean);
  return words.some((word) => /^(password|passwd|token|secret|credentials?)$/.test(word)) || words.at(-1) === "key";
}

/** Secret-looking variables that a Jinja expression in `value` (any YAML value) reads. */
function secretVariables(value: unknown): string[] {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return [...text.matchAll(/\{\{(.*?)\}\}/gs)]
    .flatMap((match) => [...(match[1] ?? "").matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].map((word) => word[0]))
    .filter(secretLooking);
}

type Task = Record<string, unknown>;

/** Every task of a parsed task file or playbook, blocks and plays opened up. */
function tasksOf(entries: unknown): Task[] {
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry: Task) => {
    if (entry === null || typeof entry !== "object") return [];
    const nested = TASK_LISTS.flatMap((key) => tasksOf(entry[key]));
    return [entry, ...nested];
  });
}

/** "file: task: variables" for every task that passes a secret to a command or its environment without no_log. */
function leakingTasks(files: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    for (const task of tasksOf(parse(text))) {
      if (task.no_log === true) continue;
      const command = Object.keys(task).find((key) => COMMAND_MODULES.has(key));
      const exposed = [
        ...secretVariables(task.environment),
        ...(command ? secretVariables([task[command], task.args]) : []),
      ];
      if (exposed.length > 0) {
        problems.push(
          `${file}: "${task.name ?? "(unnamed)"}" passes ${[...new Set(exposed)].join(", ")} without no_log`,
        );
      }
    }
  }
  return problems;
}

/** Every playbook and task file under provisioning/ (not the inventory, the vault example or vars). */
function provisioningYaml(dir = provisioning): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const rel = relative(provisioning, path);
    if (statSync(path).isDirectory()) {
      if (["inventory", "group_vars", "host_vars", "defaults", "vars", "templates", "files", "meta"].includes(name)) {
        continue;
      }
      Object.assign(files, provisioningYaml(path));
    } else if (/\.ya?ml$/.test(name) && rel !== "vault.example.yml") {
      files[rel] = readFileSync(path, "utf8");
    }
  }
  return files;
}

describe("no secret reaches a command line or an environment without no_log", () => {
  const files = provisioningYaml();

  it("reads the roles' task files and the playbooks", () => {
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(["site.yml", "jenkins.yml", "agents.yml", "roles/jenkins/tasks/jobs.yml"]),
    );
    expect(Object.keys(files).some((file) => file.startsWith("roles/jenkins_agent/tasks/"))).toBe(true);
  });

  it("finds every task that passes a secret-looking variable with no_log: true", () => {
    expect(leakingTasks(files)).toEqual([]);
  });

  it("the job export hands its API token to the command on standard input, under no_log", () => {
    const exportTask = tasksOf(parse(files["roles/jenkins/tasks/jobs.yml"] ?? "")).find(
      (task) => task.name === "Export the Jenkins jobs from the checkout",
    );
    const command = exportTask?.["ansible.builtin.command"] as { argv: string[]; stdin: string };
    expect(command.stdin).toBe("{{ jenkins_jobs_export_api_token }}");
    expect(command.argv.slice(-2)).toEqual(["--token-file", "-"]);
    expect(JSON.stringify(exportTask?.environment)).not.toMatch(/TOKEN|PASSWORD/);
    expect(exportTask?.no_log).toBe(true);
  });

  it("catches a broken copy: the export without no_log, and a token in a task's environment", () => {
    const withoutNoLog = (files["roles/jenkins/tasks/jobs.yml"] ?? "").replace("  no_log: true\n", "");
    expect(leakingTasks({ "jobs.yml": withoutNoLog })).toEqual([
      'jobs.yml: "Export the Jenkins jobs from the checkout" passes jenkins_jobs_export_api_token without no_log',
    ]);
    const inEnvironment = `---
- name: Export the jobs with the admin password as the API token
  ansible.builtin.shell:
    cmd: pnpm --filter pipelines export-jenkins-job
  environment:
    JENKINS_API_TOKEN: "{{ jenkins_admin_password }}"
- name: Load a key on the command line
  block:
    - name: Add the key
      ansible.builtin.command:
        argv: [ssh-add, "{{ vault_deploy_private_key }}"]
`;
    expect(leakingTasks({ "old.yml": inEnvironment })).toEqual([
      'old.yml: "Export the jobs with the admin password as the API token" passes jenkins_admin_password without no_log',
      'old.yml: "Add the key" passes vault_deploy_private_key without no_log',
    ]);
  });

  it("tells a secret's name from a key's file, URL or fingerprint", () => {
    for (const name of [
      "jenkins_slack_token",
      "vault_jenkins_oidc_client_secret",
      "jenkins_agent_ssh_private_key",
      "api_key",
    ]) {
      expect(secretLooking(name), name).toBe(true);
    }
    for (const name of ["__common_apt_key_download", "jenkins_repo_key_url", "key_fingerprints", "jenkins_home"]) {
      expect(secretLooking(name), name).toBe(false);
    }
  });
});
