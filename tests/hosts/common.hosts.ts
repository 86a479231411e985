/**
 * What the common role leaves on both hosts, as a user finds it: security and third-party updates by themselves,
 * chrony running with the Amazon Time Sync Service, the time zone and locale of a login, and
 * exactly the admins the vars list.
 */
import { describe, expect, it } from "vitest";
import { LOGIN_USER } from "../../scripts/hosts/topology";
import { BASTION, hostsRun, JENKINS, onHost, output } from "./support/remote";

/** `${distro_codename}` as apt writes it (not a JavaScript placeholder). */
const codename = `$${"{"}distro_codename}`;

for (const host of [BASTION, JENKINS]) {
  describe(`the common role on ${host.name}`, () => {
    it("has apt update the package lists and apply unattended upgrades daily", () => {
      const config = output(host, "apt-config dump APT::Periodic");
      expect(config).toContain('APT::Periodic::Update-Package-Lists "1";');
      expect(config).toContain('APT::Periodic::Unattended-Upgrade "1";');
    });

    it("upgrades Debian's security updates and the Docker, Node.js and Temurin repositories unattended", () => {
      const patterns = output(host, "apt-config dump Unattended-Upgrade::Origins-Pattern")
        .split("\n")
        .filter((line) => line.startsWith("Unattended-Upgrade::Origins-Pattern:: "));
      expect(patterns).toEqual(
        [
          `origin=Debian,codename=${codename}-security,label=Debian-Security`,
          `origin=Debian,codename=${codename},label=Debian-Security`,
          "origin=Docker,label=Docker CE,site=download.docker.com",
          "site=deb.nodesource.com,codename=nodistro",
          `site=packages.adoptium.net,codename=${codename}`,
        ].map((pattern) => `Unattended-Upgrade::Origins-Pattern:: "${pattern}";`),
      );
    });

    it("runs chrony with the Amazon Time Sync Service as its preferred source", () => {
      expect(output(host, "systemctl is-active chrony").trim()).toBe("active");
      expect(output(host, "chronyc -n sources")).toMatch(/^\^. 169\.254\.169\.123 /m);
    });

    it("gives a login the time zone from the vars and a UTF-8 locale", () => {
      expect(output(host, "timedatectl show --property=Timezone --value").trim()).toBe(hostsRun().timezone);
      expect(output(host, "echo $LANG").trim()).toBe("C.UTF-8");
    });

    it("has exactly the login user and the listed admin in the sudo group, with exactly their keys", () => {
      const { name, publicKey } = hostsRun().admins.present;
      const members = output(host, "getent group sudo").trim().split(":")[3].split(",");
      expect(members.sort()).toEqual([LOGIN_USER, name].sort());
      expect(output(host, `sudo cat /home/${name}/.ssh/authorized_keys`)).toBe(`${publicKey}\n`);
      expect(output(host, "sudo cat /etc/sudoers.d/50-admins")).toMatch(
        new RegExp(`^${name} ALL=\\(ALL:ALL\\) NOPASSWD: ALL$`, "m"),
      );
    });

    it("removes a former admin: no login, no home, no sudo", () => {
      const { removed } = hostsRun().admins;
      expect(onHost(host, `getent passwd ${removed}`).status).toBe(2);
      expect(onHost(host, `test -e /home/${removed}`).status).toBe(1);
      expect(output(host, "sudo cat /etc/sudoers.d/50-admins")).not.toContain(removed);
    });
  });
}
