/**
 * Delivers the rendered job definitions to Jenkins (create / update / unchanged), shows what
 * would change (dry run), and pulls a job's config from Jenkins into the repository.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { createTwoFilesPatch } from "diff";
import { type JenkinsClient, JenkinsError } from "./client";
import { canonicalXml, type RenderedJob } from "./render";

export type JobOutcome = "created" | "updated" | "unchanged" | "would create" | "would update";

export interface JobReport {
  readonly name: string;
  readonly outcome: JobOutcome;
  /** Unified diff of the server's config against the repository's (dry run only). */
  readonly diff?: string;
}

export interface ExportOptions {
  readonly dryRun: boolean;
  /** Called once per job as soon as its outcome is known. */
  readonly onReport?: (report: JobReport) => void;
}

/** Raised after some jobs were handled: says which were done and which were not. */
export class PartialExportError extends JenkinsError {}

/** Unified diff between two config.xml documents in canonical form (an empty `from` for a new job). */
export function unifiedDiff(fromLabel: string, fromXml: string, toLabel: string, toXml: string): string {
  const canonical = (xml: string) => (xml === "" ? "" : `${canonicalXml(xml)}\n`);
  return createTwoFilesPatch(fromLabel, toLabel, canonical(fromXml), canonical(toXml));
}

function serverToRepoDiff(name: string, serverXml: string, repoXml: string): string {
  return unifiedDiff(`jenkins/${name}/config.xml`, serverXml, `repo/${name}/config.xml`, repoXml);
}

export async function exportJobs(
  client: JenkinsClient,
  jobs: readonly RenderedJob[],
  options: ExportOptions,
): Promise<JobReport[]> {
  await client.fetchCrumb();
  const reports: JobReport[] = [];
  for (const [index, job] of jobs.entries()) {
    try {
      const report = await exportJob(client, job, options.dryRun);
      reports.push(report);
      options.onReport?.(report);
    } catch (error) {
      if (!(error instanceof JenkinsError)) throw error;
      const done = reports.map((report) => `${report.name} (${report.outcome})`);
      const notAttempted = jobs.slice(index + 1).map((other) => other.name);
      throw new PartialExportError(
        [
          `job "${job.name}": ${error.message}`,
          `done before the failure: ${done.length > 0 ? done.join(", ") : "none"}`,
          `not attempted: ${notAttempted.length > 0 ? notAttempted.join(", ") : "none"}`,
        ].join("\n"),
      );
    }
  }
  return reports;
}

async function exportJob(client: JenkinsClient, job: RenderedJob, dryRun: boolean): Promise<JobReport> {
  const current = await client.getConfig(job.name);
  if (current === undefined) {
    if (dryRun) return { name: job.name, outcome: "would create", diff: serverToRepoDiff(job.name, "", job.xml) };
    await client.createJob(job.name, job.xml);
    return { name: job.name, outcome: "created" };
  }
  if (canonicalXml(current) === canonicalXml(job.xml)) return { name: job.name, outcome: "unchanged" };
  if (dryRun) return { name: job.name, outcome: "would update", diff: serverToRepoDiff(job.name, current, job.xml) };
  await client.updateJob(job.name, job.xml);
  return { name: job.name, outcome: "updated" };
}

export interface PullResult {
  /** Where the server's config.xml was written. */
  readonly path: string;
  /** Diff of the repository's rendered config against the server's, when the job is defined here. */
  readonly diff?: string;
}

/** The file that --pull writes for a job: beside its template, never over it. */
export function pulledPath(jobsDir: string, job: string): string {
  return join(jobsDir, job, "config.pulled.xml");
}

/**
 * Writes the server's config.xml of `job` to pipelines/jobs/<job>/config.pulled.xml. The template
 * stays the source of truth (its vars-derived values stay templated): port the change into it.
 */
export async function pullJob(
  client: JenkinsClient,
  job: string,
  jobsDir: string,
  rendered: RenderedJob | undefined,
): Promise<PullResult> {
  const current = await client.getConfig(job);
  if (current === undefined) {
    throw new JenkinsError(
      `Jenkins at ${client.baseUrl} has no job "${job}": check the name (a job in a folder is folder/name)`,
    );
  }
  const path = pulledPath(jobsDir, job);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, current.endsWith("\n") ? current : `${current}\n`);
  const diff = rendered
    ? unifiedDiff(`repo/${job}/config.xml`, rendered.xml, `jenkins/${job}/config.xml`, current)
    : undefined;
  return { path: relative(process.cwd(), path) || path, diff };
}
