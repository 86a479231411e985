/**
 * What the Ansible roles download from outside Debian, read from the role files (no Ansible run):
 * each reader returns one line per problem, so a test asserts the repository has none and that a
 * copy broken the way a change could break it has exactly the expected one.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

type Task = Record<string, unknown> & { name?: string; block?: Task[]; rescue?: Task[]; always?: Task[] };

const FINGERPRINT = /^[0-9A-F]{40}$/;
/** Role defaults and vars of every role, merged: enough to resolve the `{{ var }}` a task names. */
function roleVariables(provisioning: string): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const role of readdirSync(join(provisioning, "roles"))) {
    for (const kind of ["defaults", "vars"]) {
      const file = join(provisioning, "roles", role, kind, "main.yml");
      if (existsSync(file)) Object.assign(merged, parse(readFileSync(file, "utf8")) ?? {});
    }
  }
  return merged;
}

/** Every task of every task file of every role, blocks flattened, with the file it is in. */
export function roleTasks(provisioning: string): Array<{ file: string; task: Task }> {
  const tasks: Array<{ file: string; task: Task }> = [];
  const flatten = (file: string, list: Task[] | undefined) => {
    for (const task of list ?? []) {
      tasks.push({ file, task });
      flatten(file, task.block);
      flatten(file, task.rescue);
      flatten(file, task.always);
    }
  };
  for (const role of readdirSync(join(provisioning, "roles"))) {
    const dir = join(provisioning, "roles", role, "tasks");
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      flatten(`roles/${role}/tasks/${name}`, parse(readFileSync(join(dir, name), "utf8")) as Task[]);
    }
  }
  return tasks;
}

/** `{{ name }}` alone resolved from the roles' variables; anything else as written. */
function resolve(value: unknown, variables: Record<string, unknown>): unknown {
  const reference = typeof value === "string" ? /^\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}$/.exec(value) : null;
  return reference ? variables[reference[1]] : value;
}

/**
 * Every get_url carries a checksum (a pinned SHA-256, or the sha256 file the release publishes), except
 * the signing-key download of apt-key.yml: that file is checked against pinned fingerprints instead.
 */
export function downloadsWithoutChecksum(provisioning: string): string[] {
  const variables = roleVariables(provisioning);
  return roleTasks(provisioning)
    .filter(({ task }) => task["ansible.builtin.get_url"] !== undefined)
    .filter(({ file }) => file !== "roles/common/tasks/apt-key.yml")
    .filter(({ task }) => {
      const args = task["ansible.builtin.get_url"] as Record<string, unknown>;
      const checksum = resolve(args.checksum, variables);
      return typeof checksum !== "string" || !/^sha256:\S+/.test(checksum);
    })
    .map(({ file, task }) => `${file}: "${task.name}" downloads without a sha256 checksum`);
}

/**
 * Every apt repository goes through the common role's apt-repository.yml (the key trusted only with its
 * pinned fingerprints); the one deb822_repository task there is the only one, and names the checked key.
 */
export function unpinnedRepositories(provisioning: string): string[] {
  const variables = roleVariables(provisioning);
  const problems: string[] = [];
  for (const { file, task } of roleTasks(provisioning)) {
    const deb822 = task["ansible.builtin.deb822_repository"] as Record<string, unknown> | undefined;
    if (
      deb822 &&
      (file !== "roles/common/tasks/apt-repository.yml" || deb822.signed_by !== "{{ __common_apt_key_trusted }}")
    ) {
      problems.push(`${file}: "${task.name}" adds a repository without the pinned-key check`);
    }
    if (task["ansible.builtin.apt_key"] !== undefined || task["ansible.builtin.apt_repository"] !== undefined) {
      problems.push(`${file}: "${task.name}" trusts a key or repository outside apt-repository.yml`);
    }
    const include = task["ansible.builtin.include_role"] as Record<string, unknown> | undefined;
    if (include?.tasks_from === "apt-repository") {
      const repository = (task.vars as { common_apt_repository?: Record<string, unknown> } | undefined)
        ?.common_apt_repository;
      const fingerprints = resolve(repository?.key_fingerprints, variables);
      if (
        !Array.isArray(fingerprints) ||
        fingerprints.length === 0 ||
        !fingerprints.every((f) => FINGERPRINT.test(f))
      ) {
        problems.push(`${file}: "${task.name}" pins no 40-hex-digit key fingerprint`);
      }
    }
  }
  return problems;
}

/** The repositories the roles add: name and the host their packages come from. */
export function repositories(provisioning: string): Array<{ name: string; host: string }> {
  const variables = roleVariables(provisioning);
  return roleTasks(provisioning)
    .filter(
      ({ task }) => (task["ansible.builtin.include_role"] as { tasks_from?: string })?.tasks_from === "apt-repository",
    )
    .map(({ task }) => {
      const repository = (task.vars as { common_apt_repository: Record<string, unknown> }).common_apt_repository;
      const uris = String(resolve(repository.uris, variables));
      return { name: String(repository.name), host: new URL(uris.replace(/\{\{.*?\}\}/g, "x")).host };
    });
}

/** Packages held at a pinned version (dpkg_selections hold), by name. */
function heldPackages(provisioning: string): string[] {
  return roleTasks(provisioning)
    .map(({ task }) => task["ansible.builtin.dpkg_selections"] as { name?: string; selection?: string } | undefined)
    .filter((selection) => selection?.selection === "hold")
    .map((selection) => String(selection?.name));
}

/**
 * Every third-party repository is upgraded unattended (an origins pattern names its site), or holds its
 * one package at a pinned version and is bumped deliberately (`held`: repository name to package).
 */
export function repositoriesWithoutUpgrades(provisioning: string, held: Record<string, string>): string[] {
  const origins = (roleVariables(provisioning).common_unattended_upgrades_origins ?? []) as string[];
  const holds = heldPackages(provisioning);
  return repositories(provisioning).flatMap(({ name, host }) => {
    if (origins.some((origin) => origin.split(",").includes(`site=${host}`))) return [];
    if (name in held && holds.includes(held[name])) return [];
    return [
      `repository ${name} (${host}): no unattended-upgrades pattern names site=${host}, and no package of it is held`,
    ];
  });
}

/** The plugin lock list: every entry `id:version` with a concrete version; the problems and the pins. */
export function pluginLock(provisioning: string): { pins: Map<string, string>; problems: string[] } {
  const lines = readFileSync(join(provisioning, "roles/jenkins/files/plugins.txt"), "utf8").split("\n");
  const pins = new Map<string, string>();
  const problems: string[] = [];
  for (const line of lines.map((text) => text.trim()).filter((text) => text && !text.startsWith("#"))) {
    const match = /^([a-z0-9][a-z0-9._-]*):([0-9][0-9A-Za-z._-]*)$/.exec(line);
    if (!match) problems.push(`plugins.txt: "${line}" is no id:version pin`);
    else if (pins.has(match[1])) problems.push(`plugins.txt: ${match[1]} is pinned twice`);
    else pins.set(match[1], match[2]);
  }
  const install = parse(readFileSync(join(provisioning, "roles/jenkins/tasks/plugins.yml"), "utf8")) as Task[];
  const command = install
    .map((task) => (task["ansible.builtin.shell"] as { cmd?: string } | undefined)?.cmd ?? "")
    .join("\n");
  if (!/--plugin-file .*plugins\.txt/.test(command))
    problems.push("plugins.yml runs no plugin manager on the plugin list");
  if (!/ --latest false(\s|$)/.test(command))
    problems.push("plugins.yml installs without --latest false: dependencies float");
  if (!install.some((task) => (task["ansible.builtin.copy"] as { src?: string } | undefined)?.src === "plugins.txt")) {
    problems.push("plugins.yml does not install the lock list files/plugins.txt");
  }
  return { pins, problems };
}

/** Every play that applies roles applies `common` first: sshd hardening, upgrades and the SSM agent on every host. */
export function hostsWithoutCommon(provisioning: string): string[] {
  const problems: string[] = [];
  for (const playbook of readdirSync(provisioning).filter((name) => name.endsWith(".yml"))) {
    const plays = parse(readFileSync(join(provisioning, playbook), "utf8"));
    if (!Array.isArray(plays)) continue; // a vars file (vault.example.yml), no playbook
    for (const play of plays as Array<Record<string, unknown>>) {
      const roles = (play.roles as Array<string | { role: string }> | undefined)?.map((entry) =>
        typeof entry === "string" ? entry : entry.role,
      );
      if (roles && roles[0] !== "common")
        problems.push(`${playbook}: "${play.name}" applies ${roles.join(", ")} without common first`);
    }
  }
  return problems;
}

/** sshd is hardened in one place: the common role's sshd.yml and its one template; no other role writes sshd settings. */
export function sshdOwners(provisioning: string): string[] {
  const problems: string[] = [];
  const main = parse(readFileSync(join(provisioning, "roles/common/tasks/main.yml"), "utf8")) as Task[];
  if (!main.some((task) => task["ansible.builtin.include_tasks"] === "sshd.yml")) {
    problems.push("roles/common/tasks/main.yml does not include sshd.yml");
  }
  for (const role of readdirSync(join(provisioning, "roles"))) {
    const templates = join(provisioning, "roles", role, "templates");
    for (const name of existsSync(templates) ? readdirSync(templates) : []) {
      if (/sshd_config|sshd-hardening/.test(name) && role !== "common")
        problems.push(`roles/${role}/templates/${name}: a second sshd template`);
    }
  }
  for (const { file, task } of roleTasks(provisioning)) {
    const dest = Object.values(task)
      .filter((value): value is { dest?: unknown; path?: unknown } => typeof value === "object" && value !== null)
      .map((args) => String(args.dest ?? args.path ?? ""))
      .join(" ");
    if (/\/etc\/ssh\/|__common_sshd_dropin/.test(dest) && file !== "roles/common/tasks/sshd.yml") {
      problems.push(`${file}: "${task.name}" writes sshd settings outside the common role's sshd.yml`);
    }
  }
  return problems;
}

/** The SSM agent: installed by the common role, from a pinned version, only with its pinned SHA-256, kept running. */
export function ssmAgentProblems(provisioning: string): string[] {
  const problems: string[] = [];
  const variables = roleVariables(provisioning);
  const main = parse(readFileSync(join(provisioning, "roles/common/tasks/main.yml"), "utf8")) as Task[];
  if (!main.some((task) => task["ansible.builtin.include_tasks"] === "ssm-agent.yml")) {
    problems.push("roles/common/tasks/main.yml does not include ssm-agent.yml");
  }
  if (!/^\d+(\.\d+){3}$/.test(String(variables.common_ssm_agent_version))) {
    problems.push(`common_ssm_agent_version "${variables.common_ssm_agent_version}" is no pinned version`);
  }
  if (!String(variables.common_ssm_agent_url).includes("{{ common_ssm_agent_version }}")) {
    problems.push("common_ssm_agent_url does not download the pinned version");
  }
  const tasks = roleTasks(provisioning).filter(({ file }) => file === "roles/common/tasks/ssm-agent.yml");
  const download = tasks.find(({ task }) => task["ansible.builtin.get_url"])?.task["ansible.builtin.get_url"] as
    | Record<string, string>
    | undefined;
  if (download?.checksum !== "sha256:{{ common_ssm_agent_sha256 }}")
    problems.push("the SSM agent download is not checked against common_ssm_agent_sha256");
  const service = tasks.find(({ task }) => task["ansible.builtin.service"])?.task["ansible.builtin.service"] as
    | Record<string, unknown>
    | undefined;
  if (service?.name !== "amazon-ssm-agent" || service.enabled !== true)
    problems.push("the SSM agent service is not enabled");
  const preflight = readFileSync(join(provisioning, "roles/common/tasks/preflight.yml"), "utf8");
  if (!preflight.includes("common_ssm_agent_sha256 is match('^[0-9a-f]{64}$')")) {
    problems.push("the common role's preflight lets an SSM agent without a pinned SHA-256 through");
  }
  return problems;
}
