import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  BUILD_AGENT_HOST,
  BUILD_AGENT_LABEL,
  BUILD_AGENTS_GROUP,
  DEPLOY_AGENTS_GROUP,
  deployAgentHost,
  deployAgentLabel,
} from "../../lib/jenkins-agents";
import { inventoryCommand } from "../../scripts/inventory/command";
import {
  approvalEnvironments,
  buildInventory,
  GENERATED_HEADER,
  pnpmVersionOf,
} from "../../scripts/inventory/inventory";
import { OutputsError, parseMgmtOutputs } from "../../scripts/inventory/outputs";
import { managementEnvironment, vars } from "../../stacks/global/vars";
import { runInProcess } from "../support/cli";

const root = resolve(import.meta.dirname, "../..");
const fixtures = resolve(import.meta.dirname, "fixtures");
const cdktfOutputs = readFileSync(join(fixtures, "cdktf-outputs.json"), "utf8");
const terraformOutputs = readFileSync(join(fixtures, "terraform-outputs.json"), "utf8");
const SENTINEL = "# an existing inventory that a failed run must leave byte-for-byte alone\n";

let work: string;
let out: string;

/** The command as `pnpm inventory` runs it, on the same arguments, in this process; one test below
 *  runs the real process (and tests/cli.test.ts runs every CLI's --help and an unknown flag). */
const runInventory = (...args: string[]) => runInProcess(inventoryCommand, args);

function spawnInventory(...args: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/inventory/cli.ts", ...args], {
    cwd: root,
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function outputsFile(content: string): string {
  const path = join(work, "outputs.json");
  writeFileSync(path, content);
  return path;
}

/** cdktf-format outputs with the mgmt stack's values changed by `change`. */
function cdktfWith(change: (mgmt: Record<string, unknown>) => void): string {
  const json = JSON.parse(cdktfOutputs);
  change(json.mgmt);
  return JSON.stringify(json);
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "inventory-test-"));
  out = join(work, "inventory", "generated.yml");
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

describe("the mgmt outputs are read from both JSON shapes", () => {
  it("reads the mgmt stack's block of a cdktf outputs file, ignoring other stacks", () => {
    const outputs = parseMgmtOutputs(cdktfOutputs, "mgmt", "outputs.json");
    expect(outputs.bastionPublicIp).toBe("3.120.10.20");
    expect(outputs.jenkinsPrivateIp).toBe("10.0.8.15");
    expect(outputs.sshUser).toBe("admin");
    expect(outputs.jenkinsInstanceId).toBe("i-0fedcba9876543210");
  });

  it("unwraps the value of each `terraform output -json` entry", () => {
    const outputs = parseMgmtOutputs(terraformOutputs, "mgmt", "outputs.json");
    expect(outputs.jenkinsUrl).toBe("https://jenkins.mgmt.connected.express/");
    expect(outputs.jenkinsDataVolumeId).toBe("vol-0a1b2c3d4e5f60718");
  });
});

describe("the inventory", () => {
  const inventory = buildInventory({
    outputs: parseMgmtOutputs(cdktfOutputs, "mgmt", "outputs.json"),
    vars,
    managementEnvironment,
  });
  const jenkins = inventory.all.children.jenkins;

  it("puts the bastion's public address and Jenkins's private address in their groups", () => {
    expect(inventory.all.children.bastion.hosts[`${managementEnvironment}-bastion`].ansible_host).toBe("3.120.10.20");
    expect(jenkins.hosts[`${managementEnvironment}-jenkins`].ansible_host).toBe("10.0.8.15");
  });

  it("logs in as the AMI's user and reaches Jenkins only through the bastion", () => {
    expect(inventory.all.vars.ansible_user).toBe("admin");
    expect(jenkins.vars.ansible_ssh_common_args).toBe("-o ProxyJump=admin@3.120.10.20");
  });

  it("takes the Jenkins settings from environments/ through the rendered vars, not from copies", () => {
    const management = vars.environments[managementEnvironment].management;
    expect(jenkins.vars.jenkins_http_port).toBe(management?.jenkins.port);
    expect(jenkins.vars.jenkins_slack_channel).toBe(management?.jenkins.slackChannel);
    expect(inventory.all.vars.platform_domain).toBe(vars.domain);
  });

  it("installs on Jenkins the pnpm version that package.json pins", async () => {
    const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pnpmVersionOf("pnpm@10.34.9+sha512.0123abcd")).toBe("10.34.9");
    expect(pnpmVersionOf("yarn@4.1.0")).toBeUndefined();
    const result = await runInventory("--outputs", join(fixtures, "cdktf-outputs.json"), "--dry-run");
    expect(parse(result.stdout).all.vars.jenkins_pnpm_version).toBe(pnpmVersionOf(packageJson.packageManager));
  });
});

describe("the Jenkins agents in the inventory", () => {
  const inventory = buildInventory({
    outputs: parseMgmtOutputs(cdktfOutputs, "mgmt", "outputs.json"),
    vars,
    managementEnvironment,
  });
  const agents = inventory.all.children.jenkins_agents;

  it("puts the build agent in jenkins_build_agents with the label build", () => {
    const group = agents?.children[BUILD_AGENTS_GROUP];
    expect(group?.hosts).toEqual({
      [BUILD_AGENT_HOST]: { ansible_host: "10.0.8.40", ec2_instance_id: "i-0b1d2a3c4e5f60718" },
    });
    expect(group?.vars).toEqual({ jenkins_agent_kind: "build", jenkins_agent_labels: BUILD_AGENT_LABEL });
  });

  it("gives every environment with approval its deploy agent in jenkins_deploy_agents, labelled deploy-<env>", () => {
    const approval = approvalEnvironments(vars);
    expect(approval).toEqual(["prod"]);
    const group = agents?.children[DEPLOY_AGENTS_GROUP];
    expect(Object.keys(group?.hosts ?? {})).toEqual(approval.map(deployAgentHost));
    expect(group?.hosts[deployAgentHost("prod")]).toEqual({
      ansible_host: "10.0.9.41",
      ec2_instance_id: "i-0d1e2f3a4b5c60718",
      jenkins_agent_environment: "prod",
      jenkins_agent_labels: deployAgentLabel("prod"),
    });
    expect(group?.vars).toEqual({ jenkins_agent_kind: "deploy" });
  });

  it("reaches the agents, in the private subnet, only through the bastion", () => {
    expect(agents?.vars.ansible_ssh_common_args).toBe("-o ProxyJump=admin@3.120.10.20");
  });

  it("reads the agents from terraform output -json too", async () => {
    const result = await runInventory("--outputs", join(fixtures, "terraform-outputs.json"), "--dry-run");
    expect(result.status, result.stderr).toBe(0);
    const children = parse(result.stdout).all.children.jenkins_agents.children;
    expect(children[BUILD_AGENTS_GROUP].hosts[BUILD_AGENT_HOST].ansible_host).toBe("10.0.8.40");
    expect(children[DEPLOY_AGENTS_GROUP].hosts[deployAgentHost("prod")].ansible_host).toBe("10.0.9.41");
  });

  it("writes no agent groups from the outputs of a stack without agents", () => {
    const withoutAgents = cdktfWith((mgmt) => {
      for (const key of Object.keys(mgmt)) if (/agent/.test(key)) delete mgmt[key];
    });
    const built = buildInventory({
      outputs: parseMgmtOutputs(withoutAgents, "mgmt", "o.json"),
      vars,
      managementEnvironment,
    });
    expect(Object.keys(built.all.children)).toEqual(["bastion", "jenkins"]);
  });
});

describe("pnpm inventory writes the inventory", () => {
  it("writes a generated, parseable inventory from cdktf outputs", async () => {
    const result = await runInventory("--outputs", join(fixtures, "cdktf-outputs.json"), "--out", out);
    expect(result.status, result.stderr).toBe(0);
    const text = readFileSync(out, "utf8");
    expect(text.split("\n")[0]).toBe(GENERATED_HEADER);
    expect(parse(text).all.children.jenkins.vars.jenkins_url).toBe("https://jenkins.mgmt.connected.express/");
  });

  it("writes the same groups from terraform output -json", async () => {
    const result = await runInventory("--outputs", join(fixtures, "terraform-outputs.json"), "--out", out);
    expect(result.status, result.stderr).toBe(0);
    const hosts = parse(readFileSync(out, "utf8")).all.children.jenkins.hosts;
    expect(hosts[`${managementEnvironment}-jenkins`].jenkins_data_volume_id).toBe("vol-0a1b2c3d4e5f60718");
  });

  it("--dry-run prints the inventory and writes nothing", async () => {
    const result = await runInventory("--outputs", join(fixtures, "cdktf-outputs.json"), "--out", out, "--dry-run");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("ProxyJump=admin@3.120.10.20");
    expect(existsSync(out)).toBe(false);
  });

  it("--help explains the flags and exits 0 (the real process)", () => {
    const result = spawnInventory("--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("--outputs FILE");
  });

  it("without --outputs, names the missing flag and exits 2", async () => {
    const result = await runInventory("--out", out);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--outputs FILE is required");
    expect(existsSync(out)).toBe(false);
  });
});

describe("pnpm inventory rejects bad outputs, naming the output and the fix, and writes nothing", () => {
  const cases: Array<{ name: string; content: string | undefined; message: RegExp }> = [
    { name: "a missing outputs file", content: undefined, message: /not found; write it with `cdktf output mgmt/ },
    { name: "malformed JSON", content: "{ not json", message: /malformed JSON .*cdktf output mgmt --outputs-file/ },
    {
      name: "outputs of other stacks only",
      content: JSON.stringify({ network: { vpc_id: "vpc-1" } }),
      message: /no outputs of stack "mgmt" \(found stacks: network\)/,
    },
    {
      name: "a missing required output",
      content: cdktfWith((mgmt) => delete mgmt.jenkins_private_ip),
      message: /output "jenkins_private_ip" of stack "mgmt" is missing; run `cdktf output mgmt/,
    },
    {
      name: "an address that is not IPv4",
      content: cdktfWith((mgmt) => {
        mgmt.bastion_public_ip = "3.120.10.300";
      }),
      message: /output "bastion_public_ip" = "3.120.10.300" is not an IPv4 address/,
    },
    {
      name: "a value of the wrong type",
      content: cdktfWith((mgmt) => {
        mgmt.ssh_user = ["admin"];
      }),
      message: /output "ssh_user" must be a string/,
    },
    {
      name: "deploy agents without the one an approval environment needs",
      content: cdktfWith((mgmt) => {
        mgmt.deploy_agent_private_ips = {};
      }),
      message:
        /output "deploy_agent_private_ips" has no address for prod \(approval: true in environments\/prod\.yaml needs its deploy agent\); deploy the mgmt stack of this checkout/,
    },
    {
      name: "a deploy agent for an environment without approval",
      content: cdktfWith((mgmt) => {
        mgmt.deploy_agent_private_ips = { prod: "10.0.9.41", dev: "10.0.9.42" };
      }),
      message: /output "deploy_agent_private_ips" names dev, which has no approval in environments\/dev\.yaml/,
    },
    {
      name: "a deploy agent address that is not IPv4",
      content: cdktfWith((mgmt) => {
        mgmt.deploy_agent_private_ips = { prod: "10.0.9" };
      }),
      message: /output "deploy_agent_private_ips" of "prod" = "10.0.9" is not an IPv4 address/,
    },
    {
      name: "deploy agent addresses that are not a map",
      content: cdktfWith((mgmt) => {
        mgmt.deploy_agent_private_ips = ["10.0.9.41"];
      }),
      message: /output "deploy_agent_private_ips" must be a map of environment name to value/,
    },
    {
      name: "deploy agents without the build agent",
      content: cdktfWith((mgmt) => {
        delete mgmt.build_agent_private_ip;
      }),
      message: /output "build_agent_private_ip" is missing while the deploy agents are there; deploy the mgmt stack/,
    },
    {
      name: "a Jenkins URL without its trailing slash",
      content: cdktfWith((mgmt) => {
        mgmt.jenkins_url = "https://jenkins.mgmt.connected.express";
      }),
      message: /output "jenkins_url" .* is not a base URL ending in a slash/,
    },
  ];

  for (const { name, content, message } of cases) {
    it(`rejects ${name}`, async () => {
      const path = content === undefined ? join(work, "absent.json") : outputsFile(content);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, SENTINEL);
      const result = await runInventory("--outputs", path, "--out", out);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain("was not written");
      expect(readFileSync(out, "utf8")).toBe(SENTINEL);
    });
  }

  it("reports every problem at once", () => {
    const content = cdktfWith((mgmt) => {
      delete mgmt.ssh_user;
      mgmt.jenkins_private_ip = "ten";
    });
    const error = captureError(() => parseMgmtOutputs(content, "mgmt", "outputs.json"));
    expect(error).toBeInstanceOf(OutputsError);
    expect((error as OutputsError).problems).toEqual([
      expect.stringContaining('"jenkins_private_ip" = "ten" is not an IPv4 address'),
      expect.stringContaining('"ssh_user" of stack "mgmt" is missing'),
    ]);
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
