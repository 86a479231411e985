/**
 * A loopback stand-in for the GitHub REST endpoints that review-comment calls, with GitHub's own
 * request and response shapes: bearer tokens (401 "Bad credentials", 403 "Resource not accessible
 * by personal access token" for a read-only token's writes), 403 without a User-Agent, 404 "Not
 * Found" for an unknown repository or pull request, issue comments (list with per_page/page and a
 * Link header, create 201, update 200, 422 for a body over 65,536 characters), issue labels (list,
 * add with {"labels": [...]}, remove; 404 "Label does not exist"), rate-limit headers on every
 * answer, and scripted rate limits (secondary: 403 + Retry-After; primary: x-ratelimit-remaining 0
 * and x-ratelimit-reset).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type RecordedRequest, recordRequest } from "./support/recorded-request";

export interface FakeComment {
  readonly id: number;
  readonly user: string;
  body: string;
}

export interface FakePullRequest {
  readonly comments: FakeComment[];
  readonly labels: string[];
}

export interface FakeGitHubOptions {
  /** token -> its user and whether it may write. */
  readonly tokens: Record<string, { readonly user: string; readonly write: boolean }>;
  /** "owner/repo" -> pull request number -> its comments (by user) and labels. */
  readonly repositories: Record<
    string,
    Record<number, { comments?: { user: string; body: string }[]; labels?: string[] }>
  >;
}

/** A rate-limited answer the server gives to the next request, whatever it is. */
export interface ScriptedLimit {
  readonly status: 403 | 429;
  readonly headers: Record<string, string>;
  readonly message: string;
}

export interface FakeGitHub {
  readonly url: string;
  readonly requests: RecordedRequest[];
  pullRequest(repository: string, number: number): FakePullRequest;
  /** The next requests get these answers, in order, before the server answers normally again. */
  limitNext(...limits: ScriptedLimit[]): void;
  close(): Promise<void>;
}

const DOCS = "https://docs.github.com/rest";
const COMMENT_LIMIT = 65_536;

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const repositories = new Map(
    Object.entries(options.repositories).map(([name, pulls]) => [
      name,
      new Map(
        Object.entries(pulls).map(([number, pull]) => [
          Number(number),
          {
            comments: (pull.comments ?? []).map((comment) => ({ ...comment, id: nextId() })),
            labels: [...(pull.labels ?? [])],
          },
        ]),
      ),
    ]),
  );
  const requests: RecordedRequest[] = [];
  const limits: ScriptedLimit[] = [];
  let url = "";

  const handler = async (request: IncomingMessage, response: ServerResponse) => {
    const { body, url: requestUrl } = await recordRequest(request, requests);
    response.setHeader("X-GitHub-Media-Type", "github.v3; format=json");
    response.setHeader("X-RateLimit-Limit", "5000");
    response.setHeader("X-RateLimit-Remaining", "4999");
    response.setHeader("X-RateLimit-Reset", String(Math.floor(Date.now() / 1000) + 3600));
    response.setHeader("X-RateLimit-Resource", "core");

    if (!request.headers["user-agent"]) {
      return sendText(
        response,
        403,
        "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.",
      );
    }
    const limit = limits.shift();
    if (limit) {
      for (const [name, value] of Object.entries(limit.headers)) response.setHeader(name, value);
      return sendJson(response, limit.status, {
        message: limit.message,
        documentation_url: `${DOCS}/using-the-rest-api/rate-limits-for-the-rest-api`,
      });
    }
    const authorization = request.headers.authorization ?? "";
    const token = /^(?:Bearer|token) (.+)$/.exec(authorization)?.[1];
    const user = token === undefined ? undefined : options.tokens[token];
    if (!user) {
      const message = token === undefined ? "Requires authentication" : "Bad credentials";
      return sendJson(response, 401, { message, documentation_url: DOCS, status: "401" });
    }
    if (request.method !== "GET" && !user.write) {
      return sendJson(response, 403, {
        message: "Resource not accessible by personal access token",
        documentation_url: `${DOCS}/issues/comments#create-an-issue-comment`,
        status: "403",
      });
    }

    const route =
      /^\/repos\/([^/]+)\/([^/]+)\/issues\/(?:(\d+)\/(comments|labels)(?:\/([^/]+))?|comments\/(\d+))$/.exec(
        requestUrl.pathname,
      );
    const repositoryName = route ? `${decodeURIComponent(route[1] ?? "")}/${decodeURIComponent(route[2] ?? "")}` : "";
    const repository = repositories.get(repositoryName);
    if (!route || !repository) return notFound(response);
    const [, owner, repo, number, collection, labelName, commentId] = route;
    const base = `${url}repos/${owner}/${repo}`;

    if (commentId !== undefined) {
      const found = [...repository.entries()].flatMap(([pullNumber, pull]) =>
        pull.comments.filter((comment) => comment.id === Number(commentId)).map((comment) => ({ pullNumber, comment })),
      )[0];
      if (!found || request.method !== "PATCH") return notFound(response);
      const text = parseJson(body)?.body;
      if (typeof text !== "string") return validationFailed(response, "body", "missing_field");
      if (text.length > COMMENT_LIMIT)
        return validationFailed(response, "body", "custom", "body is too long (maximum is 65536 characters)");
      found.comment.body = text;
      return sendJson(response, 200, commentJson(base, owner ?? "", repo ?? "", found.pullNumber, found.comment));
    }

    const pullNumber = Number(number);
    const pull = repository.get(pullNumber);
    if (!pull) return notFound(response);
    if (collection === "comments" && labelName === undefined) {
      if (request.method === "GET") {
        const all = pull.comments.map((comment) => commentJson(base, owner ?? "", repo ?? "", pullNumber, comment));
        return sendPage(response, requestUrl, `${url.replace(/\/$/, "")}${requestUrl.pathname}`, all);
      }
      if (request.method === "POST") {
        const text = parseJson(body)?.body;
        if (typeof text !== "string") return validationFailed(response, "body", "missing_field");
        if (text.length > COMMENT_LIMIT)
          return validationFailed(response, "body", "custom", "body is too long (maximum is 65536 characters)");
        const comment = { id: nextId(), user: user.user, body: text };
        pull.comments.push(comment);
        return sendJson(response, 201, commentJson(base, owner ?? "", repo ?? "", pullNumber, comment));
      }
    }
    if (collection === "labels") {
      const labelList = () => pull.labels.map((name) => labelJson(base, name));
      if (request.method === "GET" && labelName === undefined) {
        return sendPage(response, requestUrl, `${url.replace(/\/$/, "")}${requestUrl.pathname}`, labelList());
      }
      if (request.method === "POST" && labelName === undefined) {
        const names = parseJson(body)?.labels;
        if (!Array.isArray(names) || !names.every((name) => typeof name === "string")) {
          return validationFailed(response, "labels", "invalid");
        }
        for (const name of names) if (!pull.labels.includes(name)) pull.labels.push(name);
        return sendJson(response, 200, labelList());
      }
      if (request.method === "DELETE" && labelName !== undefined) {
        const name = decodeURIComponent(labelName);
        const index = pull.labels.indexOf(name);
        if (index < 0)
          return sendJson(response, 404, { message: "Label does not exist", documentation_url: DOCS, status: "404" });
        pull.labels.splice(index, 1);
        return sendJson(response, 200, labelList());
      }
    }
    return notFound(response);
  };

  const server: Server = createServer((request, response) => {
    handler(request, response).catch((error) => sendText(response, 500, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    requests,
    pullRequest: (repository, number) => {
      const pull = repositories.get(repository)?.get(number);
      if (!pull) throw new Error(`the fake has no ${repository}#${number}`);
      return pull;
    },
    limitNext: (...next) => limits.push(...next),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let lastId = 1_000_000;
function nextId(): number {
  lastId += 1;
  return lastId;
}

function commentJson(base: string, owner: string, repo: string, pullNumber: number, comment: FakeComment) {
  return {
    id: comment.id,
    node_id: `IC_${comment.id}`,
    url: `${base}/issues/comments/${comment.id}`,
    html_url: `https://github.com/${owner}/${repo}/pull/${pullNumber}#issuecomment-${comment.id}`,
    issue_url: `${base}/issues/${pullNumber}`,
    body: comment.body,
    user: { login: comment.user, id: 1, type: "User" },
    created_at: "2026-05-04T10:00:00Z",
    updated_at: "2026-05-04T10:00:00Z",
    author_association: "MEMBER",
  };
}

function labelJson(base: string, name: string) {
  return {
    id: name.length,
    node_id: `LA_${name}`,
    url: `${base}/labels/${encodeURIComponent(name)}`,
    name,
    color: "ededed",
    default: false,
    description: null,
  };
}

/** One page of `items` as GitHub pages them: per_page (default 30, at most 100), page, a Link header. */
function sendPage(response: ServerResponse, requestUrl: URL, selfUrl: string, items: unknown[]) {
  const perPage = Math.min(100, Number(requestUrl.searchParams.get("per_page") ?? 30));
  const page = Number(requestUrl.searchParams.get("page") ?? 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (target: number, rel: string) => `<${selfUrl}?per_page=${perPage}&page=${target}>; rel="${rel}"`;
  const links = [];
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"), link(page - 1, "prev"));
  if (links.length > 0) response.setHeader("Link", links.join(", "));
  sendJson(response, 200, items.slice((page - 1) * perPage, page * perPage));
}

function validationFailed(response: ServerResponse, field: string, code: string, message?: string) {
  sendJson(response, 422, {
    message: "Validation Failed",
    errors: [{ resource: field === "labels" ? "Label" : "IssueComment", code, field, ...(message ? { message } : {}) }],
    documentation_url: DOCS,
    status: "422",
  });
}

function notFound(response: ServerResponse) {
  sendJson(response, 404, { message: "Not Found", documentation_url: DOCS, status: "404" });
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  response.end(JSON.stringify(body));
}

function sendText(response: ServerResponse, status: number, text: string) {
  response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  response.end(text);
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
