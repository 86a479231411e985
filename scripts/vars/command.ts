/**
 * The `pnpm vars` command (run by scripts/vars/cli.ts): pnpm vars [--check] [--environments DIR] [--templates DIR] [--out FILE]
 *
 * Validates environments/*.yaml and renders stacks/global/vars.ts. On any problem it prints
 * every one (file, key, fix), exits 1 and leaves the existing vars.ts untouched. Warnings (valid
 * settings worth saying, such as alarms that reach nobody) go to stderr with exit 0.
 * --check renders in memory and exits 1 when vars.ts differs (CI runs it).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { loadVars, VarsError } from "../../config/load";
import { renderVars } from "../../config/render";
import { defineCommand } from "../../lib/cli";

const root = resolve(dirname(new URL(import.meta.url).pathname), "../..");

/** The command, apart from the process: cli.ts runs it on argv; tests run it in-process on the same
 *  arguments (tests/vars.test.ts), which keeps its dozens of cases from each starting a Node process. */
export const varsCommand = defineCommand({
  name: "pnpm vars",
  usage: `usage: pnpm vars [--check] [--environments DIR] [--templates DIR] [--out FILE]

Validates environments/*.yaml and renders templates/vars.ts.njk into stacks/global/vars.ts.
  --check          exit 1 if the rendered file differs from the one on disk; write nothing
  --environments   input folder (default: environments/)
  --templates      template folder (default: templates/)
  --out            output file (default: stacks/global/vars.ts)`,
  flags: {
    check: { type: "boolean", default: false },
    environments: { type: "string", default: join(root, "environments") },
    templates: { type: "string", default: join(root, "templates") },
    out: { type: "string", default: join(root, "stacks/global/vars.ts") },
  },
  run: ({ flags, out, err }) => {
    const file = resolve(flags.out);
    const shown = relative(process.cwd(), file).startsWith("..") ? file : relative(process.cwd(), file);
    const warnings: string[] = [];
    let rendered: string;
    try {
      rendered = renderVars(loadVars(resolve(flags.environments), process.cwd(), warnings), resolve(flags.templates));
    } catch (error) {
      if (error instanceof VarsError) error.message += `\n${shown} was left unchanged.`;
      throw error;
    }
    // Valid, but worth saying on every run (alarms that reach nobody): stderr, and the exit code stays 0.
    for (const warning of warnings) err(`pnpm vars: warning: ${warning}`);
    const current = existsSync(file) ? readFileSync(file, "utf8") : undefined;
    if (current === rendered) {
      out(`${shown} is up to date.`);
    } else if (flags.check) {
      throw new Error(`${shown} is stale (environments/ or the template changed); run \`pnpm vars\` and commit it.`);
    } else {
      // Write beside the target, then rename: a crash never leaves a half-written vars.ts.
      const temporary = `${file}.tmp-${process.pid}`;
      writeFileSync(temporary, rendered);
      renameSync(temporary, file);
      out(`wrote ${shown}`);
    }
  },
});
