/**
 * The `pnpm inventory` command (run by scripts/inventory/cli.ts): pnpm inventory --outputs FILE [--out FILE] [--stack NAME] [--dry-run]
 *
 * Turns the mgmt stack's outputs into provisioning/inventory/generated.yml. On missing or malformed
 * outputs it names each problem and its fix, exits 1 and writes nothing.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { defineCommand, UsageError } from "../../lib/cli";
import { managementEnvironment, vars } from "../../stacks/global/vars";
import { generateInventory } from "./generate";
import { pnpmVersionOf } from "./inventory";
import { OutputsError } from "./outputs";

const root = resolve(dirname(new URL(import.meta.url).pathname), "../..");
// pnpm runs scripts from the repository root; relative paths are meant from where the user typed them.
const cwd = process.env.INIT_CWD ?? process.cwd();
const DEFAULT_OUT = resolve(root, "provisioning/inventory/generated.yml");
const outputsCommand = `cdktf output ${managementEnvironment} --outputs-file FILE`;

/** The command apart from its process: cli.ts runs it on argv, tests in-process (tests/provisioning/inventory.test.ts). */
export const inventoryCommand = defineCommand({
  name: "pnpm inventory",
  usage: `usage: pnpm inventory --outputs FILE [--out FILE] [--stack NAME] [--dry-run]

Writes the Ansible inventory (bastion, jenkins and the Jenkins agents' groups, SSH user, ProxyJump through the bastion,
Jenkins settings from environments/) from the management stack's outputs.
  --outputs FILE  JSON from \`${outputsCommand}\` or \`terraform output -json > FILE\`
  --out FILE      inventory to write (default: provisioning/inventory/generated.yml)
  --stack NAME    stack whose outputs to read (default: ${managementEnvironment}, the management environment)
  --dry-run       print the inventory instead of writing it`,
  flags: {
    outputs: { type: "string" },
    out: { type: "string" },
    stack: { type: "string", default: managementEnvironment },
    "dry-run": { type: "boolean", default: false },
  },
  run: ({ flags, out }) => {
    if (!flags.outputs) throw new UsageError(`--outputs FILE is required: write FILE with \`${outputsCommand}\``);
    const file = flags.out ? resolve(cwd, flags.out) : DEFAULT_OUT;
    try {
      const result = generateInventory({
        outputsFile: resolve(cwd, flags.outputs),
        out: file,
        vars,
        managementEnvironment: flags.stack,
        pnpmVersion: pnpmVersionOf(JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")).packageManager),
        dryRun: flags["dry-run"],
      });
      if (flags["dry-run"]) out(result.text.trimEnd());
      else out(result.written ? `wrote ${file}` : `${file} is up to date.`);
    } catch (error) {
      if (error instanceof OutputsError) error.message += `\n${file} was not written.`;
      throw error;
    }
  },
});
