/**
 * The roles on real hosts, as Molecule would run them: the inventory `pnpm inventory` wrote for the
 * test hosts, a converge of site.yml on both (Jenkins through the bastion), what the third-party tag
 * leaves out, and a second run that changes nothing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { BASTION, JENKINS, LOGIN_USER } from "../../scripts/hosts/topology";
import { managementEnvironment } from "../../stacks/global/vars";
import { provisioning, type RunResult } from "../provisioning/support";
import { changedTasks, idempotenceProblems, recap, SKIP_TAG, tasksRun } from "./support/ansible";
import { hostsRun } from "./support/remote";

const bastionHost = `${managementEnvironment}-bastion`;
const jenkinsHost = `${managementEnvironment}-jenkins`;

/**
 * Every task that needs a third-party source (an apt repository, AWS's bucket, GitHub) or what one
 * installs, "role : name".
 */
const THIRD_PARTY_TASKS = [
  // The SSM agent: from AWS's bucket, at a pinned version and SHA-256.
  "common : Check the SSM agent's pinned version, SHA-256 and region",
  "common : Download the pinned SSM agent package, refused unless its SHA-256 matches",
  "common : Install the SSM agent",
  "common : Keep the SSM agent running",
  // A third-party repository's signing key, trusted only with its pinned fingerprints.
  "common : Check the repository settings the key is pinned with",
  "common : Create the folder for trusted keys and the one gpg reads them with",
  "common : Check the downloaded signing key against its pinned fingerprints",
  "common : Trust the checked key",
  "common : Install what adding a repository needs (deb822_repository reads python3-debian)",
  "common : Trust the repository's signing key, only with its pinned fingerprints",
  "common : Add the repository, signed by the checked key only",
  "jenkins : Add the Adoptium (Temurin) apt repository",
  "jenkins : Install Java for Jenkins",
  "jenkins : Point Jenkins at its home, port and Configuration as Code",
  "jenkins : Add the Jenkins LTS apt repository",
  "jenkins : Install the pinned Jenkins LTS",
  "jenkins : Hold Jenkins at the pinned version",
  "jenkins : Give the jenkins user its home on the data volume",
  "jenkins : Download the Jenkins plugin manager",
  "jenkins : Write the plugin list",
  "jenkins : Install the listed plugins and their dependencies",
  "jenkins : Check that the inventory names the agents and Ansible read their host keys",
  "jenkins : Create the Configuration as Code folder",
  "jenkins : Create the folder of the configuration's secrets",
  "jenkins : Write each secret of the configuration into its own file",
  "jenkins : Remove the secret files the configuration no longer reads",
  "jenkins : Create the folder of Jenkins' start-up scripts",
  "jenkins : Give the job export's user its API token at every start",
  "jenkins : Write the Jenkins configuration (security, agents, Slack, credentials by name)",
  "jenkins : Add the Node.js apt repository",
  "jenkins : Install Node.js",
  "jenkins : Read the installed pnpm version",
  "jenkins : Install pnpm for the zx scripts",
  "jenkins : Add HashiCorp's apt repository",
  "jenkins : Install the pinned Terraform",
  "jenkins : Hold Terraform at the pinned version",
  "jenkins : Keep Jenkins enabled and running",
  "jenkins : Apply pending restarts before talking to Jenkins",
  "jenkins : Wait until Jenkins answers",
  "jenkins : Check out the infrastructure repository for the job export",
  "jenkins : Install the job export's dependencies",
  "jenkins : Export the Jenkins jobs from the checkout",
  "jenkins : Check that the job export succeeded",
  "jenkins : Remember the exported commit",
];

interface TaskFileEntry {
  readonly name?: string;
  readonly tags?: string | string[];
}

/** Every task of a role's task files, "role : name", with whether it carries SKIP_TAG. */
function roleTasks(role: string): Array<{ task: string; tagged: boolean }> {
  const dir = join(provisioning, "roles", role, "tasks");
  return readdirSync(dir).flatMap((file) =>
    (parse(readFileSync(join(dir, file), "utf8")) as TaskFileEntry[]).map((entry) => ({
      task: `${role} : ${entry.name}`,
      tagged: [entry.tags ?? []].flat().includes(SKIP_TAG),
    })),
  );
}

describe("the inventory, for real", () => {
  it("pnpm inventory gives the test hosts' addresses and sends Jenkins through the bastion", () => {
    const inventory = parse(readFileSync(hostsRun().run.inventory, "utf8"));
    expect(inventory.all.children.bastion.hosts[bastionHost].ansible_host).toBe(BASTION.address);
    expect(inventory.all.children.jenkins.hosts[jenkinsHost].ansible_host).toBe(JENKINS.address);
    expect(inventory.all.children.jenkins.vars.ansible_ssh_common_args).toBe(
      `-o ProxyJump=${LOGIN_USER}@${BASTION.address}`,
    );
  });

  it("leaves the runner no route to Jenkins: only the bastion is reachable from it", () => {
    const jenkins = spawnSync("ip", ["route", "get", JENKINS.address], { encoding: "utf8" });
    expect(jenkins.status).not.toBe(0);
    expect(jenkins.stderr).toMatch(/No route to host|unreachable/i);
    const bastion = spawnSync("ip", ["route", "get", BASTION.address], { encoding: "utf8" });
    expect(bastion.status, bastion.stderr).toBe(0);
    expect(bastion.stdout).toMatch(/dev cxh-bastion/);
  });
});

describe("a converge of site.yml", () => {
  const first = (): RunResult => hostsRun().converge[0];

  it("succeeds on the bastion and on Jenkins", () => {
    expect(first().status, first().transcript).toBe(0);
    const counts = recap(first().stdout);
    expect(Object.keys(counts).sort()).toEqual([bastionHost, jenkinsHost]);
    for (const host of [bastionHost, jenkinsHost]) {
      expect(counts[host], host).toMatchObject({ failed: 0, unreachable: 0 });
      expect(counts[host].changed, host).toBeGreaterThan(0);
    }
  });

  it(`skips with the ${SKIP_TAG} tag exactly the tasks that need a third-party repository`, () => {
    const tagged = ["common", "bastion", "jenkins"].flatMap(roleTasks).filter((entry) => entry.tagged);
    expect(tagged.map((entry) => entry.task).sort()).toEqual([...THIRD_PARTY_TASKS].sort());
  });

  it("runs every task of the roles except the tagged ones", () => {
    const ran = tasksRun(first().stdout);
    const untagged = ["common", "bastion", "jenkins"].flatMap(roleTasks).filter((entry) => !entry.tagged);
    expect(untagged.map((entry) => entry.task).filter((task) => !ran.includes(task))).toEqual([]);
    expect(THIRD_PARTY_TASKS.filter((task) => ran.includes(task))).toEqual([]);
  });
});

describe("idempotence", () => {
  it("a second run of site.yml changes nothing on either host", () => {
    const second = hostsRun().converge[1];
    expect(second.status, second.transcript).toBe(0);
    expect(Object.keys(recap(second.stdout)).sort()).toEqual([bastionHost, jenkinsHost]);
    expect(idempotenceProblems(second), second.transcript).toEqual([]);
  });

  it("fails for a role change that is not idempotent (a command without creates, in a scratch copy)", async () => {
    const file = hostsRun().brokenCopyResult;
    // It started when the second converge ended; the other files ran meanwhile.
    const deadline = Date.now() + 590_000;
    while (!existsSync(file) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 500));
    const result = JSON.parse(readFileSync(file, "utf8")) as RunResult;
    expect(result.status, result.transcript).toBe(0);
    expect(idempotenceProblems(result)).toEqual([
      `${bastionHost}: changed=1 (common : Record the last converge (not idempotent on purpose))`,
    ]);
    expect(changedTasks(result.stdout)[jenkinsHost]).toBeUndefined();
  }, 600_000);
});
