/**
 * review-comment: flags, a preflight that changes nothing (the pull request's URL, every file read
 * and its JSON checked, the token), then the work. The bin file only wires this to the process.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, type CommandInput, type CommandIo, consoleIo, runCommand, UsageError } from "../../../lib/cli";
import { GitHubClient, type GitHubClientOptions, gitHubApiUrl, type PullRequestRef } from "./client";
import { commentBody, findingsFromJson, postReview, reviewLabels } from "./review";

export const USAGE = `usage: pnpm --filter pipelines review-comment --pull-request URL --markdown FILE... [options]

Posts the infrastructure review on a GitHub pull request as ONE comment, found again by a hidden
marker and updated in place on every run, and sets the review's labels: "changes" or "no-changes",
and "hazard:<category>" for each hazard category the review names. Other labels are left alone.

  --pull-request URL   the pull request, https://HOST/OWNER/REPO/pull/N (Jenkins: $CHANGE_URL)
  --markdown FILE      a section of the comment, in order (repeat: pnpm diff's, then plan-summary's)
  --labels-from FILE   the output of \`pnpm diff --format json\` or \`pnpm plan-summary --format json\`
                       (repeat); without it the labels stay as they are
  --footer TEXT        the comment's last line, e.g. the build's link
  --api-url URL        GitHub's REST API (default: https://api.github.com for github.com,
                       https://HOST/api/v3 for GitHub Enterprise Server)
  --dry-run            read the pull request, print the comment and the label changes; change nothing
  -h, --help           this help

Environment: GITHUB_TOKEN, a token with read and write access to the repository's pull requests
and issues. Exit codes: 0 posted, 1 GitHub failed, 2 bad input (nothing sent).`;

const FLAGS = {
  "pull-request": { type: "string" },
  markdown: { type: "string", multiple: true },
  "labels-from": { type: "string", multiple: true },
  footer: { type: "string" },
  "api-url": { type: "string" },
  "dry-run": { type: "boolean", default: false },
} as const;

/** How the client waits and tells time; tests replace them. */
export type ClientTiming = Pick<GitHubClientOptions, "sleep" | "now" | "rateLimitBudgetSeconds">;

/** review-comment as a command: the token and the working directory from `env`. */
export function reviewCommand(env: NodeJS.ProcessEnv, timing: ClientTiming = {}): Command<typeof FLAGS> {
  return { name: "review-comment", usage: USAGE, flags: FLAGS, run: (io) => postReviewComment(io, env, timing) };
}

export function runReviewCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CommandIo = consoleIo,
  timing: ClientTiming = {},
): Promise<number> {
  return runCommand(reviewCommand(env, timing), args, io);
}

/** The pull request and the REST API root its URL implies. */
export function parsePullRequestUrl(url: string): PullRequestRef & { readonly apiUrl: string } {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const match = /^\/([^/]+)\/([^/]+)\/pull\/(\d+)\/?$/.exec(parsed?.pathname ?? "");
  if (!parsed || !/^https?:$/.test(parsed.protocol) || !match) {
    throw new UsageError(
      `--pull-request "${url}" is not a pull request's address; pass https://github.com/OWNER/REPO/pull/NUMBER (Jenkins: $CHANGE_URL)`,
    );
  }
  return { owner: match[1] ?? "", repo: match[2] ?? "", number: Number(match[3]), apiUrl: gitHubApiUrl(parsed.origin) };
}

async function postReviewComment(
  { flags, out }: CommandInput<typeof FLAGS>,
  env: NodeJS.ProcessEnv,
  timing: ClientTiming,
): Promise<undefined> {
  // Preflight: nothing below up to the client reaches GitHub.
  if (flags["pull-request"] === undefined)
    throw new UsageError("--pull-request is missing: pass the pull request's URL");
  const pullRequest = parsePullRequestUrl(flags["pull-request"]);
  const markdown = flags.markdown ?? [];
  if (markdown.length === 0) throw new UsageError("no --markdown FILE: pass the review's sections (pnpm diff's first)");
  // pnpm --filter runs scripts in pipelines/: a relative path means the caller's directory.
  const read = (file: string) => {
    const path = resolve(env.INIT_CWD ?? process.cwd(), file);
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}; check the path`);
    }
  };
  const sections = markdown.map(read);
  const labelSources = flags["labels-from"];
  const labels = labelSources && reviewLabels(labelSources.map((file) => findingsFromJson(read(file), file)));
  const token = env.GITHUB_TOKEN?.trim();
  if (!token) {
    throw new UsageError(
      "GITHUB_TOKEN not set: export a token with read and write access to the repository's pull requests and issues",
    );
  }
  const apiUrl = flags["api-url"] ?? pullRequest.apiUrl;
  if (!/^https?:\/\/[^/]+/.test(apiUrl)) throw new UsageError(`--api-url "${apiUrl}" is not an http(s) URL`);

  const body = commentBody(sections, flags.footer);
  const client = new GitHubClient({
    apiUrl,
    token,
    ...timing,
    onWait: (seconds, reason) => out(`${reason}: waiting ${seconds} s as GitHub asks`),
  });
  const dryRun = flags["dry-run"];
  const { owner, repo, number } = pullRequest;
  await postReview(client, { owner, repo, number }, body, labels, { dryRun, log: out });
  if (dryRun) out(`dry run, nothing changed. The comment would read:\n\n${body}`);
  return undefined;
}
