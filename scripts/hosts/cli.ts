/**
 * pnpm hosts check|start|stop|status|reboot [--host NAME]
 *
 * The test hosts by hand: boot the bastion and Jenkins (Debian 12 under systemd-nspawn, see
 * ./harness.ts), try a role change on them, stop them. `check` changes nothing and exits 1 with
 * the reason and the fix when this machine cannot run them.
 */
import { runMain, UsageError } from "../../lib/cli";
import { harnessStatus, preflight, rebootHost, startHosts, stopHosts } from "./harness";
import { sshArgs } from "./ssh";
import { BASTION, JENKINS, STATE_DIR } from "./topology";

const COMMANDS = ["check", "start", "stop", "status", "reboot"] as const;

await runMain({
  name: "pnpm hosts",
  usage: `usage: pnpm hosts check|start|stop|status|reboot [--host NAME]

The Ansible test hosts: a bastion (${BASTION.address}) and Jenkins (${JENKINS.address}, reached through
the bastion), Debian 12 booted with systemd-nspawn from an image cached in /var/cache; needs root.
  check    say whether this machine can run them (root, systemd-nspawn, overlayfs, loop devices)
  start    build the image if needed, boot both hosts, print how to reach them
  stop     tear down everything start created (also after an interrupted start)
  status   what is running
  reboot   power-cycle --host NAME (bastion or jenkins)`,
  positionals: ["COMMAND"],
  flags: { host: { type: "string" } },
  run: async ({ flags, positionals, out }) => {
    const command = positionals[0] as (typeof COMMANDS)[number];
    if (!COMMANDS.includes(command))
      throw new UsageError(`unknown command "${command}": one of ${COMMANDS.join(", ")}`);
    if (command === "check") {
      const problems = preflight();
      if (problems.length === 0) {
        out("the test hosts can run here");
        return 0;
      }
      out(`the test hosts cannot run here:\n  - ${problems.join("\n  - ")}\nor set SKIP_HOST_TESTS=1 to skip them`);
      return 1;
    }
    if (command === "stop") {
      const problems = await stopHosts();
      if (problems.length > 0) throw new Error(`could not undo: ${problems.join("; ")}`);
      out("test hosts stopped; nothing of theirs is left");
      return 0;
    }
    if (command === "status") {
      const status = harnessStatus();
      out(
        status.recorded
          ? `${status.ready ? "running" : "not ready"}: ${status.running.join(", ") || "no process"} (state in ${STATE_DIR})`
          : "no test hosts",
      );
      return 0;
    }
    if (command === "reboot") {
      if (flags.host !== "bastion" && flags.host !== "jenkins")
        throw new UsageError("reboot needs --host bastion|jenkins");
      await rebootHost(flags.host);
      out(`${flags.host} rebooted`);
      return 0;
    }
    const hosts = await startHosts({ log: (line) => out(line) });
    const jump = `admin@${BASTION.address}`;
    out(`
reach them:
  ssh ${sshArgs(hosts.ssh, BASTION.address, "").join(" ").trim()}
  ssh ${sshArgs(hosts.ssh, JENKINS.address, "", { jump }).join(" ").trim()}
converge them (inventory: pnpm inventory --outputs ${hosts.outputs} --out /tmp/hosts-inventory.yml):
  cd provisioning && ANSIBLE_SSH_EXTRA_ARGS="-F ${hosts.ssh.config}" ansible-playbook -i /tmp/hosts-inventory.yml site.yml --skip-tags third-party-repos
stop them: pnpm hosts stop`);
    return 0;
  },
});
