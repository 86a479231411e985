/**
 * pnpm inventory --outputs FILE [--out FILE] [--stack NAME] [--dry-run]
 *
 * Turns the mgmt stack's outputs into provisioning/inventory/generated.yml. On missing or malformed
 * outputs it names each problem and its fix, exits 1 and writes nothing.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { managementEnvironment, vars } from "../../stacks/global/vars";
import { generateInventory } from "./generate";
import { pnpmVersionOf } from "./inventory";
import { OutputsError } from "./outputs";

const root = resolve(dirname(new URL(import.meta.url).pathname), "../..");
// pnpm runs scripts from the repository root; relative paths are meant from where the user typed them.
const cwd = process.env.INIT_CWD ?? process.cwd();
const DEFAULT_OUT = resolve(root, "provisioning/inventory/generated.yml");
const HELP = `usage: pnpm inventory --outputs FILE [--out FILE] [--stack NAME] [--dry-run]

Writes the Ansible inventory (bastion and jenkins groups, SSH user, ProxyJump through the bastion,
Jenkins settings from environments/) from the management stack's outputs.
  --outputs FILE  JSON from \`cdktf output ${managementEnvironment} --outputs-file FILE\` or \`terraform output -json > FILE\`
  --out FILE      inventory to write (default: provisioning/inventory/generated.yml)
  --stack NAME    stack whose outputs to read (default: ${managementEnvironment}, the management environment)
  --dry-run       print the inventory instead of writing it`;

function main(): number {
  let options: ReturnType<typeof parse>;
  try {
    options = parse();
    if (!options.help && !options.outputs) throw new Error("--outputs FILE is required");
  } catch (error) {
    console.error(`pnpm inventory: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (options.help) {
    console.log(HELP);
    return 0;
  }
  const out = options.out ? resolve(cwd, options.out) : DEFAULT_OUT;
  try {
    const result = generateInventory({
      outputsFile: resolve(cwd, options.outputs as string),
      out,
      vars,
      managementEnvironment: options.stack ?? managementEnvironment,
      pnpmVersion: pnpmVersionOf(JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")).packageManager),
      dryRun: options["dry-run"],
    });
    if (options["dry-run"]) process.stdout.write(result.text);
    else console.log(result.written ? `wrote ${out}` : `${out} is up to date.`);
    return 0;
  } catch (error) {
    if (error instanceof OutputsError) {
      console.error(`pnpm inventory: ${error.message}\n${out} was not written.`);
      return 1;
    }
    throw error;
  }
}

function parse() {
  return parseArgs({
    options: {
      outputs: { type: "string" },
      out: { type: "string" },
      stack: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }).values;
}

process.exitCode = main();
