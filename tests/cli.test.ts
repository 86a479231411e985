/**
 * One shape for every command-line script: lib/cli.ts's contract, in process, then every CLI
 * of the repository (pipelines/bin/*.ts, scripts/<tool>/cli.ts) run for real on --help and on
 * an unknown flag.
 */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { type Command, type FlagSpecs, runCommand, UsageError } from "../lib/cli";

const root = resolve(import.meta.dirname, "..");
const USAGE = "usage: demo [--name NAME] [--loud] FILE";

/** Runs `command` with `args` in process; returns its exit code, output, and whether its work ran. */
async function run<const F extends FlagSpecs>(command: Omit<Command<F>, "name" | "usage">, args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let ran = false;
  const code = await runCommand(
    {
      ...command,
      name: "demo",
      usage: USAGE,
      run: (input) => {
        ran = true;
        return command.run(input);
      },
    },
    args,
    { out: (text) => stdout.push(text), err: (text) => stderr.push(text) },
  );
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n"), ran };
}

const noop = { flags: {}, run: () => undefined };

describe("a command built on lib/cli.ts", () => {
  it("prints its usage on stdout for --help and exits 0 without doing its work", async () => {
    const result = await run(noop, ["--help"]);

    expect(result).toMatchObject({ code: 0, stdout: USAGE, stderr: "", ran: false });
  });

  it("takes -h for --help", async () => {
    expect((await run(noop, ["-h"])).stdout).toBe(USAGE);
  });

  it("answers an unknown flag with the parser's message and the usage on stderr, exit 2, before any work", async () => {
    const result = await run(noop, ["--nmae", "x"]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^demo: Unknown option '--nmae'/);
    expect(result.stderr.endsWith(`\n\n${USAGE}`)).toBe(true);
    expect(result.ran).toBe(false);
  });

  it("answers a flag without its value with the usage, exit 2", async () => {
    const result = await run({ flags: { name: { type: "string" } }, run: () => undefined }, ["--name"]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--name");
    expect(result.stderr).toContain(USAGE);
  });

  it("names a missing positional argument, exit 2", async () => {
    const result = await run({ ...noop, positionals: ["FILE"] }, []);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^demo: missing FILE\n\n/);
  });

  it("names an argument it does not take, exit 2", async () => {
    const result = await run({ ...noop, positionals: ["FILE"] }, ["a.txt", "b.txt"]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^demo: unexpected argument "b.txt"\n\n/);
  });

  it("hands the work its flags, with parseArgs' defaults, and its positional arguments", async () => {
    let seen: unknown;
    const flags = { name: { type: "string", default: "world" }, loud: { type: "boolean", default: false } } as const;

    const record: Command<typeof flags>["run"] = (input) => {
      seen = input;
    };
    await run({ flags, positionals: ["FILE"], run: record }, ["--loud", "a.txt"]);

    expect(seen).toMatchObject({ flags: { name: "world", loud: true }, positionals: ["a.txt"] });
  });

  it("reports bad input from the work behind its name, without the usage, exit 2", async () => {
    const result = await run(
      {
        ...noop,
        run: () => {
          throw new UsageError("--name Bob: names are lower case; pass --name bob");
        },
      },
      [],
    );

    expect(result).toMatchObject({ code: 2, stderr: "demo: --name Bob: names are lower case; pass --name bob" });
  });

  it("reports any other error from the work as a failure, exit 1", async () => {
    const result = await run(
      {
        ...noop,
        run: async () => {
          throw new Error("the bucket is gone");
        },
      },
      [],
    );

    expect(result).toMatchObject({ code: 1, stdout: "", stderr: "demo: the bucket is gone" });
  });

  it("exits with the code the work returns", async () => {
    expect((await run({ ...noop, run: () => 1 }, [])).code).toBe(1);
  });

  it("exits 3 when the work found what the caller asked to fail on", async () => {
    expect((await run({ ...noop, run: () => 3 }, [])).code).toBe(3);
  });

  it("hands a last positional named NAME... every remaining argument, and still names it when missing", async () => {
    let seen: readonly string[] = [];
    const files = {
      ...noop,
      positionals: ["FILE..."],
      run: ({ positionals }: { positionals: readonly string[] }) => {
        seen = positionals;
        return undefined;
      },
    };

    await run(files, ["a.json", "b.json", "c.json"]);
    const missing = await run(files, []);

    expect(seen).toEqual(["a.json", "b.json", "c.json"]);
    expect(missing.stderr).toMatch(/^demo: missing FILE\.\.\.\n\n/);
  });

  it("exits 0 when the work returns nothing", async () => {
    expect((await run(noop, [])).code).toBe(0);
  });
});

/** Every CLI of the repository: a new bin file or scripts/<tool>/cli.ts is walked without listing it here. */
function commandLineScripts(): string[] {
  const bins = readdirSync(join(root, "pipelines/bin"))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => `pipelines/bin/${file}`);
  const tools = readdirSync(join(root, "scripts"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && readdirSync(join(root, "scripts", entry.name)).includes("cli.ts"))
    .map((entry) => `scripts/${entry.name}/cli.ts`);
  return [...bins, ...tools].sort();
}

describe("every CLI of the repository", () => {
  const scripts = commandLineScripts();
  const runs = new Map<string, { code: number; stdout: string; stderr: string }>();

  async function spawn(script: string, flag: string) {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, flag], {
        cwd: root,
        // No AWS, no Jenkins: neither case may get as far as using them.
        env: { ...process.env, AWS_ENDPOINT_URL: "http://127.0.0.1:9", JENKINS_USER: "", JENKINS_API_TOKEN: "" },
      });
      runs.set(`${script} ${flag}`, { code: 0, stdout, stderr });
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      runs.set(`${script} ${flag}`, { code: failed.code, stdout: failed.stdout, stderr: failed.stderr });
    }
  }

  beforeAll(async () => {
    await Promise.all(scripts.flatMap((script) => [spawn(script, "--help"), spawn(script, "--no-such-flag")]));
  }, 120_000);

  it("are found without a list: every pipelines/bin file and every scripts/<tool>/cli.ts", () => {
    expect(scripts).toEqual(
      expect.arrayContaining([
        "pipelines/bin/bootstrap-state.ts",
        "pipelines/bin/deploy-service.ts",
        "pipelines/bin/export-jenkins-job.ts",
        "pipelines/bin/image-tag.ts",
        "pipelines/bin/jenkins-settings.ts",
        "scripts/inventory/cli.ts",
        "scripts/policy/cli.ts",
        "scripts/vars/cli.ts",
      ]),
    );
  });

  it.each(scripts)("%s --help prints its usage on stdout and exits 0", (script) => {
    const result = runs.get(`${script} --help`);

    expect(result?.code).toBe(0);
    expect(result?.stdout).toMatch(/^usage: /);
  });

  it.each(scripts)("%s --no-such-flag names the flag, prints the usage on stderr and exits 2", (script) => {
    const result = runs.get(`${script} --no-such-flag`);

    expect(result?.code).toBe(2);
    expect(result?.stderr).toContain("'--no-such-flag'");
    expect(result?.stderr).toMatch(/\n\nusage: /);
    expect(result?.stdout).toBe("");
  });
});
