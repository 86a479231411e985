/**
 * What the jenkins_agent role gives a build: read from its task files (no host can run Docker here).
 * Nobody joins the docker group (root on the host), the root daemon stays masked, and the controller's
 * key is the agent user's only key, accepted from the controller's address only.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { roleTasks as readRoleTasks } from "./pins";
import { provisioning } from "./support";

type Task = Record<string, unknown>;

/** Every task of every role's task files, blocks included (pins.ts), as "role/file: name" with the task. */
function roleTasks(root = provisioning): Array<{ where: string; task: Task }> {
  return readRoleTasks(root).map(({ file, task }) => ({
    where: `${file.replace(/^roles\//, "").replace("/tasks/", "/")}: ${task.name}`,
    task,
  }));
}

/** Tasks that put a user into the docker group: a root-equivalent group for whoever runs builds. */
function dockerGroupGrants(tasks: Array<{ where: string; task: Task }>): string[] {
  return tasks
    .filter(({ task }) => {
      const user = (task["ansible.builtin.user"] ?? task.user) as { groups?: string | string[] } | undefined;
      const groups = [user?.groups ?? []].flat().flatMap((group) => String(group).split(","));
      const command = JSON.stringify(task["ansible.builtin.command"] ?? task["ansible.builtin.shell"] ?? "");
      return (
        groups.map((group) => group.trim()).includes("docker") || /usermod[^"]*-aG?[^"]*docker|gpasswd -a/.test(command)
      );
    })
    .map(({ where }) => where);
}

describe("the jenkins_agent role", () => {
  const tasks = roleTasks();
  const agent = tasks.filter(({ where }) => where.startsWith("jenkins_agent/"));

  it("puts nobody into the docker group, in any role", () => {
    expect(agent.length).toBeGreaterThan(0);
    expect(dockerGroupGrants(tasks)).toEqual([]);
  });

  it("catches a copy that lets the builds use the root daemon through the docker group", () => {
    const broken = [
      ...tasks,
      {
        where: "jenkins/build-tools.yml: Let Jenkins builds use Docker",
        task: { "ansible.builtin.user": { name: "jenkins", groups: "docker", append: true } },
      },
    ];
    expect(dockerGroupGrants(broken)).toEqual(["jenkins/build-tools.yml: Let Jenkins builds use Docker"]);
  });

  it("masks the root Docker daemon, its socket and containerd, and starts the agent user's rootless one", () => {
    const mask = agent.find(
      ({ task }) => (task["ansible.builtin.systemd_service"] as Task | undefined)?.masked === true,
    );
    expect(mask?.task.loop).toEqual(["docker.socket", "docker.service", "containerd.service"]);
    expect(mask?.task["ansible.builtin.systemd_service"]).toMatchObject({ state: "stopped", enabled: false });
    const rootless = agent.find(
      ({ task }) => (task["ansible.builtin.systemd_service"] as Task | undefined)?.scope === "user",
    );
    expect(rootless?.task).toMatchObject({ become_user: "{{ jenkins_agent_user }}" });
    const defaults = parse(readFileSync(join(provisioning, "roles/jenkins_agent/defaults/main.yml"), "utf8"));
    expect(defaults.jenkins_agent_docker_packages).toContain("docker-ce-rootless-extras");
  });

  it("accepts only the controller's key, from the controller's address, with no forwarding", () => {
    const key = agent.find(({ where }) =>
      where.endsWith("Accept only the controller's key, from the controller's address only"),
    );
    const copy = key?.task["ansible.builtin.copy"] as { content: string; mode: string; dest: string };
    expect(copy.dest).toBe("{{ jenkins_agent_home }}/.ssh/authorized_keys");
    expect(copy.content).toBe(
      'from="{{ jenkins_agent_controller_address }}",restrict {{ jenkins_agent_controller_public_key | trim }}\n',
    );
    expect(copy.mode).toBe("0600");
    const sshd = parse(readFileSync(join(provisioning, "group_vars/jenkins_agents/main.yml"), "utf8"));
    expect(sshd.common_ssh_allowed_users).toContain(
      "[jenkins_agent_user ~ '@' ~ hostvars[groups['jenkins'][0]]['ansible_host']]",
    );
  });
});
