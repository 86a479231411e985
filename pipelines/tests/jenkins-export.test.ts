/**
 * export-jenkins-job against a loopback Jenkins (jenkins-fake-server.ts) with Jenkins' request
 * and response shapes: create, update, unchanged, dry run, pull, and each failure it names.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CommandIo } from "../../lib/cli";
import { JenkinsClient } from "../src/jenkins/client";
import { runExportCommand } from "../src/jenkins/command";
import { type FakeJenkins, type FakeUser, startFakeJenkins } from "./jenkins-fake-server";

const templates = resolve(import.meta.dirname, "../jobs");
const ADMIN: FakeUser = { token: "11d2f0c0ffee", permissions: ["read", "create", "configure"] };
const CREDENTIALS = { JENKINS_USER: "admin", JENKINS_API_TOKEN: ADMIN.token };
const SCM = ["--scm-url", "https://git.example.com/connected-express/infrastructure.git"];

let work: string;
let jobsDir: string;
let jenkins: FakeJenkins | undefined;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "jenkins-export-"));
  jobsDir = join(work, "jobs");
  cpSync(templates, jobsDir, { recursive: true });
});

afterEach(async () => {
  await jenkins?.close();
  jenkins = undefined;
  rmSync(work, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = CREDENTIALS, stdin?: () => string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = { out: (text) => out.push(text), err: (text) => err.push(text) };
  const code = await runExportCommand([...SCM, "--jobs-dir", jobsDir, ...args], env, io, undefined, stdin);
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

async function jenkinsWith(jobs: Record<string, string> = {}, users: Record<string, FakeUser> = { admin: ADMIN }) {
  jenkins = await startFakeJenkins({ users, jobs });
  return jenkins;
}

/** The config the repository renders for a job, as the server stores it after an export. */
async function exportedConfigs(): Promise<Map<string, string>> {
  const server = await jenkinsWith();
  expect((await run(["--url", server.url])).code).toBe(0);
  const configs = new Map(server.jobs);
  await server.close();
  jenkins = undefined;
  return configs;
}

const posts = (server: FakeJenkins) => server.requests.filter((request) => request.method === "POST");

describe("export-jenkins-job delivers the job definitions", () => {
  it("creates missing jobs with createItem, an XML body, basic auth and the session's crumb", async () => {
    const server = await jenkinsWith();
    const result = await run(["--url", server.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("frontend: created");
    expect(result.stdout).toContain("deploy-service: created");
    expect(result.stdout).toContain("infrastructure: created");
    expect([...server.jobs.keys()].sort()).toEqual(["deploy-service", "frontend", "infrastructure"]);
    const create = posts(server).find((request) => request.path === "/createItem?name=deploy-service");
    expect(create?.headers["content-type"]).toMatch(/^application\/xml/);
    expect(create?.headers.authorization).toBe(`Basic ${Buffer.from(`admin:${ADMIN.token}`).toString("base64")}`);
    expect(create?.headers["jenkins-crumb"]).toMatch(/^[0-9a-f]{64}$/);
    expect(create?.body).toContain("<scriptPath>pipelines/deploy-service/Jenkinsfile</scriptPath>");
  });

  it("reports unchanged and sends nothing when the server already has the same configs", async () => {
    const configs = await exportedConfigs();
    const server = await jenkinsWith(Object.fromEntries(configs));
    const result = await run(["--url", server.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("frontend: unchanged");
    expect(result.stdout).toContain("deploy-service: unchanged");
    expect(posts(server)).toEqual([]);
  });

  it("updates a job whose config differs, through POST job/<name>/config.xml", async () => {
    const configs = await exportedConfigs();
    const stale = (configs.get("deploy-service") ?? "").replace("<string>prod</string>", "");
    const server = await jenkinsWith({ ...Object.fromEntries(configs), "deploy-service": stale });
    const result = await run(["--url", server.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("deploy-service: updated");
    expect(result.stdout).toContain("frontend: unchanged");
    expect(posts(server).map((request) => request.path)).toEqual(["/job/deploy-service/config.xml"]);
    expect(server.jobs.get("deploy-service")).toContain("<string>prod</string>");
  });

  it("--dry-run prints the diff against the server's config and changes nothing", async () => {
    const configs = await exportedConfigs();
    const stale = (configs.get("deploy-service") ?? "").replace("<string>prod</string>", "");
    const server = await jenkinsWith({ "deploy-service": stale });
    const result = await run(["--url", server.url, "--dry-run"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("deploy-service: would update");
    expect(result.stdout).toMatch(/^\+\s+<string>prod<\/string>$/m);
    expect(result.stdout).toContain("frontend: would create");
    expect(result.stdout).toMatch(/^\+\s+<spec>H\/5 \* \* \* \*<\/spec>$/m);
    expect(posts(server)).toEqual([]);
    expect(server.jobs.get("deploy-service")).toBe(stale);
    expect(server.jobs.has("frontend")).toBe(false);
  });

  it("--pull writes the server's config into the repository and shows what Jenkins changed", async () => {
    const configs = await exportedConfigs();
    const edited = (configs.get("frontend") ?? "").replace("<numToKeep>30</numToKeep>", "<numToKeep>5</numToKeep>");
    const server = await jenkinsWith({ frontend: edited });
    const result = await run(["--url", server.url, "--pull", "frontend"]);
    expect(result.code).toBe(0);
    expect(readFileSync(join(jobsDir, "frontend/config.pulled.xml"), "utf8")).toBe(edited);
    expect(result.stdout).toMatch(/^-\s+<numToKeep>30<\/numToKeep>$/m);
    expect(result.stdout).toMatch(/^\+\s+<numToKeep>5<\/numToKeep>$/m);
    expect(posts(server)).toEqual([]);
  });
});

describe("export-jenkins-job fails with the cause and the fix, and says what was done", () => {
  it("rejects invalid XML in the repository before sending anything", async () => {
    const template = join(jobsDir, "frontend/config.xml.njk");
    writeFileSync(template, readFileSync(template, "utf8").replace("</properties>", ""));
    const server = await jenkinsWith();
    const result = await run(["--url", server.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /frontend\/config\.xml\.njk: renders invalid XML \(line \d+, column \d+: .+\); fix the template/,
    );
    expect(result.stderr).toContain("Nothing was sent to Jenkins.");
    expect(server.requests).toEqual([]);
  });

  it("names the credentials on 401", async () => {
    const server = await jenkinsWith();
    const result = await run(["--url", server.url], { JENKINS_USER: "admin", JENKINS_API_TOKEN: "wrong" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/rejected the credentials \(401\).*JENKINS_USER and JENKINS_API_TOKEN/);
    expect(posts(server)).toEqual([]);
  });

  it("refuses to start without credentials in the environment", async () => {
    const server = await jenkinsWith();
    const result = await run(["--url", server.url], {});
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("--user (or JENKINS_USER) and --token-file (or JENKINS_API_TOKEN) not given");
    expect(server.requests).toEqual([]);
  });

  it("signs in with the token read from standard input (--token-file -), as Ansible runs it", async () => {
    const server = await jenkinsWith();
    const result = await run(
      ["--url", server.url, "--user", "admin", "--token-file", "-"],
      {},
      () => `${ADMIN.token}\n`,
    );
    expect(result.code, result.stderr).toBe(0);
    const create = posts(server).find((request) => request.path.startsWith("/createItem"));
    expect(create?.headers.authorization).toBe(`Basic ${Buffer.from(`admin:${ADMIN.token}`).toString("base64")}`);
    expect(result.stdout + result.stderr).not.toContain(ADMIN.token);
  });

  it("signs in with the token of a file only its owner reads, and refuses one others may read", async () => {
    const server = await jenkinsWith();
    const tokenFile = join(work, "token");
    writeFileSync(tokenFile, `${ADMIN.token}\n`, { mode: 0o600 });
    const result = await run(["--url", server.url, "--user", "admin", "--token-file", tokenFile], {});
    expect(result.code, result.stderr).toBe(0);
    expect(server.jobs.size).toBe(3);

    chmodSync(tokenFile, 0o644);
    const before = server.requests.length;
    const refused = await run(["--url", server.url, "--user", "admin", "--token-file", tokenFile], {});
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `--token-file ${tokenFile}: others may read it (mode 0644); run chmod 600 ${tokenFile}`,
    );
    expect(server.requests.length).toBe(before);
  });

  it("names the missing permission on 403 and lists the jobs done before it", async () => {
    const configs = await exportedConfigs();
    const stale = (configs.get("deploy-service") ?? "").replace("<string>prod</string>", "");
    const creator: FakeUser = { token: "c0ffee", permissions: ["read", "create"] };
    const server = await jenkinsWith({ "deploy-service": stale }, { creator });
    const result = await run(["--url", server.url], { JENKINS_USER: "creator", JENKINS_API_TOKEN: "c0ffee" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /job "deploy-service": JENKINS_USER lacks a permission \(403\) to update job "deploy-service"/,
    );
    expect(result.stderr).toContain("done before the failure: frontend (created)");
    expect(server.jobs.get("deploy-service")).toBe(stale);
  });

  it("says which jobs were not attempted when the first one fails", async () => {
    const reader: FakeUser = { token: "r3ad", permissions: ["read"] };
    const server = await jenkinsWith({}, { reader });
    const result = await run(["--url", server.url], { JENKINS_USER: "reader", JENKINS_API_TOKEN: "r3ad" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("done before the failure: none");
    expect(result.stderr).toContain("not attempted: deploy-service");
    expect(server.jobs.size).toBe(0);
  });

  it("explains a 404 from the crumb issuer as a wrong Jenkins URL", async () => {
    const server = await jenkinsWith();
    const result = await run(["--url", `${server.url}wrong-context/`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/returned 404: .*wrong-context\/ is not the root of a Jenkins.*--url/);
  });

  it("explains a refused connection", async () => {
    const port = await closedPort();
    const result = await run(["--url", `http://127.0.0.1:${port}/`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /cannot connect to 127\.0\.0\.1:\d+: connection refused; check that Jenkins is running/,
    );
  });

  it("exits non-zero from the command line (the bin file) on failure", async () => {
    const port = await closedPort();
    const pipelines = resolve(import.meta.dirname, "..");
    const run = () =>
      execFileSync(
        process.execPath,
        ["--import", "tsx", "bin/export-jenkins-job.ts", ...SCM, "--url", `http://127.0.0.1:${port}/`],
        {
          cwd: pipelines,
          env: { ...process.env, ...CREDENTIALS },
          stdio: "pipe",
        },
      );
    expect(run).toThrow(/connection refused/);
  });
});

describe("the Jenkins client follows Jenkins' CSRF and createItem rules", () => {
  const CONFIG =
    "<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition><description>x</description></flow-definition>";

  it("is refused with 403 when it posts without a crumb, and says so", async () => {
    const server = await jenkinsWith();
    const client = new JenkinsClient(server.url, { user: "admin", token: ADMIN.token });
    await expect(client.createJob("frontend", CONFIG)).rejects.toThrow(
      /refused the CSRF crumb \(403\).*No valid crumb/,
    );
    expect(server.jobs.size).toBe(0);
  });

  it("surfaces Jenkins' 400 for a name that already exists", async () => {
    const server = await jenkinsWith({ frontend: CONFIG });
    const client = new JenkinsClient(server.url, { user: "admin", token: ADMIN.token });
    await client.fetchCrumb();
    await expect(client.createJob("frontend", CONFIG)).rejects.toThrow(
      /answered 400 while trying to create job "frontend": A job already exists with the name 'frontend'/,
    );
  });
});

describe("export-jenkins-job over TLS", () => {
  let certificate: { key: string; cert: string };
  let certDir: string;

  beforeAll(() => {
    certDir = mkdtempSync(join(tmpdir(), "jenkins-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(certDir, "key.pem"),
        "-out",
        join(certDir, "cert.pem"),
      ],
      { stdio: "pipe" },
    );
    certificate = {
      key: readFileSync(join(certDir, "key.pem"), "utf8"),
      cert: readFileSync(join(certDir, "cert.pem"), "utf8"),
    };
  });

  afterAll(() => rmSync(certDir, { recursive: true, force: true }));

  it("names a TLS failure and how to trust a private CA", async () => {
    jenkins = await startFakeJenkins({ users: { admin: ADMIN }, tls: certificate });
    const result = await run(["--url", jenkins.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /TLS failure talking to 127\.0\.0\.1:\d+ \(DEPTH_ZERO_SELF_SIGNED_CERT\).*NODE_EXTRA_CA_CERTS/,
    );
    expect(jenkins.requests).toEqual([]);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
