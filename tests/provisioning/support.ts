/** Runs the Ansible tools from .venv with everything they write kept in a temporary folder. */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../..");
export const provisioning = join(root, "provisioning");
export const fixtures = join(import.meta.dirname, "fixtures");
const venvBin = join(root, ".venv", "bin");
/** Local tasks run with the venv's Python, not whatever interpreter discovery finds first. */
export const venvPython = join(venvBin, "python");

export interface AnsibleSandbox {
  readonly dir: string;
  readonly vaultPasswordFile: string;
  readonly env: NodeJS.ProcessEnv;
}

/** A throwaway ANSIBLE_HOME, temp dirs and vault password file: nothing is written to the repo or ~. */
export function createSandbox(): AnsibleSandbox {
  const dir = mkdtempSync(join(tmpdir(), "ansible-test-"));
  for (const sub of ["home", "local-tmp", "remote-tmp", "cache"]) mkdirSync(join(dir, sub));
  const vaultPasswordFile = join(dir, "vault-password.txt");
  writeFileSync(vaultPasswordFile, "throwaway-test-password-not-a-secret\n", { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${venvBin}:${process.env.PATH ?? ""}`,
    ANSIBLE_CONFIG: join(provisioning, "ansible.cfg"),
    ANSIBLE_HOME: join(dir, "home"),
    ANSIBLE_LOCAL_TEMP: join(dir, "local-tmp"),
    ANSIBLE_REMOTE_TEMP: join(dir, "remote-tmp"),
    ANSIBLE_VAULT_PASSWORD_FILE: vaultPasswordFile,
    ANSIBLE_NOCOLOR: "1",
    NO_COLOR: "1",
    XDG_CACHE_HOME: join(dir, "cache"),
  };
  return { dir, vaultPasswordFile, env };
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Command line and both streams, for failure messages. */
  readonly transcript: string;
}

/**
 * How long a tool may run before it is stopped. A test that awaits a tool started by `startTool`
 * passes this as its own timeout: vitest's default would otherwise count the tool's time on a busy
 * machine against the test (a blocking `runTool` call cannot be timed out by vitest at all).
 */
export const TOOL_TIMEOUT_MS = 240_000;

interface ToolOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** @default TOOL_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

/** The tool's path and spawn options: the sandbox's environment, run from provisioning/ unless told. */
function toolSpawn(sandbox: AnsibleSandbox, tool: string, options: ToolOptions) {
  const spawnOptions = {
    cwd: options.cwd ?? provisioning,
    env: { ...sandbox.env, ...options.env },
    timeout: options.timeoutMs ?? TOOL_TIMEOUT_MS,
  };
  return { command: join(venvBin, tool), spawnOptions };
}

function toolResult(tool: string, args: readonly string[], status: number | null, stdout = "", stderr = ""): RunResult {
  const transcript = `$ ${tool} ${args.join(" ")}\n(exit ${status})\n${stdout}\n${stderr}`;
  return { status, stdout, stderr, transcript };
}

export function runTool(
  sandbox: AnsibleSandbox,
  tool: string,
  args: readonly string[],
  options: ToolOptions = {},
): RunResult {
  const { command, spawnOptions } = toolSpawn(sandbox, tool, options);
  const result = spawnSync(command, args, { ...spawnOptions, encoding: "utf8" });
  return toolResult(tool, args, result.status, result.stdout, result.stderr);
}

/**
 * `runTool` without blocking: start a slow tool (ansible-lint) when the file starts, let the other
 * tests run meanwhile, and await its one result in the tests that assert on it.
 */
export function startTool(
  sandbox: AnsibleSandbox,
  tool: string,
  args: readonly string[],
  options: ToolOptions = {},
): Promise<RunResult> {
  const { command, spawnOptions } = toolSpawn(sandbox, tool, options);
  return new Promise((done, fail) => {
    const child = spawn(command, args, { ...spawnOptions, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (status) => done(toolResult(tool, args, status, stdout, stderr)));
  });
}

/** Runs `pnpm inventory` (the real CLI) on an outputs fixture and returns the written file's path. */
export function generateInventory(sandbox: AnsibleSandbox, outputsFixture: string): string {
  const out = join(sandbox.dir, "inventory", "generated.yml");
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/inventory/cli.ts", "--outputs", join(fixtures, outputsFixture), "--out", out],
    { cwd: root, encoding: "utf8" },
  );
  if (result.status !== 0) throw new Error(`pnpm inventory failed:\n${result.stderr}`);
  return out;
}
