/** Commands on the test hosts from a test: over the harness's SSH, Jenkins through the bastion. */
import { inject } from "vitest";
import { JUMP, type SshOptions, type SshResult, ssh } from "../../../scripts/hosts/ssh";
import { BASTION, type HostSpec, JENKINS } from "../../../scripts/hosts/topology";
import type { HostsRun } from "./context";

export { BASTION, JENKINS };

export function hostsRun(): HostsRun {
  return inject("hostsRun");
}

/** Runs `command` on `host` as the image's login user (or `options.user`). */
export function onHost(host: HostSpec, command: string, options: SshOptions = {}): SshResult {
  return ssh(hostsRun().ssh, host.address, command, { jump: host === JENKINS ? JUMP : undefined, ...options });
}

/** Runs `command` on `host` and returns its stdout; throws with both streams when it fails. */
export function output(host: HostSpec, command: string): string {
  const result = onHost(host, command);
  if (result.status !== 0) {
    throw new Error(`${host.name}: \`${command}\` exited ${result.status}\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}
