/**
 * Jenkins's data volume on a real disk: a file-backed block device attached as the host's second
 * disk (/dev/xvdf), formatted by the role only while empty, mounted by UUID at JENKINS_HOME, and
 * still holding its files after a second converge and a reboot.
 */
import { describe, expect, it } from "vitest";
import { rebootHost } from "../../scripts/hosts/harness";
import { DATA_DISK_DEVICE } from "../../scripts/hosts/topology";
import { tasksRun } from "./support/ansible";
import { hostsRun, JENKINS, output } from "./support/remote";

const JENKINS_HOME = "/var/lib/jenkins";
const FORMAT_TASK = "jenkins : Format the data volume, only when it is empty";

/** The file system on the data disk, as blkid reads it. */
function fileSystem(): Record<string, string> {
  return Object.fromEntries(
    output(JENKINS, `sudo blkid -o export ${DATA_DISK_DEVICE}`)
      .trim()
      .split("\n")
      .map((line) => line.split("=", 2) as [string, string]),
  );
}

/** Source, file system type and the mount unit's What= of JENKINS_HOME. */
function mounted() {
  const [source, type] = output(JENKINS, `findmnt --noheadings --output SOURCE,FSTYPE ${JENKINS_HOME}`)
    .trim()
    .split(/\s+/);
  // The unit as written (systemctl show --property=What reports the device once mounted).
  const what = output(JENKINS, "sed -n 's/^What=//p' /etc/systemd/system/var-lib-jenkins.mount").trim();
  return { source, type, what };
}

describe("Jenkins's data volume", () => {
  it("is formatted ext4, labelled jenkins-home, by the first converge and not by the second", () => {
    expect(fileSystem()).toMatchObject({ TYPE: "ext4", LABEL: "jenkins-home" });
    const [first, second] = hostsRun().converge;
    expect(first.stdout).toMatch(new RegExp(`TASK \\[${FORMAT_TASK.replace(/[()[\]]/g, "\\$&")}\\] \\*+\\nchanged:`));
    expect(tasksRun(second.stdout)).toContain(FORMAT_TASK);
    expect(second.stdout).toMatch(new RegExp(`TASK \\[${FORMAT_TASK.replace(/[()[\]]/g, "\\$&")}\\] \\*+\\nskipping:`));
  });

  it("is mounted at JENKINS_HOME by its file system UUID", () => {
    expect(mounted()).toEqual({
      source: DATA_DISK_DEVICE,
      type: "ext4",
      what: `/dev/disk/by-uuid/${fileSystem().UUID}`,
    });
  });

  it("keeps a file written before the second converge", () => {
    const { path, content } = hostsRun().marker;
    expect(output(JENKINS, `cat ${path}`)).toBe(`${content}\n`);
  });

  it("is mounted again after a reboot, with the file still there", async () => {
    const { path, content } = hostsRun().marker;
    // When systemd started, in microseconds since the runner booted: a new boot starts later.
    const booted = () => Number(output(JENKINS, "systemctl show --property=UserspaceTimestampMonotonic --value"));
    const bootBefore = booted();
    await rebootHost("jenkins", hostsRun().stateDir);
    expect(booted()).toBeGreaterThan(bootBefore);
    expect(output(JENKINS, "systemctl is-active var-lib-jenkins.mount").trim()).toBe("active");
    expect(mounted().source).toBe(DATA_DISK_DEVICE);
    expect(output(JENKINS, `cat ${path}`)).toBe(`${content}\n`);
  });
});
