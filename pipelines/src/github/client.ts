/**
 * The GitHub REST endpoints the review comment uses: a pull request's issue comments (list, create,
 * update) and labels (list, add, remove), with a bearer token. A rate limit is waited out when
 * GitHub says how long (Retry-After; x-ratelimit-reset once x-ratelimit-remaining is 0) and the wait
 * fits the client's budget; every other failure is a GitHubError that names the cause and the fix.
 */
import { fetchFailure } from "../http/fetch-failure";

export class GitHubError extends Error {}

/** The REST API root of the GitHub at `origin` (https://github.com, or a GitHub Enterprise Server). */
export function gitHubApiUrl(origin: string): string {
  const { host, protocol } = new URL(origin);
  return host === "github.com" ? "https://api.github.com" : `${protocol}//${host}/api/v3`;
}

/** A pull request; its comments and labels are those of the issue with the same number. */
export interface PullRequestRef {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

export interface IssueComment {
  readonly id: number;
  readonly body: string;
  readonly html_url: string;
}

export interface GitHubClientOptions {
  /** The REST API root: https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server. */
  readonly apiUrl: string;
  readonly token: string;
  /** Longest time, in seconds, the client waits for rate limits over its whole life.
   *  @default 60 */
  readonly rateLimitBudgetSeconds?: number;
  /** Told about each wait before it starts.
   *  @default - silent */
  readonly onWait?: (seconds: number, reason: string) => void;
  /** @default - a timer */
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** @default Date.now */
  readonly now?: () => number;
}

const TIMEOUT_SECONDS = 30;
const PAGE_SIZE = 100;
/** GitHub asks to wait at least a minute after a 429 that does not say how long. */
const DEFAULT_RATE_LIMIT_WAIT_SECONDS = 60;

export class GitHubClient {
  readonly apiUrl: string;
  private readonly options: GitHubClientOptions;
  private waitedSeconds = 0;

  constructor(options: GitHubClientOptions) {
    this.options = options;
    this.apiUrl = options.apiUrl.replace(/\/+$/, "");
  }

  /** Every comment on the pull request, oldest first, following the pages GitHub links. */
  listComments(pr: PullRequestRef): Promise<IssueComment[]> {
    return this.getAllPages(`${issuePath(pr)}/comments`, `list the comments of ${describe(pr)}`);
  }

  async createComment(pr: PullRequestRef, body: string): Promise<IssueComment> {
    const response = await this.request("POST", `${issuePath(pr)}/comments`, `comment on ${describe(pr)}`, { body });
    return (await response.json()) as IssueComment;
  }

  async updateComment(pr: PullRequestRef, commentId: number, body: string): Promise<IssueComment> {
    const path = `${repoPath(pr)}/issues/comments/${commentId}`;
    const response = await this.request("PATCH", path, `update comment ${commentId} on ${describe(pr)}`, { body });
    return (await response.json()) as IssueComment;
  }

  async listLabels(pr: PullRequestRef): Promise<string[]> {
    const labels = await this.getAllPages<{ name: string }>(
      `${issuePath(pr)}/labels`,
      `read the labels of ${describe(pr)}`,
    );
    return labels.map((label) => label.name);
  }

  /** Adds labels to the pull request; GitHub creates a label the repository does not have yet. */
  async addLabels(pr: PullRequestRef, labels: readonly string[]): Promise<void> {
    await this.request("POST", `${issuePath(pr)}/labels`, `label ${describe(pr)}`, { labels });
  }

  /** Removes a label from the pull request; one that is already gone counts as removed. */
  async removeLabel(pr: PullRequestRef, label: string): Promise<void> {
    const path = `${issuePath(pr)}/labels/${encodeURIComponent(label)}`;
    await this.request("DELETE", path, `remove label "${label}" from ${describe(pr)}`, undefined, [404]);
  }

  private async getAllPages<T>(path: string, action: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = `${this.apiUrl}${path}?per_page=${PAGE_SIZE}`;
    while (next !== undefined) {
      const response = await this.request("GET", next, action);
      items.push(...((await response.json()) as T[]));
      next = nextPage(response.headers.get("link"));
      if (next !== undefined && new URL(next).origin !== new URL(this.apiUrl).origin) {
        throw new GitHubError(
          `GitHub linked the next page to ${next}, outside ${this.apiUrl}; refusing to send the token there`,
        );
      }
    }
    return items;
  }

  /** One request, repeated after each rate limit it is allowed to wait out; throws unless 2xx or `tolerated`. */
  private async request(
    method: "GET" | "POST" | "PATCH" | "DELETE",
    pathOrUrl: string,
    action: string,
    body?: unknown,
    tolerated: readonly number[] = [],
  ): Promise<Response> {
    const url = pathOrUrl.startsWith("/") ? `${this.apiUrl}${pathOrUrl}` : pathOrUrl;
    for (;;) {
      const response = await this.send(method, url, body);
      const wait = rateLimitWait(response, (this.options.now ?? Date.now)());
      if (wait === undefined) {
        if (!response.ok && !tolerated.includes(response.status)) await this.fail(response, action);
        return response;
      }
      const budget = this.options.rateLimitBudgetSeconds ?? 60;
      if (this.waitedSeconds + wait > budget) {
        const retryAt = new Date((this.options.now ?? Date.now)() + wait * 1000).toISOString();
        throw new GitHubError(
          `GitHub's rate limit (${response.status}) stopped the attempt to ${action}: it asks for ${wait} s, more than the ` +
            `${budget - this.waitedSeconds} s left of the ${budget} s this script waits; run the job again after ${retryAt}`,
        );
      }
      this.options.onWait?.(wait, `rate limited (${response.status}) while trying to ${action}`);
      this.waitedSeconds += wait;
      await (this.options.sleep ?? sleep)(wait * 1000);
    }
  }

  private async send(method: string, url: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: "application/vnd.github+json",
      Authorization: `Bearer ${this.options.token}`,
      "X-GitHub-Api-Version": "2022-11-28",
      // GitHub refuses requests without one.
      "User-Agent": "connected-express-review-comment",
    };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    try {
      const signal = AbortSignal.timeout(TIMEOUT_SECONDS * 1000);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      return await fetch(url, { method, headers, body: payload, signal });
    } catch (error) {
      const endpoint = { service: "GitHub", setting: `--api-url (${this.apiUrl})`, timeoutSeconds: TIMEOUT_SECONDS };
      throw new GitHubError(fetchFailure(url, error, endpoint));
    }
  }

  private async fail(response: Response, action: string): Promise<never> {
    const detail = await errorDetail(response);
    if (response.status === 401) {
      throw new GitHubError(
        `GitHub rejected the token (401 ${detail}) while trying to ${action}: check GITHUB_TOKEN ` +
          "(Jenkins credential github-token): it may be mistyped, revoked or expired",
      );
    }
    if (response.status === 403) {
      throw new GitHubError(
        `the token may not ${action} (403 ${detail}): give it read and write access to the repository's pull requests ` +
          "and issues (fine-grained token: Pull requests and Issues, Read and write; classic token: the repo scope)",
      );
    }
    if (response.status === 404) {
      throw new GitHubError(
        `GitHub found nothing to ${action} (404 ${detail}): check --pull-request; GitHub also answers 404 ` +
          "to a token that may not see a private repository",
      );
    }
    throw new GitHubError(`GitHub answered ${response.status} while trying to ${action}: ${detail}`);
  }
}

/** Seconds to wait before repeating a rate-limited request, or undefined when `response` is no rate limit. */
export function rateLimitWait(response: Response, nowMilliseconds: number): number | undefined {
  if (response.status !== 403 && response.status !== 429) return undefined;
  const retryAfter = response.headers.get("retry-after");
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) return Math.max(1, Number(retryAfter));
  const reset = response.headers.get("x-ratelimit-reset");
  if (response.headers.get("x-ratelimit-remaining") === "0" && reset !== null && /^\d+$/.test(reset)) {
    return Math.max(1, Math.ceil(Number(reset) - nowMilliseconds / 1000));
  }
  return response.status === 429 ? DEFAULT_RATE_LIMIT_WAIT_SECONDS : undefined;
}

function repoPath(pr: PullRequestRef): string {
  return `/repos/${encodeURIComponent(pr.owner)}/${encodeURIComponent(pr.repo)}`;
}

function issuePath(pr: PullRequestRef): string {
  return `${repoPath(pr)}/issues/${pr.number}`;
}

function describe(pr: PullRequestRef): string {
  return `${pr.owner}/${pr.repo}#${pr.number}`;
}

/** The rel="next" URL of a Link header, if any. */
function nextPage(link: string | null): string | undefined {
  for (const part of (link ?? "").split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

/** GitHub's JSON error message with its validation errors, or the body's first line. */
async function errorDetail(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const error = JSON.parse(text) as { message?: string; errors?: { message?: string; code?: string }[] };
    const details = (error.errors ?? []).map((item) => item.message ?? item.code).filter(Boolean);
    return [error.message ?? response.statusText, ...details].join("; ");
  } catch {
    return text.split("\n")[0]?.trim().slice(0, 300) || response.statusText;
  }
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
