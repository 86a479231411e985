/**
 * The bastion as an operator and an attacker find it: who may log in and how (its sshd settings and
 * the refusal of passwords are checked with Jenkins's in sshd.hosts.ts), and fail2ban banning an
 * address that keeps failing, from a namespace of its own.
 */
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { attachClient } from "../../scripts/hosts/harness";
import { NEW_CONNECTION } from "../../scripts/hosts/ssh";
import { BASTION, hostsRun, onHost, output } from "./support/remote";

describe("sshd on the bastion", () => {
  it("refuses root, even with an authorized key", () => {
    output(BASTION, `sudo install -d -m 0700 /root/.ssh && sudo cp .ssh/authorized_keys /root/.ssh/authorized_keys`);
    expect(onHost(BASTION, "true").status).toBe(0);
    const root = onHost(BASTION, "true", { user: "root", args: NEW_CONNECTION });
    expect(root.status).toBe(255);
    expect(root.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it("lets an admin in with the key from the vars, and gives them sudo", () => {
    const { name, key } = hostsRun().admins.present;
    const login = onHost(BASTION, "id -un && sudo -n id -u", { user: name, args: [...NEW_CONNECTION, "-i", key] });
    expect(login.status, login.stderr).toBe(0);
    expect(login.stdout.split("\n").slice(0, 2)).toEqual([name, "0"]);
  });
});

describe("fail2ban on the bastion", () => {
  let attacker: ReturnType<typeof attachClient>;
  const maxRetry = 5;

  /** One SSH login from the attacker's namespace as a user that does not exist; its error line. */
  function attempt(): string {
    const result = spawnSync(
      "ip",
      [
        ...["netns", "exec", attacker.netns, "ssh", "-F", "/dev/null", "-o", "BatchMode=yes"],
        ...["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5"],
        `mallory@${attacker.bastion}`,
        "true",
      ],
      { encoding: "utf8", timeout: 20_000 },
    );
    if (result.error) return `ssh did not finish: ${result.error.message}`;
    return result.stderr.trim().split("\n").at(-1) ?? "";
  }

  const jailStatus = () => output(BASTION, "sudo fail2ban-client status sshd");
  const failures = () => Number(/Total failed:\s+(\d+)/.exec(jailStatus())?.[1]);
  const banned = () => /Banned IP list:\s+(.*)$/m.exec(jailStatus())?.[1].trim().split(/\s+/).filter(Boolean) ?? [];
  /**
   * Whether the kernel refuses the address. fail2ban lists an address as banned before its nftables
   * action has run; a login tried in between gets its TCP handshake, then hangs once the rule lands
   * (the rejects of an established connection are soft errors), so the test waits for the rule itself.
   */
  const refusedByKernel = () => output(BASTION, "sudo nft list ruleset").includes(attacker.address);

  async function until(what: string, check: () => boolean) {
    const deadline = Date.now() + 30_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`not within 30 s: ${what}\n${jailStatus()}`);
      await new Promise((done) => setTimeout(done, 250));
    }
  }

  beforeAll(() => {
    attacker = attachClient("attacker", hostsRun().stateDir);
  });

  it("watches sshd's journal with the role's ban settings", () => {
    expect(output(BASTION, "systemctl is-active fail2ban").trim()).toBe("active");
    expect(output(BASTION, "sudo fail2ban-client get sshd maxretry").trim()).toBe(String(maxRetry));
    expect(output(BASTION, "sudo fail2ban-client get sshd bantime").trim()).toBe("3600");
    expect(output(BASTION, "sudo fail2ban-client get sshd findtime").trim()).toBe("600");
  });

  it(`bans an address at its ${maxRetry}th failed login and no sooner, and the ban can be lifted`, async () => {
    const before = failures();
    for (let count = 1; count < maxRetry; count++) expect(attempt()).toMatch(/Permission denied/);
    await until(`${maxRetry - 1} failures counted`, () => failures() === before + maxRetry - 1);
    expect(banned()).toEqual([]);

    expect(attempt()).toMatch(/Permission denied/);
    await until(`${attacker.address} banned`, () => banned().includes(attacker.address));
    await until(`${attacker.address} in fail2ban's nftables set`, refusedByKernel);
    expect(attempt()).toMatch(/Connection refused/);
    // The runner, on the ignored network, still gets in.
    expect(onHost(BASTION, "true").status).toBe(0);

    output(BASTION, `sudo fail2ban-client set sshd unbanip ${attacker.address}`);
    expect(banned()).toEqual([]);
    await until(`${attacker.address} out of fail2ban's nftables set`, () => !refusedByKernel());
    expect(attempt()).toMatch(/Permission denied/);
  });
});
