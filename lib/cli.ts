/**
 * One shape for every command-line script (pipelines/bin/<name>.ts, scripts/<tool>/cli.ts):
 * flags parsed by node:util parseArgs, `-h`/`--help` prints the usage, every error goes to
 * stderr behind the command's name, and the exit code says what happened: 0 done, 1 failed,
 * 2 bad input, 3 findings the caller asked to fail on (`pnpm diff --fail-on`). A command line
 * that does not parse is answered with the usage; any other bad input throws UsageError, whose
 * message names the input and the fix.
 * Dependency-free like the rest of lib/: the pipelines package imports it.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

/** 0 done; 1 failed (the work went wrong); 2 bad input (refused before any change); 3 the work
 *  found what the caller asked to fail on (`pnpm diff --fail-on data-loss`). */
export type ExitCode = 0 | 1 | 2 | 3;

/** Bad input: the message names the input and the fix; the command exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A command's flags, in node:util parseArgs' form (`{ out: { type: "string" } }`). */
export type FlagSpecs = NonNullable<ParseArgsConfig["options"]>;

/** The parsed values of `F`, typed as parseArgs types them (strings, booleans, defaults). */
export type Flags<F extends FlagSpecs> = ReturnType<
  typeof parseArgs<{ options: F & typeof HELP; strict: true; allowPositionals: true }>
>["values"];

export interface CommandIo {
  /** One line (or block) to stdout. */
  readonly out: (text: string) => void;
  /** One line (or block) to stderr. */
  readonly err: (text: string) => void;
}

export interface CommandInput<F extends FlagSpecs> extends CommandIo {
  readonly flags: Flags<F>;
  /** One value per name in `Command.positionals`, in order. */
  readonly positionals: readonly string[];
}

export interface Command<F extends FlagSpecs> {
  /** What the user types, and the prefix of every error message: "pnpm vars", "image-tag". */
  readonly name: string;
  /** Printed by --help (stdout), and after a command line that does not parse (stderr). */
  readonly usage: string;
  /** The flags besides -h/--help. */
  readonly flags: F;
  /** Names of the positional arguments, each required (`["JOB"]`); a last name ending in "..."
   *  takes one or more (`["PLAN_JSON..."]`).
   *  @default [] - every input is a flag */
  readonly positionals?: readonly string[];
  /** The work. Prints through `out`/`err`; returns the exit code (nothing means 0); throws
   *  UsageError on bad input (exit 2) and anything else on failure (exit 1). */
  readonly run: (input: CommandInput<F>) => ExitCode | undefined | Promise<ExitCode | undefined>;
}

const HELP = { help: { type: "boolean", short: "h" } } as const;

/** Types a command apart from the process that runs it, so a test can run it in-process through
 *  runCommand with the same arguments a user types, and its CLI file is `runMain(command)`. */
export function defineCommand<const F extends FlagSpecs>(command: Command<F>): Command<F> {
  return command;
}

export const consoleIo: CommandIo = { out: (text) => console.log(text), err: (text) => console.error(text) };

/** Runs `command` on `args` (argv without node and the script); returns the exit code. */
export async function runCommand<const F extends FlagSpecs>(
  command: Command<F>,
  args: readonly string[],
  io: CommandIo = consoleIo,
): Promise<ExitCode> {
  let parsed: ParsedCommandLine<F>;
  try {
    parsed = parseCommandLine(command, args);
  } catch (error) {
    io.err(`${command.name}: ${messageOf(error)}\n\n${command.usage}`);
    return 2;
  }
  if (parsed.help) {
    io.out(command.usage);
    return 0;
  }
  try {
    return (await command.run({ flags: parsed.values, positionals: parsed.positionals, ...io })) ?? 0;
  } catch (error) {
    io.err(`${command.name}: ${messageOf(error)}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** How a CLI file runs its command: on this process's arguments, setting the process's exit code. */
export async function runMain<const F extends FlagSpecs>(command: Command<F>): Promise<void> {
  process.exitCode = await runCommand(command, process.argv.slice(2));
}

interface ParsedCommandLine<F extends FlagSpecs> {
  readonly help: boolean;
  readonly values: Flags<F>;
  readonly positionals: string[];
}

function parseCommandLine<F extends FlagSpecs>(command: Command<F>, args: readonly string[]): ParsedCommandLine<F> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { ...command.flags, ...HELP },
    strict: true,
    allowPositionals: true,
  });
  const help = (values as { help?: boolean }).help === true;
  if (help) return { help, values: values as Flags<F>, positionals };
  const names = command.positionals ?? [];
  const variadic = names.at(-1)?.endsWith("...") === true;
  if (positionals.length > names.length && !variadic) {
    throw new UsageError(`unexpected argument "${positionals[names.length]}"`);
  }
  if (positionals.length < names.length) throw new UsageError(`missing ${names[positionals.length]}`);
  return { help, values: values as Flags<F>, positionals };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
