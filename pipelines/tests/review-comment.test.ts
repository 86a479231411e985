/**
 * review-comment against a loopback GitHub (github-fake-server.ts) with GitHub's request and
 * response shapes: one comment updated in place, the review's labels, the dry run, each failure it
 * names, and rate limits waited out within a bound.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CommandIo } from "../../lib/cli";
import { GitHubClient } from "../src/github/client";
import { type ClientTiming, parsePullRequestUrl, runReviewCommand } from "../src/github/command";
import { GITHUB_COMMENT_LIMIT, REVIEW_MARKER } from "../src/github/review";
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from "./github-fake-server";

const REPOSITORY = "connected-express/infrastructure";
const PULL = 12;
const TOKEN = "ghp_writer";
const TOKENS: FakeGitHubOptions["tokens"] = {
  [TOKEN]: { user: "ci-bot", write: true },
  ghp_reader: { user: "auditor", write: false },
};

const DIFF_MARKDOWN = "**2 stacks change, 1 hazard: data-loss**\n\n| stack | + | ~ | ± | − |\n|---|---|---|---|---|";
const PLAN_MARKDOWN = "**Plan: 1 to add, 0 to change, 1 to destroy**";

/** `pnpm diff --format json` for a branch that renames the ECR repository and adds staging. */
const DIFF_WITH_HAZARDS = {
  stacks: [
    { stack: "dev", change: "unchanged", resources: [] },
    {
      stack: "global",
      change: "changed",
      resources: [
        {
          address: "aws_ecr_repository.frontend",
          action: "replace",
          attributes: ["name"],
          hazards: ["replace", "data-loss"],
        },
      ],
    },
    {
      stack: "staging",
      change: "added",
      resources: [{ address: "aws_lb.x", action: "create", attributes: [], hazards: [] }],
    },
  ],
};
const DIFF_UNCHANGED = { stacks: [{ stack: "dev", change: "unchanged", resources: [] }] };
const PLAN_UNCHANGED = { plans: [{ file: "plans/dev.json", add: 0, change: 0, destroy: 0, resources: [] }] };

let work: string;
let github: FakeGitHub | undefined;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "review-comment-"));
});

afterEach(async () => {
  await github?.close();
  github = undefined;
  rmSync(work, { recursive: true, force: true });
});

function file(name: string, content: unknown): string {
  const path = join(work, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

async function gitHubWith(pull: { comments?: { user: string; body: string }[]; labels?: string[] } = {}) {
  github = await startFakeGitHub({ tokens: TOKENS, repositories: { [REPOSITORY]: { [PULL]: pull } } });
  return github;
}

async function run(args: string[], env: Record<string, string> = { GITHUB_TOKEN: TOKEN }, timing: ClientTiming = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = { out: (text) => out.push(text), err: (text) => err.push(text) };
  const target = ["--pull-request", `https://github.com/${REPOSITORY}/pull/${PULL}`];
  const api = github ? ["--api-url", github.url] : [];
  const code = await runReviewCommand([...target, ...api, ...args], env, io, timing);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

const sections = () => ["--markdown", file("diff.md", DIFF_MARKDOWN), "--markdown", file("plan.md", PLAN_MARKDOWN)];
const writes = (server: FakeGitHub) => server.requests.filter((request) => request.method !== "GET");
const comments = (server: FakeGitHub) => server.pullRequest(REPOSITORY, PULL).comments;
const labels = (server: FakeGitHub) => [...server.pullRequest(REPOSITORY, PULL).labels].sort();

describe("review-comment keeps one review comment per pull request", () => {
  it("creates the comment with the hidden marker, the sections in order and the footer", async () => {
    const server = await gitHubWith();
    const result = await run([...sections(), "--footer", "Jenkins build #7"]);
    expect(result.code, result.stderr).toBe(0);
    expect(comments(server)).toHaveLength(1);
    const { body } = comments(server)[0] ?? { body: "" };
    expect(body.startsWith(REVIEW_MARKER)).toBe(true);
    expect(body.indexOf(DIFF_MARKDOWN)).toBeLessThan(body.indexOf(PLAN_MARKDOWN));
    expect(body.endsWith("\n\n---\nJenkins build #7")).toBe(true);
    expect(result.stdout).toMatch(/^comment: created https:\/\/github\.com\/.*\/pull\/12#issuecomment-\d+$/m);
  });

  it("speaks GitHub's REST API: bearer token, its media type and API version, a User-Agent", async () => {
    const server = await gitHubWith();
    await run(sections());
    const create = server.requests.find((request) => request.method === "POST");
    expect(create?.path).toBe(`/repos/${REPOSITORY}/issues/${PULL}/comments`);
    expect(create?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(create?.headers.accept).toBe("application/vnd.github+json");
    expect(create?.headers["x-github-api-version"]).toBe("2022-11-28");
    expect(create?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(create?.body ?? "{}")).toEqual({ body: expect.stringContaining(DIFF_MARKDOWN) });
  });

  it("updates its own earlier comment in place, found by the marker on the second page of comments", async () => {
    const chatter = Array.from({ length: 130 }, (_, index) => ({ user: "reviewer", body: `comment ${index}` }));
    chatter.splice(115, 0, { user: "ci-bot", body: `${REVIEW_MARKER}\n\nthe previous push's review` });
    const server = await gitHubWith({ comments: chatter });
    const result = await run(sections());
    expect(result.code, result.stderr).toBe(0);
    expect(comments(server)).toHaveLength(131);
    const own = comments(server)[115];
    expect(own?.body).toContain(PLAN_MARKDOWN);
    expect(writes(server).map((request) => `${request.method} ${request.path}`)).toEqual([
      `PATCH /repos/${REPOSITORY}/issues/comments/${own?.id}`,
    ]);
    expect(server.requests.filter((request) => request.path.includes("page=2"))).toHaveLength(1);
  });

  it("sends nothing when the comment already says the same", async () => {
    const server = await gitHubWith();
    await run(sections());
    const before = writes(server).length;
    const result = await run(sections());
    expect(result.stdout).toMatch(/^comment: unchanged /m);
    expect(writes(server)).toHaveLength(before);
  });

  it("cuts a review longer than GitHub's limit at a line, closes what it opened and says where the rest is", async () => {
    const rows = Array.from({ length: 4000 }, (_, index) => `| aws_subnet.s${index} | update | cidr_block |`);
    const huge = `**300 resources change**\n\n<details><summary>details</summary>\n\n${rows.join("\n")}\n\n</details>`;
    const server = await gitHubWith();
    const result = await run(["--markdown", file("huge.md", huge), "--footer", "build #9"]);
    expect(result.code, result.stderr).toBe(0);
    const { body } = comments(server)[0] ?? { body: "" };
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body).toContain("Cut here to fit GitHub's comment limit");
    expect(body.match(/<details>/g)).toHaveLength(body.match(/<\/details>/g)?.length ?? 0);
    expect(body.endsWith("build #9")).toBe(true);
  });
});

describe("review-comment sets exactly the review's labels", () => {
  it("labels changes and each hazard category, removes stale review labels and keeps everyone else's", async () => {
    const server = await gitHubWith({ labels: ["no-changes", "hazard:security", "team:platform"] });
    const result = await run([...sections(), "--labels-from", file("diff.json", DIFF_WITH_HAZARDS)]);
    expect(result.code, result.stderr).toBe(0);
    expect(labels(server)).toEqual(["changes", "hazard:data-loss", "hazard:replace", "team:platform"]);
    const added = writes(server).find((request) => request.method === "POST" && request.path.endsWith("/labels"));
    expect(JSON.parse(added?.body ?? "{}")).toEqual({ labels: ["changes", "hazard:data-loss", "hazard:replace"] });
    expect(
      writes(server)
        .filter((request) => request.method === "DELETE")
        .map((request) => request.path),
    ).toEqual([
      `/repos/${REPOSITORY}/issues/${PULL}/labels/no-changes`,
      `/repos/${REPOSITORY}/issues/${PULL}/labels/hazard%3Asecurity`,
    ]);
  });

  it("labels no-changes when neither the diff nor the plan changes anything", async () => {
    const server = await gitHubWith({ labels: ["changes", "hazard:destroy"] });
    const from = [
      "--labels-from",
      file("diff.json", DIFF_UNCHANGED),
      "--labels-from",
      file("plan.json", PLAN_UNCHANGED),
    ];
    const result = await run([...sections(), ...from]);
    expect(result.code, result.stderr).toBe(0);
    expect(labels(server)).toEqual(["no-changes"]);
  });

  it("counts a plan's changes and hazards when the synthesized Terraform is unchanged (drift, or an apply pending)", async () => {
    const server = await gitHubWith();
    const plan = {
      plans: [
        {
          file: "plans/prod.json",
          add: 0,
          change: 0,
          destroy: 1,
          resources: [{ address: "aws_ecs_service.frontend", action: "delete", hazards: ["destroy"] }],
        },
      ],
    };
    const from = ["--labels-from", file("diff.json", DIFF_UNCHANGED), "--labels-from", file("plan.json", plan)];
    await run([...sections(), ...from]);
    expect(labels(server)).toEqual(["changes", "hazard:destroy"]);
  });

  it("leaves the labels alone without --labels-from", async () => {
    const server = await gitHubWith({ labels: ["hazard:security"] });
    const result = await run(sections());
    expect(result.stdout).toContain("labels: left as they are (no --labels-from)");
    expect(labels(server)).toEqual(["hazard:security"]);
    expect(server.requests.some((request) => request.path.includes("/labels"))).toBe(false);
  });
});

describe("review-comment --dry-run", () => {
  it("prints the comment and the label changes it would make, and only reads", async () => {
    const server = await gitHubWith({ labels: ["no-changes"] });
    const result = await run([...sections(), "--labels-from", file("diff.json", DIFF_WITH_HAZARDS), "--dry-run"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("comment: would be created");
    expect(result.stdout).toContain("labels: would be +changes +hazard:data-loss +hazard:replace -no-changes");
    expect(result.stdout).toContain(DIFF_MARKDOWN);
    expect(writes(server)).toEqual([]);
  });
});

describe("review-comment fails with the cause and the fix", () => {
  it("names the token on 401", async () => {
    const server = await gitHubWith();
    const result = await run(sections(), { GITHUB_TOKEN: "ghp_revoked" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/GitHub rejected the token \(401 Bad credentials\).*check GITHUB_TOKEN/);
    expect(writes(server)).toEqual([]);
  });

  it("names the permission the token lacks on 403", async () => {
    const server = await gitHubWith();
    const result = await run(sections(), { GITHUB_TOKEN: "ghp_reader" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /may not comment on connected-express\/infrastructure#12 \(403 Resource not accessible by personal access token\).*Pull requests and Issues, Read and write/,
    );
    expect(comments(server)).toEqual([]);
  });

  it("explains a 404 as a wrong pull request or a token that may not see the repository", async () => {
    await gitHubWith();
    const result = await run([...sections(), "--pull-request", `https://github.com/${REPOSITORY}/pull/99`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /found nothing to list the comments of .*#99 \(404 Not Found\): check --pull-request/,
    );
  });

  it("refuses a JSON file of another shape before sending anything, naming the file", async () => {
    const server = await gitHubWith();
    const wrong = file("wrong.json", { resources: [] });
    const result = await run([...sections(), "--labels-from", wrong]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${wrong}: neither a "stacks" nor a "plans" list; expected the output of`);
    expect(server.requests).toEqual([]);
  });

  it("refuses a hazard name that cannot be a label", async () => {
    await gitHubWith();
    const odd = { stacks: [{ stack: "dev", change: "changed", resources: [{ hazards: ["Data Loss!"] }] }] };
    const result = await run([...sections(), "--labels-from", file("odd.json", odd)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stacks[0].resources[0].hazards holds "Data Loss!", not a hazard category');
  });

  it("refuses to start without GITHUB_TOKEN", async () => {
    const server = await gitHubWith();
    const result = await run(sections(), {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("GITHUB_TOKEN not set");
    expect(server.requests).toEqual([]);
  });

  it("refuses an address that is not a pull request's", async () => {
    const result = await run([...sections(), "--pull-request", "https://github.com/connected-express/infrastructure"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is not a pull request's address");
  });
});

describe("the pull request's address", () => {
  it("points github.com at api.github.com and a GitHub Enterprise Server at its /api/v3", () => {
    expect(parsePullRequestUrl("https://github.com/a/b/pull/3")).toEqual({
      owner: "a",
      repo: "b",
      number: 3,
      apiUrl: "https://api.github.com",
    });
    expect(parsePullRequestUrl("https://git.example.com/a/b/pull/3").apiUrl).toBe("https://git.example.com/api/v3");
  });
});

describe("the GitHub client waits out rate limits, within a bound", () => {
  const pr = { owner: "connected-express", repo: "infrastructure", number: PULL };
  const slept: number[] = [];
  const client = (server: FakeGitHub, budget = 60) =>
    new GitHubClient({
      apiUrl: server.url,
      token: TOKEN,
      rateLimitBudgetSeconds: budget,
      now: () => Date.UTC(2026, 4, 4, 10, 0, 0),
      sleep: async (milliseconds) => {
        slept.push(milliseconds);
      },
    });

  /** GitHub's secondary rate limit: its status and how long to wait. */
  const secondaryLimit = (status: 403 | 429, seconds: number) => ({
    status,
    headers: { "Retry-After": String(seconds) },
    message: "You have exceeded a secondary rate limit.",
  });

  beforeEach(() => {
    slept.length = 0;
  });

  it("waits as long as Retry-After says after a secondary rate limit, then repeats the request", async () => {
    const server = await gitHubWith();
    server.limitNext(secondaryLimit(403, 7));
    await client(server).createComment(pr, "hello");
    expect(slept).toEqual([7000]);
    expect(server.requests.filter((request) => request.method === "POST")).toHaveLength(2);
    expect(comments(server).map((comment) => comment.body)).toEqual(["hello"]);
  });

  it("waits until x-ratelimit-reset when the primary rate limit is spent", async () => {
    const server = await gitHubWith();
    const reset = String(Date.UTC(2026, 4, 4, 10, 0, 30) / 1000);
    server.limitNext({
      status: 403,
      headers: { "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset },
      message: "API rate limit exceeded for user ID 1.",
    });
    expect(await client(server).listLabels(pr)).toEqual([]);
    expect(slept).toEqual([30_000]);
  });

  it("gives up at once when the wait would pass its budget, and says when to try again", async () => {
    const server = await gitHubWith();
    server.limitNext(secondaryLimit(429, 3600));
    await expect(client(server).listComments(pr)).rejects.toThrow(
      /rate limit \(429\) .* asks for 3600 s, more than the 60 s left of the 60 s this script waits; run the job again after 2026-05-04T11:00:00\.000Z/,
    );
    expect(slept).toEqual([]);
  });

  it("counts every wait against one budget", async () => {
    const server = await gitHubWith();
    const limit = secondaryLimit(403, 20);
    server.limitNext(limit, limit, limit);
    await expect(client(server, 50).listLabels(pr)).rejects.toThrow(/more than the 10 s left of the 50 s/);
    expect(slept).toEqual([20_000, 20_000]);
  });
});
