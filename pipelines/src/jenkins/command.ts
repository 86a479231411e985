/**
 * export-jenkins-job: flags, a preflight that changes nothing (render and validate every job,
 * credentials, URL), then the work. The bin file only wires this to the process.
 */
import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { jenkinsUrl } from "../../../lib/naming";
import { applicationEnvironments, managementEnvironment, vars } from "../../../stacks/global/vars";
import { JenkinsClient, JenkinsError } from "./client";
import { exportJobs, pullJob } from "./export";
import { type JobsInput, jobDefinitions, type PipelineScm } from "./jobs";
import { JobDefinitionError, renderJobs } from "./render";

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

export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const consoleIo: CommandIo = { out: (text) => console.log(text), err: (text) => console.error(text) };
const realVars: JobsInput = { vars, applicationEnvironments, managementEnvironment };

class UsageError extends Error {}

export async function runExportCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CommandIo = consoleIo,
  input: JobsInput = realVars,
): Promise<number> {
  let flags: ReturnType<typeof parse>;
  try {
    flags = parse(args);
  } catch (error) {
    io.err(`export-jenkins-job: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    // Preflight: everything below up to the client changes nothing, on disk or in Jenkins.
    const jobsDir = resolve(flags["jobs-dir"] ?? DEFAULTS.jobsDir);
    const scm: PipelineScm = {
      url: flags["scm-url"] ?? originUrl(),
      branch: flags["scm-branch"] ?? DEFAULTS.scmBranch,
      credentialsId: flags["scm-credentials"] ?? DEFAULTS.scmCredentials,
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
      io.out(`pulled ${job} from ${url} into ${result.path}`);
      if (result.diff === undefined) {
        io.out(
          `"${job}" is not defined here: add it to pipelines/src/jenkins/jobs.ts and as pipelines/jobs/${job}/config.xml.njk`,
        );
      } else {
        io.out(result.diff);
        io.out(
          `port the changes into pipelines/jobs/${job}/config.xml.njk (values from vars stay templated), then delete ${result.path}`,
        );
      }
      return 0;
    }

    const reports = await exportJobs(client, rendered, {
      dryRun: flags["dry-run"],
      onReport: (report) => {
        io.out(`${report.name}: ${report.outcome}`);
        if (report.diff) io.out(report.diff);
      },
    });
    io.out(`${flags["dry-run"] ? "dry run, nothing changed: " : ""}${reports.length} job(s) checked against ${url}`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`export-jenkins-job: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof JobDefinitionError || error instanceof JenkinsError) {
      io.err(`export-jenkins-job: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function parse(args: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      url: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      pull: { type: "string" },
      "scm-url": { type: "string" },
      "scm-branch": { type: "string" },
      "scm-credentials": { type: "string" },
      "jobs-dir": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  if (values.pull !== undefined && values["dry-run"]) throw new Error("--pull and --dry-run exclude each other");
  return values;
}

function originUrl(): string {
  const result = spawnSync("git", ["remote", "get-url", "origin"], { cwd: REPO_ROOT, encoding: "utf8" });
  const url = result.status === 0 ? result.stdout.trim() : "";
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
