/**
 * The few Jenkins REST endpoints the job export uses, with basic auth (user + API token) and the
 * CSRF crumb. Every failure becomes a JenkinsError whose message names the cause and the fix.
 */
import { fetchFailure } from "../http/fetch-failure";

export class JenkinsError extends Error {}

const TIMEOUT_SECONDS = 30;

export interface JenkinsCredentials {
  readonly user: string;
  readonly token: string;
}

interface Crumb {
  readonly field: string;
  readonly value: string;
  /** Session cookie the crumb is bound to (Jenkins ≥ 2.176.2 ties crumbs to the web session). */
  readonly cookie?: string;
}

export class JenkinsClient {
  readonly baseUrl: string;
  private readonly authorization: string;
  private crumb: Crumb | undefined;

  constructor(url: string, credentials: JenkinsCredentials) {
    this.baseUrl = url.endsWith("/") ? url : `${url}/`;
    this.authorization = `Basic ${Buffer.from(`${credentials.user}:${credentials.token}`).toString("base64")}`;
  }

  /** GET /crumbIssuer/api/json: also proves the URL is Jenkins and the credentials work. */
  async fetchCrumb(): Promise<void> {
    const response = await this.request("GET", "crumbIssuer/api/json");
    if (response.status === 404) {
      throw new JenkinsError(
        `${this.baseUrl}crumbIssuer/api/json returned 404: ${this.baseUrl} is not the root of a Jenkins ` +
          "with CSRF protection; pass the URL of the Jenkins home page with --url (including any context path such as /jenkins/)",
      );
    }
    await this.expectOk(response, "fetch a CSRF crumb");
    const body = (await response.json()) as { crumb?: string; crumbRequestField?: string };
    if (!body.crumb || !body.crumbRequestField) {
      throw new JenkinsError(`${this.baseUrl}crumbIssuer/api/json answered without crumb and crumbRequestField`);
    }
    const cookie = response.headers
      .getSetCookie()
      .map((line) => line.split(";")[0])
      .join("; ");
    this.crumb = { field: body.crumbRequestField, value: body.crumb, cookie: cookie || undefined };
  }

  /** The job's config.xml, or undefined when no such job exists. */
  async getConfig(job: string): Promise<string | undefined> {
    const response = await this.request("GET", `${jobPath(job)}/config.xml`);
    if (response.status === 404) return undefined;
    await this.expectOk(response, `read the config of job "${job}"`);
    return response.text();
  }

  /** POST /createItem?name=<job> with the config.xml as body. */
  async createJob(job: string, xml: string): Promise<void> {
    const response = await this.request("POST", `createItem?name=${encodeURIComponent(job)}`, xml);
    await this.expectOk(response, `create job "${job}"`);
  }

  /** POST /job/<job>/config.xml with the new config.xml as body. */
  async updateJob(job: string, xml: string): Promise<void> {
    const response = await this.request("POST", `${jobPath(job)}/config.xml`, xml);
    await this.expectOk(response, `update job "${job}"`);
  }

  private async request(method: "GET" | "POST", path: string, body?: string): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { Authorization: this.authorization };
    if (body !== undefined) headers["Content-Type"] = "application/xml; charset=utf-8";
    if (method === "POST" && this.crumb) {
      headers[this.crumb.field] = this.crumb.value;
      if (this.crumb.cookie) headers.Cookie = this.crumb.cookie;
    }
    try {
      const signal = AbortSignal.timeout(TIMEOUT_SECONDS * 1000);
      return await fetch(url, { method, headers, body, redirect: "manual", signal });
    } catch (error) {
      throw this.connectionError(url, error);
    }
  }

  private connectionError(url: string, error: unknown): JenkinsError {
    const endpoint = { service: "Jenkins", setting: `--url (${this.baseUrl})`, timeoutSeconds: TIMEOUT_SECONDS };
    return new JenkinsError(fetchFailure(url, error, endpoint));
  }

  private async expectOk(response: Response, action: string): Promise<void> {
    if (response.ok) return;
    const detail = response.headers.get("x-error") ?? firstLine(await response.text());
    if (response.status === 401) {
      throw new JenkinsError(
        `Jenkins rejected the credentials (401) while trying to ${action}: check JENKINS_USER and JENKINS_API_TOKEN ` +
          `(create a token under ${this.baseUrl}me/configure, API Token)`,
      );
    }
    if (response.status === 403) {
      if (/crumb/i.test(detail)) {
        throw new JenkinsError(
          `Jenkins refused the CSRF crumb (403) while trying to ${action}: ${detail}; check that no proxy drops the session cookie`,
        );
      }
      throw new JenkinsError(
        `JENKINS_USER lacks a permission (403) to ${action}: grant it Overall/Read and Job/Create, Job/Configure, Job/Read, Job/ExtendedRead`,
      );
    }
    if (response.status >= 300 && response.status < 400) {
      throw new JenkinsError(
        `Jenkins redirected (${response.status}) to ${response.headers.get("location")} while trying to ${action}: pass that URL's Jenkins root with --url`,
      );
    }
    throw new JenkinsError(`Jenkins answered ${response.status} while trying to ${action}: ${detail || "no details"}`);
  }
}

/** job/<name>, with folders (a/b) as job/a/job/b. */
export function jobPath(job: string): string {
  return job
    .split("/")
    .map((part) => `job/${encodeURIComponent(part)}`)
    .join("/");
}

function firstLine(text: string): string {
  return (
    text
      .replace(/<[^>]*>/g, " ")
      .split("\n")
      .map((line) => line.trim())
      .find((line) => line.length > 0) ?? ""
  ).slice(0, 300);
}
