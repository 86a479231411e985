/**
 * The runner's SSH into the test hosts: one client config (key, known hosts, batch mode) that the
 * harness writes and everything else uses, Ansible included (`-F`, which ssh also hands to the
 * ProxyJump connection). It names no ProxyJump: reaching Jenkins through the bastion is the
 * inventory's job, so a wrong inventory fails.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { BASTION, LOGIN_USER } from "./topology";

export interface SshFiles {
  /** Folder of the files below (STATE_DIR/ssh). */
  readonly dir: string;
  readonly config: string;
  readonly key: string;
  readonly knownHosts: string;
}

export function sshFiles(stateDir: string): SshFiles {
  const dir = join(stateDir, "ssh");
  return { dir, config: join(dir, "config"), key: join(dir, "id_ed25519"), knownHosts: join(dir, "known_hosts") };
}

/** The client config: only the hosts' addresses, only the harness's key and known hosts. */
export function sshConfig(files: SshFiles): string {
  return `# Written by scripts/hosts (test harness): the runner's way into the test hosts.
Host 198.18.*
  IdentityFile ${files.key}
  IdentitiesOnly yes
  UserKnownHostsFile ${files.knownHosts}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  ConnectionAttempts 1
  LogLevel ERROR
  # One connection per host and user, reused by the many short commands of the tests; it ends a few
  # seconds after its last use, or with the host.
  ControlMaster auto
  ControlPath ${files.dir}/%C
  ControlPersist 5s
`;
}

export interface SshOptions {
  /** @default LOGIN_USER, the image's login user */
  readonly user?: string;
  /** `user@address` to jump through (Jenkins: the bastion). */
  readonly jump?: string;
  /** More ssh arguments (-i KEY, -o ...), before the destination. */
  readonly args?: readonly string[];
  /** Seconds before the command is given up. @default 60 */
  readonly timeoutSeconds?: number;
}

export interface SshResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for a connection of its own: a test of what sshd refuses must not ride an open one. */
export const NEW_CONNECTION = ["-o", "ControlMaster=no", "-o", "ControlPath=none"] as const;

/** `ssh` argv (without the program) to run `command` on `address`. */
export function sshArgs(files: SshFiles, address: string, command: string, options: SshOptions = {}): string[] {
  return [
    "-F",
    files.config,
    ...(options.jump ? ["-J", options.jump] : []),
    ...(options.args ?? []),
    `${options.user ?? LOGIN_USER}@${address}`,
    command,
  ];
}

/** Runs `command` on a host over SSH and returns its exit status and output. */
export function ssh(files: SshFiles, address: string, command: string, options: SshOptions = {}): SshResult {
  const result = spawnSync("ssh", sshArgs(files, address, command, options), {
    encoding: "utf8",
    timeout: (options.timeoutSeconds ?? 60) * 1000,
  });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** How the runner reaches Jenkins by hand: through the bastion, as the inventory says. */
export const JUMP = `${LOGIN_USER}@${BASTION.address}`;
