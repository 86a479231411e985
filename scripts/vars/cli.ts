/**
 * pnpm vars [--check] [--environments DIR] [--templates DIR] [--out FILE]
 *
 * Validates environments/*.yaml and renders stacks/global/vars.ts. On any problem it prints
 * every one (file, key, fix), exits 1 and leaves the existing vars.ts untouched.
 * --check renders in memory and exits 1 when vars.ts differs (CI runs it).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadVars, VarsError } from "../../config/load";
import { renderVars } from "../../config/render";

const root = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const HELP = `usage: pnpm vars [--check] [--environments DIR] [--templates DIR] [--out FILE]

Validates environments/*.yaml and renders templates/vars.ts.njk into stacks/global/vars.ts.
  --check          exit 1 if the rendered file differs from the one on disk; write nothing
  --environments   input folder (default: environments/)
  --templates      template folder (default: templates/)
  --out            output file (default: stacks/global/vars.ts)`;

function main(): number {
  let options: ReturnType<typeof parse>;
  try {
    options = parse();
  } catch (error) {
    console.error(`pnpm vars: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (options.help) {
    console.log(HELP);
    return 0;
  }
  const environmentsDir = resolve(options.environments ?? join(root, "environments"));
  const out = resolve(options.out ?? join(root, "stacks/global/vars.ts"));
  const shown = relative(process.cwd(), out).startsWith("..") ? out : relative(process.cwd(), out);
  let rendered: string;
  try {
    rendered = renderVars(loadVars(environmentsDir), resolve(options.templates ?? join(root, "templates")));
  } catch (error) {
    if (error instanceof VarsError) {
      console.error(`pnpm vars: ${error.message}\n${shown} was left unchanged.`);
      return 1;
    }
    throw error;
  }
  const current = existsSync(out) ? readFileSync(out, "utf8") : undefined;
  if (options.check) {
    if (current !== rendered) {
      console.error(
        `pnpm vars --check: ${shown} is stale (environments/ or the template changed); run \`pnpm vars\` and commit it.`,
      );
      return 1;
    }
    console.log(`${shown} is up to date.`);
    return 0;
  }
  if (current === rendered) {
    console.log(`${shown} is up to date.`);
    return 0;
  }
  // Write beside the target, then rename: a crash never leaves a half-written vars.ts.
  const temporary = `${out}.tmp-${process.pid}`;
  writeFileSync(temporary, rendered);
  renameSync(temporary, out);
  console.log(`wrote ${shown}`);
  return 0;
}

function parse() {
  return parseArgs({
    options: {
      check: { type: "boolean", default: false },
      environments: { type: "string" },
      templates: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }).values;
}

process.exitCode = main();
