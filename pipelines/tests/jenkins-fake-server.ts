/**
 * A loopback stand-in for the Jenkins endpoints that export-jenkins-job calls, with Jenkins' own
 * request and response shapes: basic auth (401 for a wrong token, 403 for anonymous or a missing
 * permission), the crumb issuer (JSON, crumb bound to the session cookie), 403 "No valid crumb"
 * on a POST without one, createItem?name= taking application/xml (400 for an existing name, with
 * Jenkins' X-Error header), job/<name>/config.xml GET/POST, 404 elsewhere. Stored configs come
 * back as Jenkins saves them: XML 1.1 declaration and plugin="..." attributes.
 */
import { randomBytes } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { XMLValidator } from "fast-xml-parser";
import { type RecordedRequest, recordRequest } from "./support/recorded-request";

export type Permission = "read" | "create" | "configure";

export interface FakeUser {
  readonly token: string;
  readonly permissions: readonly Permission[];
}

export interface FakeJenkins {
  readonly url: string;
  readonly jobs: Map<string, string>;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeJenkinsOptions {
  readonly users: Record<string, FakeUser>;
  readonly jobs?: Record<string, string>;
  /** Serve HTTPS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string; readonly cert: string };
}

const VERSION = "2.516.3";
const SESSION_COOKIE = "JSESSIONID.3f2a9c1e";

export async function startFakeJenkins(options: FakeJenkinsOptions): Promise<FakeJenkins> {
  const jobs = new Map(Object.entries(options.jobs ?? {}).map(([name, xml]) => [name, asSaved(xml)]));
  const requests: RecordedRequest[] = [];
  const crumbs = new Map<string, string>(); // session id -> crumb

  const handler = async (request: IncomingMessage, response: ServerResponse) => {
    const { body, url } = await recordRequest(request, requests);
    response.setHeader("X-Jenkins", VERSION);

    const user = authenticate(request, options.users);
    if (user === "invalid") {
      response.setHeader("WWW-Authenticate", 'Basic realm="Jenkins"');
      return send(
        response,
        401,
        "text/html",
        "<html><body><h2>HTTP ERROR 401 Unauthorized</h2>Invalid password/token for user</body></html>",
      );
    }
    if (user === undefined)
      return send(response, 403, "text/html", "<html><body>Authentication required</body></html>");
    const forbidden = (permission: Permission) => {
      if (user.permissions.includes(permission)) return false;
      send(response, 403, "text/html", `<html><body>Access Denied: missing the ${permission} permission</body></html>`);
      return true;
    };
    if (forbidden("read")) return;

    if (request.method === "POST") {
      const session = sessionOf(request);
      const crumb = request.headers["jenkins-crumb"];
      if (!session || crumbs.get(session) !== crumb) {
        return send(
          response,
          403,
          "text/html",
          "<html><body><h2>HTTP ERROR 403 No valid crumb was included in the request</h2></body></html>",
        );
      }
    }

    const jobMatch = /^\/job\/([^/]+)\/config\.xml$/.exec(url.pathname);
    if (request.method === "GET" && url.pathname === "/crumbIssuer/api/json") {
      const session = randomBytes(12).toString("hex");
      const crumb = randomBytes(32).toString("hex");
      crumbs.set(session, crumb);
      response.setHeader("Set-Cookie", `${SESSION_COOKIE}=${session}; Path=/; HttpOnly`);
      return send(
        response,
        200,
        "application/json",
        JSON.stringify({
          _class: "hudson.security.csrf.DefaultCrumbIssuer",
          crumb,
          crumbRequestField: "Jenkins-Crumb",
        }),
      );
    }
    if (request.method === "POST" && url.pathname === "/createItem") {
      if (forbidden("create")) return;
      const name = url.searchParams.get("name");
      if (!name)
        return send(
          response,
          400,
          "text/html",
          "Query parameter 'name' is required",
          "Query parameter 'name' is required",
        );
      if (jobs.has(name)) {
        const message = `A job already exists with the name '${name}'`;
        return send(response, 400, "text/html", `<html><body>${message}</body></html>`, message);
      }
      if (!isXml(request)) return send(response, 400, "text/html", "No mode and no XML body", "Nothing is submitted");
      if (XMLValidator.validate(body) !== true) return send(response, 500, "text/html", "Failed to parse the XML");
      jobs.set(name, asSaved(body));
      return send(response, 200, "text/html", "");
    }
    if (jobMatch) {
      const name = decodeURIComponent(jobMatch[1] ?? "");
      const current = jobs.get(name);
      if (current === undefined) return notFound(response);
      if (request.method === "GET") return send(response, 200, "application/xml", current);
      if (request.method === "POST") {
        if (forbidden("configure")) return;
        if (XMLValidator.validate(body) !== true) return send(response, 500, "text/html", "Failed to parse the XML");
        jobs.set(name, asSaved(body));
        return send(response, 200, "text/html", "");
      }
    }
    return notFound(response);
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handler(request, response).catch((error) => send(response, 500, "text/plain", String(error)));
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, listener) : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}/`,
    jobs,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** As Jenkins stores a job: its own XML declaration and the plugin attribute on the root. */
function asSaved(xml: string): string {
  const withoutDeclaration = xml.replace(/^\s*<\?xml[^>]*\?>\s*/, "");
  const root = withoutDeclaration.replace(
    /<flow-definition(?![^>]*plugin=)/,
    '<flow-definition plugin="workflow-job@1540.v295eccc9778f"',
  );
  return `<?xml version='1.1' encoding='UTF-8'?>\n${root}`;
}

function authenticate(request: IncomingMessage, users: Record<string, FakeUser>): FakeUser | "invalid" | undefined {
  const header = request.headers.authorization;
  if (!header?.startsWith("Basic ")) return undefined;
  const [name, token] = Buffer.from(header.slice(6), "base64").toString("utf8").split(":", 2);
  const user = users[name ?? ""];
  return user && user.token === token ? user : "invalid";
}

function sessionOf(request: IncomingMessage): string | undefined {
  const cookies = (request.headers.cookie ?? "").split(/;\s*/);
  return cookies.find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`))?.slice(SESSION_COOKIE.length + 1);
}

function isXml(request: IncomingMessage): boolean {
  return /^(application|text)\/xml\b/.test(request.headers["content-type"] ?? "");
}

function notFound(response: ServerResponse) {
  send(response, 404, "text/html", "<html><body><h2>HTTP ERROR 404 Not Found</h2></body></html>");
}

function send(response: ServerResponse, status: number, type: string, body: string, error?: string) {
  if (error) response.setHeader("X-Error", error);
  response.writeHead(status, { "Content-Type": `${type};charset=utf-8` });
  response.end(body);
}
