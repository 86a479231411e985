/**
 * Ansible against the test hosts: the playbooks from provisioning/ (or a scratch copy of it), the
 * inventory `pnpm inventory` wrote, the test vault and vars, the harness's SSH client config; and
 * readers for what a run printed (recap, changed tasks, tasks run).
 */
import { join } from "node:path";
import { type AnsibleSandbox, provisioning, type RunResult, startTool } from "../../provisioning/support";

/** The tag of the tasks that need a third-party apt repository; the host tests skip it. */
export const SKIP_TAG = "third-party-repos";

/** Serializable: handed from the global setup to the tests. */
export interface AnsibleRun {
  /** ansible-* run in it: its environment also names the harness's SSH client config. */
  readonly sandbox: AnsibleSandbox;
  readonly inventory: string;
  /** The test's vars (admins, ignored networks, time zone): `-e @file`. */
  readonly extraVars: string;
}

/** Runs `ansible-playbook` on the test hosts; `cwd` is the provisioning folder to use. */
export function runPlaybook(
  run: AnsibleRun,
  playbook: string,
  options: { cwd?: string; args?: readonly string[] } = {},
): Promise<RunResult> {
  const cwd = options.cwd ?? provisioning;
  const args = [
    "-i",
    run.inventory,
    playbook,
    "--skip-tags",
    SKIP_TAG,
    "-e",
    `@${run.extraVars}`,
    ...(options.args ?? []),
  ];
  return startTool(run.sandbox, "ansible-playbook", args, {
    cwd,
    env: { ANSIBLE_CONFIG: join(cwd, "ansible.cfg") },
    timeoutMs: 900_000,
  });
}

export interface HostRecap {
  readonly ok: number;
  readonly changed: number;
  readonly unreachable: number;
  readonly failed: number;
}

/** The PLAY RECAP counts per host. */
export function recap(output: string): Record<string, HostRecap> {
  const section = output.slice(output.lastIndexOf("PLAY RECAP"));
  const hosts: Record<string, HostRecap> = {};
  for (const match of section.matchAll(/^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    hosts[match[1]] = {
      ok: Number(match[2]),
      changed: Number(match[3]),
      unreachable: Number(match[4]),
      failed: Number(match[5]),
    };
  }
  return hosts;
}

/** "TASK [role : name]" headers in order, with the result lines under each. */
function taskSections(output: string): Array<{ task: string; lines: string[] }> {
  const sections: Array<{ task: string; lines: string[] }> = [];
  for (const line of output.split("\n")) {
    const header = /^(?:TASK|RUNNING HANDLER) \[(.+?)\] \*+$/.exec(line);
    if (header) sections.push({ task: header[1], lines: [] });
    else sections.at(-1)?.lines.push(line);
  }
  return sections;
}

/** Tasks (and handlers) that reported a change, per host: what breaks idempotence. */
export function changedTasks(output: string): Record<string, string[]> {
  const changed: Record<string, string[]> = {};
  for (const { task, lines } of taskSections(output)) {
    for (const line of lines) {
      const host = /^changed: \[([^\]]+)\]/.exec(line)?.[1];
      if (!host) continue;
      changed[host] ??= [];
      if (!changed[host].includes(task)) changed[host].push(task);
    }
  }
  return changed;
}

/** What the idempotence check reports for a run on converged hosts: one line per change. */
export function idempotenceProblems(result: RunResult): string[] {
  if (result.status !== 0) return [`the run failed (exit ${result.status})`];
  const problems = Object.entries(recap(result.stdout))
    .filter(([, counts]) => counts.changed > 0)
    .map(
      ([host, counts]) =>
        `${host}: changed=${counts.changed} (${(changedTasks(result.stdout)[host] ?? []).join("; ")})`,
    );
  return problems;
}

/** Names of the tasks the run evaluated ("role : name"), in order, without repeats. */
export function tasksRun(output: string): string[] {
  return [...new Set(taskSections(output).map((section) => section.task))];
}
