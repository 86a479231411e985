/**
 * Renders each job's config.xml from pipelines/jobs/<job>/config.xml.njk, validates it, and
 * reduces config.xml documents to a canonical form for comparison and diffs.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import nunjucks from "nunjucks";
import { gitHubApiUrl } from "../github/client";
import type { JobDefinition, PipelineScm } from "./jobs";

/** A problem in the repository's job definitions: nothing was sent to Jenkins. */
export class JobDefinitionError extends Error {}

export interface RenderedJob {
  readonly name: string;
  /** The template it came from, relative to the working directory. */
  readonly source: string;
  readonly xml: string;
}

/** A repository on GitHub as the GitHub Branch Source plugin names it. */
export interface GitHubRepository {
  /** REST API root: https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server. */
  readonly apiUri: string;
  readonly owner: string;
  readonly repository: string;
  /** https://HOST/OWNER/REPO */
  readonly repositoryUrl: string;
}

/** The GitHub repository a clone URL (https://HOST/OWNER/REPO[.git], git@HOST:OWNER/REPO[.git],
 *  ssh://git@HOST/OWNER/REPO[.git]) points at; undefined for any other URL. */
export function githubRepository(cloneUrl: string): GitHubRepository | undefined {
  const match =
    /^https:\/\/([^/@]+)\/([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(cloneUrl) ??
    /^(?:ssh:\/\/)?git@([^/:]+)(?::\d+)?[:/]([\w.-]+)\/([\w.-]+?)(?:\.git)?$/.exec(cloneUrl);
  if (!match) return undefined;
  const [, host, owner, repository] = match as unknown as [string, string, string, string];
  const repositoryUrl = `https://${host}/${owner}/${repository}`;
  return { apiUri: gitHubApiUrl(repositoryUrl), owner, repository, repositoryUrl };
}

export function templatePath(jobsDir: string, job: string): string {
  return join(jobsDir, job, "config.xml.njk");
}

/** Renders and validates every job; throws one error listing every problem, before anything is sent. */
export function renderJobs(jobsDir: string, jobs: readonly JobDefinition[], scm: PipelineScm): RenderedJob[] {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(jobsDir), {
    autoescape: true,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
  const problems: string[] = [];
  const rendered: RenderedJob[] = [];
  for (const job of jobs) {
    const path = templatePath(jobsDir, job.name);
    const source = relative(process.cwd(), path) || path;
    if (!existsSync(path)) {
      problems.push(`${source}: missing; every job in pipelines/src/jenkins/jobs.ts needs a config.xml.njk template`);
      continue;
    }
    const github = job.pullRequests ? githubRepository(scm.url) : undefined;
    if (job.pullRequests && !github) {
      problems.push(
        `${source}: "${job.name}" discovers pull requests on GitHub, but ${scm.url} is no GitHub repository URL ` +
          "(https://HOST/OWNER/REPO or git@HOST:OWNER/REPO); pass its GitHub URL with --scm-url",
      );
      continue;
    }
    let xml: string;
    try {
      xml = env.render(`${job.name}/config.xml.njk`, { job, scm, github });
    } catch (error) {
      problems.push(`${source}: cannot be rendered: ${(error as Error).message.replace(/\s+/g, " ").trim()}`);
      continue;
    }
    const invalid = xmlProblem(xml);
    if (invalid) {
      problems.push(`${source}: renders invalid XML (${invalid}); fix the template`);
      continue;
    }
    rendered.push({ name: job.name, source, xml });
  }
  if (problems.length > 0) {
    throw new JobDefinitionError(`${problems.join("\n")}\nNothing was sent to Jenkins.`);
  }
  return rendered;
}

/** Undefined when the text is well-formed XML, else "line L, column C: message". */
export function xmlProblem(xml: string): string | undefined {
  const result = XMLValidator.validate(xml);
  if (result === true) return undefined;
  const { line, col, msg } = result.err;
  return `line ${line}, column ${col}: ${msg}`;
}

type Node = Record<string, unknown>;

/**
 * A stable, indented form of a config.xml: no XML declaration or comments, no `plugin="..."`
 * version attributes (Jenkins adds them when it saves), no top-level <actions> (run-time state
 * that Declarative Pipeline records), whitespace-insensitive. Two configs that Jenkins treats
 * the same compare equal.
 */
export function canonicalXml(xml: string): string {
  const options = {
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    ignoreDeclaration: true,
    ignorePiTags: true,
    trimValues: true,
    parseTagValue: false,
    parseAttributeValue: false,
  };
  const tree = new XMLParser(options).parse(xml) as Node[];
  const cleaned = tree.map((root) => clean(root, true));
  return new XMLBuilder({ ...options, format: true, indentBy: "  ", suppressEmptyNode: true }).build(cleaned).trim();
}

function clean(node: Node, isRoot: boolean): Node {
  const result: Node = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === ":@") {
      const attributes = Object.fromEntries(Object.entries(value as Node).filter(([name]) => name !== "@_plugin"));
      if (Object.keys(attributes).length > 0) result[key] = attributes;
    } else if (Array.isArray(value)) {
      const children = (value as Node[]).filter((child) => !(isRoot && "actions" in child));
      result[key] = children.map((child) => clean(child, false));
    } else {
      result[key] = value;
    }
  }
  return result;
}
