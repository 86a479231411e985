/**
 * The files the harness adds to a test host, and only to a test host: what a container lacks that
 * an EC2 instance has (udev's disk links, a clock chrony may set), and the host's way to packages.
 * The roles never see these as theirs; each file says so in its first line.
 */
import { DATA_DISK_DEVICE, type HostSpec } from "./topology";

export interface ContainerFile {
  readonly text?: string;
  readonly mode?: number;
  /** Make a symbolic link to this target instead of a file. */
  readonly symlink?: string;
}

const HEADER = "Test harness only (scripts/hosts/machine-files.ts), never on a real host";

/** udev does not run in a container: this stands in for its by-uuid links of the data disk, at
 *  boot (before local file systems mount) and whenever a file system is written to the disk. */
const DISK_LINKS_SCRIPT = `#!/bin/sh
# ${HEADER}: what udev would do for the data disk, /dev/disk/by-uuid/<file system UUID>.
device=${DATA_DISK_DEVICE}
uuid=$(blkid -o value -s UUID "$device") || exit 0
[ -n "$uuid" ] || exit 0
mkdir -p /dev/disk/by-uuid
find /dev/disk/by-uuid -lname "*\${device#/dev/}" -delete
ln -sfn "$device" "/dev/disk/by-uuid/$uuid"
`;

export function containerFiles(host: HostSpec): Record<string, ContainerFile> {
  const files: Record<string, ContainerFile> = {
    "etc/apt/apt.conf.d/00test-harness-proxy": {
      text: `// ${HEADER}: packages come only through the runner's apt proxy.\nAcquire::http::Proxy "${host.aptProxy}";\n`,
    },
    // chrony's unit starts only with CAP_SYS_TIME, which no container has; -x keeps the daemon from
    // setting the clock, so it runs, syncs and answers chronyc as on an instance.
    "etc/systemd/system/chrony.service.d/test-harness.conf": {
      text: `# ${HEADER}: a container may not set the clock.\n[Unit]\nConditionCapability=\n\n[Service]\nExecStart=\nExecStart=!/usr/sbin/chronyd $DAEMON_OPTS -x\n`,
    },
  };
  if (!host.dataDisk) return files;
  return {
    ...files,
    "usr/local/sbin/test-harness-disk-links": { text: DISK_LINKS_SCRIPT, mode: 0o755 },
    "etc/systemd/system/test-harness-disk-links.service": {
      text: `# ${HEADER}
[Unit]
Description=Disk links udev would make (test harness)
DefaultDependencies=no
Before=local-fs-pre.target
Wants=local-fs-pre.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/test-harness-disk-links
`,
    },
    "etc/systemd/system/test-harness-disk-links.path": {
      text: `# ${HEADER}
[Unit]
Description=Watch the data disk for new file systems (test harness)
DefaultDependencies=no

[Path]
PathChanged=${DATA_DISK_DEVICE}
`,
    },
    "etc/systemd/system/sysinit.target.wants/test-harness-disk-links.service": {
      symlink: "../test-harness-disk-links.service",
    },
    "etc/systemd/system/sysinit.target.wants/test-harness-disk-links.path": {
      symlink: "../test-harness-disk-links.path",
    },
  };
}
