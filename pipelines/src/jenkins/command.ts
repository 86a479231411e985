/**
 * export-jenkins-job: flags, a preflight that changes nothing (render and validate every job,
 * credentials, URL), then the work. The bin file only wires this to the process.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { $ } from "zx";
import { type Command, type CommandInput, type CommandIo, consoleIo, runCommand, UsageError } from "../../../lib/cli";
import { jenkinsUrl } from "../../../lib/naming";
import { applicationEnvironments, managementEnvironment, vars } from "../../../stacks/global/vars";
import { JenkinsClient } from "./client";
import { exportJobs, pullJob } from "./export";
import { type JobsInput, jobDefinitions, type PipelineScm } from "./jobs";
import { renderJobs } from "./render";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const DEFAULTS = {
  jobsDir: resolve(REPO_ROOT, "pipelines/jobs"),
  scmBranch: "main",
  scmCredentials: "infrastructure-repository",
};

export const USAGE = `usage: pnpm --filter pipelines export-jenkins-job [--url URL] [--dry-run] [--pull JOB] [options]

Renders the job definitions (pipelines/jobs/<job>/config.xml.njk) and delivers them to Jenkins:
creates missing jobs, updates changed ones, reports each as created / updated / unchanged.
Every job is rendered and validated before anything is sent.

  --url URL             Jenkins root URL (default: ${jenkinsUrl(vars, managementEnvironment)}, from vars)
  --dry-run             show the diff against each job's config on the server; change nothing
  --pull JOB            write JOB's config from the server to pipelines/jobs/JOB/config.pulled.xml
                        and show how it differs from the repository's
  --scm-url URL         repository the jobs read their Jenkinsfiles from (default: git remote "origin")
  --scm-branch NAME     its branch (default: ${DEFAULTS.scmBranch})
  --scm-credentials ID  Jenkins credentials id to clone it (default: ${DEFAULTS.scmCredentials})
  --jobs-dir DIR        job templates (default: pipelines/jobs)
  --user NAME           Jenkins user to sign in as (default: JENKINS_USER)
  --token-file FILE     read the user's API token from FILE (mode 0600 or stricter), or from
                        standard input with "-" (default: JENKINS_API_TOKEN): never pass the
                        token itself on a command line
  -h, --help            this help

Basic auth with the user's API token; Ansible runs it as the dedicated job-export user with its
token on standard input.`;

const FLAGS = {
  url: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  pull: { type: "string" },
  "scm-url": { type: "string" },
  "scm-branch": { type: "string", default: DEFAULTS.scmBranch },
  "scm-credentials": { type: "string", default: DEFAULTS.scmCredentials },
  "jobs-dir": { type: "string", default: DEFAULTS.jobsDir },
  user: { type: "string" },
  "token-file": { type: "string" },
} as const;

const realVars: JobsInput = { vars, applicationEnvironments, managementEnvironment };

/** export-jenkins-job as a command: Jenkins credentials from `env`, job values from `input`. */
export function exportCommand(
  env: NodeJS.ProcessEnv,
  input: JobsInput = realVars,
  stdin: () => string = () => readFileSync(0, "utf8"),
): Command<typeof FLAGS> {
  return {
    name: "export-jenkins-job",
    usage: USAGE,
    flags: FLAGS,
    run: (io) => exportJenkinsJobs(io, env, input, stdin),
  };
}

export function runExportCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CommandIo = consoleIo,
  input: JobsInput = realVars,
  stdin?: () => string,
): Promise<number> {
  return runCommand(exportCommand(env, input, stdin), args, io);
}

async function exportJenkinsJobs(
  { flags, out }: CommandInput<typeof FLAGS>,
  env: NodeJS.ProcessEnv,
  input: JobsInput,
  stdin: () => string,
): Promise<undefined> {
  if (flags.pull !== undefined && flags["dry-run"]) throw new UsageError("--pull and --dry-run exclude each other");
  // Preflight: everything below up to the client changes nothing, on disk or in Jenkins.
  const jobsDir = resolve(flags["jobs-dir"]);
  const scm: PipelineScm = {
    url: flags["scm-url"] ?? (await originUrl()),
    branch: flags["scm-branch"],
    credentialsId: flags["scm-credentials"],
  };
  const rendered = renderJobs(jobsDir, jobDefinitions(input), scm);
  const url = jenkinsRoot(flags.url ?? jenkinsUrl(input.vars, input.managementEnvironment));
  const client = new JenkinsClient(url, credentials(env, url, flags, stdin));

  if (flags.pull !== undefined) {
    const job = flags.pull;
    if (!/^[\w.-]+(\/[\w.-]+)*$/.test(job)) throw new UsageError(`--pull "${job}" is not a job name`);
    const result = await pullJob(
      client,
      job,
      jobsDir,
      rendered.find((candidate) => candidate.name === job),
    );
    out(`pulled ${job} from ${url} into ${result.path}`);
    if (result.diff === undefined) {
      out(
        `"${job}" is not defined here: add it to pipelines/src/jenkins/jobs.ts and as pipelines/jobs/${job}/config.xml.njk`,
      );
    } else {
      out(result.diff);
      out(
        `port the changes into pipelines/jobs/${job}/config.xml.njk (values from vars stay templated), then delete ${result.path}`,
      );
    }
    return;
  }

  const reports = await exportJobs(client, rendered, {
    dryRun: flags["dry-run"],
    onReport: (report) => {
      out(`${report.name}: ${report.outcome}`);
      if (report.diff) out(report.diff);
    },
  });
  out(`${flags["dry-run"] ? "dry run, nothing changed: " : ""}${reports.length} job(s) checked against ${url}`);
}

async function originUrl(): Promise<string> {
  const result = await $({ cwd: REPO_ROOT, quiet: true, nothrow: true })`git remote get-url origin`;
  const url = result.exitCode === 0 ? result.stdout.trim() : "";
  if (!url) {
    throw new UsageError(
      'cannot tell which repository the jobs read their Jenkinsfiles from: this checkout has no "origin" remote; pass --scm-url <git url>',
    );
  }
  return url;
}

function jenkinsRoot(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url "${url}" is not a URL; pass the Jenkins root, e.g. https://jenkins.example.com/`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(`--url "${url}" must start with http:// or https://`);
  }
  return parsed.href.endsWith("/") ? parsed.href : `${parsed.href}/`;
}

/** The user and API token: --user / --token-file (a 0600 file, or "-" for standard input), else the environment. */
function credentials(
  env: NodeJS.ProcessEnv,
  url: string,
  flags: { user?: string; "token-file"?: string },
  stdin: () => string,
) {
  const user = (flags.user ?? env.JENKINS_USER)?.trim();
  const tokenFile = flags["token-file"];
  const token = (tokenFile === undefined ? env.JENKINS_API_TOKEN : readToken(tokenFile, stdin))?.trim();
  const missing = [!user && "--user (or JENKINS_USER)", !token && "--token-file (or JENKINS_API_TOKEN)"].filter(
    Boolean,
  );
  if (missing.length > 0 || !user || !token) {
    throw new UsageError(
      `${missing.join(" and ")} not given: pass the Jenkins user and its API token (create one under ${url}me/configure, API Token)`,
    );
  }
  return { user, token };
}

/** The token from standard input ("-") or a file only its owner may read. */
function readToken(file: string, stdin: () => string): string {
  if (file === "-") return stdin();
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    throw new UsageError(`--token-file ${file}: no such file; write the API token into it with mode 0600`);
  }
  if ((mode & 0o077) !== 0) {
    throw new UsageError(
      `--token-file ${file}: others may read it (mode ${(mode & 0o777).toString(8).padStart(4, "0")}); run chmod 600 ${file}`,
    );
  }
  return readFileSync(file, "utf8");
}
