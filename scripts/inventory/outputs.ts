/**
 * Reads the mgmt stack's outputs from either of the two JSON shapes operators have:
 *   - `cdktf deploy|output --outputs-file F`: {"mgmt": {"bastion_public_ip": "3.120.0.1", ...}, ...}
 *   - `terraform output -json`:               {"bastion_public_ip": {"value": "3.120.0.1", "type": "string", ...}}
 * and checks every value the inventory needs. Problems are collected, each naming the output and the fix.
 */

/** The one error type of this module: every problem found, so the operator fixes them in one go. */
export class OutputsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1 ? problems[0] : `invalid stack outputs:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "OutputsError";
  }
}

/** What the inventory is built from: checked values of the mgmt stack's outputs. */
export interface MgmtOutputs {
  readonly bastionPublicIp: string;
  readonly jenkinsPrivateIp: string;
  readonly sshUser: string;
  readonly jenkinsUrl: string;
  readonly bastionHostname?: string;
  readonly bastionInstanceId?: string;
  readonly jenkinsInstanceId?: string;
  /** Lets the jenkins role find the data volume by its NVMe serial (the most robust way). */
  readonly jenkinsDataVolumeId?: string;
  /** The Jenkins build agent (mgmt stack, private subnet). */
  readonly buildAgentPrivateIp?: string;
  readonly buildAgentInstanceId?: string;
  /** The deploy agents by environment: one per environment with `approval: true`. */
  readonly deployAgentPrivateIps?: Readonly<Record<string, string>>;
  readonly deployAgentInstanceIds?: Readonly<Record<string, string>>;
}

type Check = (value: string) => string | undefined;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv4: Check = (value) => (IPV4.test(value) ? undefined : "is not an IPv4 address such as 3.120.0.1");
const linuxUser: Check = (value) =>
  /^[a-z_][a-z0-9_-]{0,31}$/.test(value) ? undefined : "is not a Linux user name such as admin";
const httpUrl: Check = (value) =>
  /^https?:\/\/[a-z0-9.-]+(:\d+)?\/$/i.test(value)
    ? undefined
    : "is not a base URL ending in a slash, such as https://jenkins.mgmt.connected.express/";
const hostname: Check = (value) =>
  /^([a-z0-9-]+\.)+[a-z]{2,}$/i.test(value) ? undefined : "is not a DNS name such as bastion.mgmt.connected.express";
const awsId =
  (prefix: string): Check =>
  (value) =>
    new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(value)
      ? undefined
      : `is not an AWS id such as ${prefix}-0123456789abcdef0`;

/** Output id → [property, required, check]. The ids are the mgmt stack's TerraformOutput ids. */
const OUTPUTS: ReadonlyArray<readonly [string, keyof MgmtOutputs, boolean, Check]> = [
  ["bastion_public_ip", "bastionPublicIp", true, ipv4],
  ["jenkins_private_ip", "jenkinsPrivateIp", true, ipv4],
  ["ssh_user", "sshUser", true, linuxUser],
  ["jenkins_url", "jenkinsUrl", true, httpUrl],
  ["bastion_hostname", "bastionHostname", false, hostname],
  ["bastion_instance_id", "bastionInstanceId", false, awsId("i")],
  ["jenkins_instance_id", "jenkinsInstanceId", false, awsId("i")],
  ["jenkins_data_volume_id", "jenkinsDataVolumeId", false, awsId("vol")],
  ["build_agent_private_ip", "buildAgentPrivateIp", false, ipv4],
  ["build_agent_instance_id", "buildAgentInstanceId", false, awsId("i")],
];

/** Output id → [property, check of each value]: maps of environment name to value. */
const MAP_OUTPUTS: ReadonlyArray<readonly [string, keyof MgmtOutputs, Check]> = [
  ["deploy_agent_private_ips", "deployAgentPrivateIps", ipv4],
  ["deploy_agent_instance_ids", "deployAgentInstanceIds", awsId("i")],
];

const FIX = (stack: string) =>
  `run \`cdktf output ${stack} --outputs-file <file>\` (or \`terraform output -json > <file>\` in the stack's folder) after \`cdktf deploy ${stack}\``;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isTerraformOutput(value: unknown): value is { value: unknown } {
  return isRecord(value) && "value" in value && ("type" in value || "sensitive" in value);
}

/** Finds the stack's flat output values in either JSON shape; `source` names the file in messages. */
export function selectStackOutputs(json: unknown, stack: string, source: string): Record<string, unknown> {
  if (!isRecord(json)) {
    throw new OutputsError([`${source}: expected a JSON object of outputs; ${FIX(stack)}`]);
  }
  const entries = Object.entries(json);
  if (entries.length > 0 && entries.every(([, value]) => isTerraformOutput(value))) {
    return Object.fromEntries(entries.map(([key, output]) => [key, (output as { value: unknown }).value]));
  }
  const stackOutputs = json[stack];
  if (isRecord(stackOutputs)) return stackOutputs;
  const stacks = entries.filter(([, value]) => isRecord(value)).map(([key]) => key);
  throw new OutputsError([
    `${source}: no outputs of stack "${stack}"${stacks.length > 0 ? ` (found stacks: ${stacks.join(", ")})` : ""}; ${FIX(stack)}`,
  ]);
}

/** Checks every output the inventory reads; throws one OutputsError listing every problem. */
export function checkMgmtOutputs(values: Record<string, unknown>, stack: string, source: string): MgmtOutputs {
  const problems: string[] = [];
  const result: Record<string, string> = {};
  for (const [id, property, required, check] of OUTPUTS) {
    const value = values[id];
    if (value === undefined || value === null || value === "") {
      if (required) problems.push(`${source}: output "${id}" of stack "${stack}" is missing; ${FIX(stack)}`);
      continue;
    }
    if (typeof value !== "string") {
      problems.push(
        `${source}: output "${id}" must be a string, got ${JSON.stringify(value)}; check the stack's output`,
      );
      continue;
    }
    const problem = check(value);
    if (problem) {
      problems.push(`${source}: output "${id}" = "${value}" ${problem}; check the stack's output`);
      continue;
    }
    result[property] = value;
  }
  const maps: Record<string, Record<string, string>> = {};
  for (const [id, property, check] of MAP_OUTPUTS) {
    const value = values[id];
    if (value === undefined || value === null) continue;
    if (!isRecord(value)) {
      problems.push(
        `${source}: output "${id}" must be a map of environment name to value, got ${JSON.stringify(value)}; check the stack's output`,
      );
      continue;
    }
    const entries: Record<string, string> = {};
    for (const [environment, entry] of Object.entries(value)) {
      const problem = typeof entry === "string" ? check(entry) : `is ${JSON.stringify(entry)}, not a string`;
      if (problem)
        problems.push(
          `${source}: output "${id}" of "${environment}" = "${entry}" ${problem}; check the stack's output`,
        );
      else entries[environment] = entry as string;
    }
    maps[property] = entries;
  }
  if (problems.length > 0) throw new OutputsError(problems);
  return { ...result, ...maps } as unknown as MgmtOutputs;
}

/** Parses the text of an outputs file and returns the checked mgmt outputs. */
export function parseMgmtOutputs(text: string, stack: string, source: string): MgmtOutputs {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OutputsError([`${source}: malformed JSON (${(error as Error).message}); ${FIX(stack)}`]);
  }
  return checkMgmtOutputs(selectStackOutputs(json, stack, source), stack, source);
}
