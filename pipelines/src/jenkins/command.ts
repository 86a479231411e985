/**
 * export-jenkins-job: flags, a preflight that changes nothing (render and validate every job,
 * credentials, URL), then the work. The bin file only wires this to the process.
 */
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
  -h, --help            this help

Environment: JENKINS_USER and JENKINS_API_TOKEN (basic auth with an API token).`;

const FLAGS = {
  url: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  pull: { type: "string" },
  "scm-url": { type: "string" },
  "scm-branch": { type: "string", default: DEFAULTS.scmBranch },
  "scm-credentials": { type: "string", default: DEFAULTS.scmCredentials },
  "jobs-dir": { type: "string", default: DEFAULTS.jobsDir },
} as const;

const realVars: JobsInput = { vars, applicationEnvironments, managementEnvironment };

/** export-jenkins-job as a command: Jenkins credentials from `env`, job values from `input`. */
export function exportCommand(env: NodeJS.ProcessEnv, input: JobsInput = realVars): Command<typeof FLAGS> {
  return { name: "export-jenkins-job", usage: USAGE, flags: FLAGS, run: (io) => exportJenkinsJobs(io, env, input) };
}

export function runExportCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CommandIo = consoleIo,
  input: JobsInput = realVars,
): Promise<number> {
  return runCommand(exportCommand(env, input), args, io);
}

async function exportJenkinsJobs(
  { flags, out }: CommandInput<typeof FLAGS>,
  env: NodeJS.ProcessEnv,
  input: JobsInput,
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
  const client = new JenkinsClient(url, credentials(env, url));

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

function credentials(env: NodeJS.ProcessEnv, url: string) {
  const user = env.JENKINS_USER?.trim();
  const token = env.JENKINS_API_TOKEN?.trim();
  const missing = [!user && "JENKINS_USER", !token && "JENKINS_API_TOKEN"].filter(Boolean);
  if (missing.length > 0 || !user || !token) {
    throw new UsageError(
      `${missing.join(" and ")} not set: export the Jenkins user and an API token (create one under ${url}me/configure, API Token)`,
    );
  }
  return { user, token };
}
