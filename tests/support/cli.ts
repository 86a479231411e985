/** Runs a CLI's command in this process, as its CLI file would on the same arguments (lib/cli.ts). */
import { type Command, type FlagSpecs, runCommand } from "../../lib/cli";

export interface CommandRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `command` on `args`: its exit code and what it printed to stdout and stderr, a line per call. */
export async function runInProcess<F extends FlagSpecs>(
  command: Command<F>,
  args: readonly string[],
): Promise<CommandRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status = await runCommand(command, args, {
    out: (text) => stdout.push(`${text}\n`),
    err: (text) => stderr.push(`${text}\n`),
  });
  return { status, stdout: stdout.join(""), stderr: stderr.join("") };
}
