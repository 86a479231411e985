/**
 * The hosts' root file system: Debian 12 built once with mmdebstrap (debootstrap's successor in
 * Debian, the same minbase variant, about 15 % faster here because apt resolves and downloads),
 * plus what a fresh Debian EC2 image has, cached outside the repository under CACHE_DIR and keyed
 * by the package list and this recipe. A new key builds a new image and removes the old one.
 * Both hosts boot from the same image through overlays of their own (./harness.ts).
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CACHE_DIR, IMAGE_PACKAGES, LOGIN_USER, MIRROR, SECURITY_MIRROR, SUITE } from "./topology";

/**
 * Turns the minbase tree ($1) into what a Debian EC2 image gives: the login user with passwordless
 * sudo (cloud-init's doing on EC2), apt sources for the release, its updates and security, and no
 * identity of its own (host keys and machine-id are made per host at boot by the harness).
 */
export const CUSTOMIZE = `set -eu
root="$1"
chroot "$root" useradd --create-home --shell /bin/bash --groups sudo ${LOGIN_USER}
printf '%s ALL=(ALL) NOPASSWD:ALL\\n' ${LOGIN_USER} > "$root/etc/sudoers.d/90-cloud-init-users"
chmod 0440 "$root/etc/sudoers.d/90-cloud-init-users"
rm -f "$root"/etc/ssh/ssh_host_* "$root/etc/apt/sources.list" "$root/etc/hostname"
: > "$root/etc/machine-id"
cat > "$root/etc/apt/sources.list.d/debian.sources" <<'SOURCES'
Types: deb
URIs: ${MIRROR}
Suites: ${SUITE} ${SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${SECURITY_MIRROR}
Suites: ${SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
rm -f "$root/etc/resolv.conf"
printf '# No DNS: the test hosts reach nothing but the apt proxy on the runner.\\n' > "$root/etc/resolv.conf"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
`;

/** The cache key: release, mirror, package list and the recipe above. */
export function imageKey(): string {
  const recipe = JSON.stringify({ SUITE, MIRROR, SECURITY_MIRROR, packages: [...IMAGE_PACKAGES].sort(), CUSTOMIZE });
  return createHash("sha256").update(recipe).digest("hex").slice(0, 16);
}

export function imageDir(cacheDir = CACHE_DIR): string {
  return join(cacheDir, `rootfs-${imageKey()}`);
}

export interface EnsureImageResult {
  readonly dir: string;
  /** false: the cached image was used. */
  readonly built: boolean;
}

/** Returns the cached image, building it first when its key has none (about a minute). */
export function ensureImage(log: (line: string) => void, cacheDir = CACHE_DIR): EnsureImageResult {
  const dir = imageDir(cacheDir);
  if (existsSync(join(dir, "etc", "os-release"))) return { dir, built: false };
  mkdirSync(cacheDir, { recursive: true });
  // Whatever an interrupted build or an older key left behind.
  for (const name of readdirSync(cacheDir)) {
    if (name.startsWith("rootfs-")) rmSync(join(cacheDir, name), { recursive: true, force: true });
  }
  const building = `${dir}.building`;
  const customize = `${dir}.customize.sh`;
  writeFileSync(customize, CUSTOMIZE);
  log(`building the Debian ${SUITE} image (mmdebstrap minbase + ${IMAGE_PACKAGES.length} packages) into ${dir}`);
  execFileSync(
    "mmdebstrap",
    [
      "--quiet",
      "--mode=root",
      "--variant=minbase",
      `--include=${IMAGE_PACKAGES.join(",")}`,
      // mmdebstrap runs a hook as `sh -c HOOK exec ROOT`: the script gets the root as $1.
      `--customize-hook=sh ${customize} "$1"`,
      SUITE,
      building,
      MIRROR,
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  renameSync(building, dir);
  rmSync(customize);
  return { dir, built: true };
}
