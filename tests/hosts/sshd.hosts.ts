/**
 * sshd as both hosts run it: the common role's one hardening on the bastion and on Jenkins (keys only,
 * the listed users only, no root), with local forwarding on the bastion alone (ProxyJump to Jenkins).
 */
import { describe, expect, it } from "vitest";
import { NEW_CONNECTION } from "../../scripts/hosts/ssh";
import { LOGIN_USER } from "../../scripts/hosts/topology";
import { BASTION, hostsRun, JENKINS, onHost, output } from "./support/remote";

/** sshd -T: the settings sshd runs with, keys lower-cased; a repeated key (allowusers) joined by spaces. */
function effectiveSettings(host: typeof BASTION): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of output(host, "sudo sshd -T").trim().split("\n")) {
    const [key, value] = [line.split(" ")[0], line.slice(line.indexOf(" ") + 1)];
    settings.set(key, settings.has(key) ? `${settings.get(key)} ${value}` : value);
  }
  return settings;
}

for (const [host, forwarding] of [
  [BASTION, "local"],
  [JENKINS, "no"],
] as const) {
  describe(`sshd on ${host.name}`, () => {
    it(`runs with the hardened settings, TCP forwarding ${forwarding} (sshd -T)`, () => {
      const settings = effectiveSettings(host);
      expect(settings.get("permitrootlogin")).toBe("no");
      expect(settings.get("passwordauthentication")).toBe("no");
      expect(settings.get("kbdinteractiveauthentication")).toBe("no");
      expect(settings.get("authenticationmethods")).toBe("publickey");
      expect(settings.get("maxauthtries")).toBe("3");
      expect(settings.get("x11forwarding")).toBe("no");
      expect(settings.get("allowagentforwarding")).toBe("no");
      expect(settings.get("permittunnel")).toBe("no");
      expect(settings.get("allowtcpforwarding")).toBe(forwarding);
      expect(settings.get("allowusers")?.split(" ").sort()).toEqual(
        [LOGIN_USER, hostsRun().admins.present.name].sort(),
      );
    });

    it("offers no password authentication, only keys, to a user who asks for one", () => {
      const password = onHost(host, "true", {
        args: [
          ...NEW_CONNECTION,
          ...["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive"],
        ],
      });
      expect(password.status).toBe(255);
      expect(password.stderr).toMatch(/Permission denied \(publickey\)\./);
    });
  });
}
