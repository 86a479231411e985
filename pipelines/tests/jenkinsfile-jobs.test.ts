/**
 * The Jenkinsfiles, the job definitions and the vars agree: job names, parameters and their
 * choices, the poll schedule, the settings the Jenkinsfiles read, the job the frontend triggers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { applicationEnvironments, managementEnvironment, vars } from "../../stacks/global/vars";
import { DEPLOY_SERVICE_JOB, FRONTEND_JOB, formatSettings, jobDefinitions, jobSettings } from "../src/jenkins/jobs";
import { renderJobs } from "../src/jenkins/render";

const root = resolve(import.meta.dirname, "../..");
const jobsDir = join(root, "pipelines/jobs");
const input = { vars, applicationEnvironments, managementEnvironment };
const jobs = jobDefinitions(input);
const jenkins = vars.environments[managementEnvironment]?.management?.jenkins;
const scm = {
  url: "https://git.example.com/infrastructure.git",
  branch: "main",
  credentialsId: "infrastructure-repository",
};
const rendered = new Map(renderJobs(jobsDir, jobs, scm).map((job) => [job.name, job.xml]));
const jenkinsfile = (name: string) =>
  readFileSync(join(root, jobs.find((job) => job.name === name)?.jenkinsfile ?? ""), "utf8");
/** The Jenkinsfile without // comments, so that prose cannot satisfy or break a check. */
const code = (name: string) => jenkinsfile(name).replace(/^\s*\/\/.*$/gm, "");

interface ParameterXml {
  name: string;
  choices?: { a: { string: string | string[] } };
}

function parametersOf(xml: string): Map<string, string[] | undefined> {
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });
  const property = parser.parse(xml)["flow-definition"].properties["hudson.model.ParametersDefinitionProperty"];
  const definitions = property?.parameterDefinitions ?? {};
  const result = new Map<string, string[] | undefined>();
  for (const [kind, value] of Object.entries(definitions)) {
    for (const parameter of ([] as ParameterXml[]).concat(value as ParameterXml | ParameterXml[])) {
      const choices = parameter.choices ? ([] as string[]).concat(parameter.choices.a.string) : undefined;
      result.set(parameter.name, kind === "hudson.model.ChoiceParameterDefinition" ? choices : undefined);
    }
  }
  return result;
}

describe("job names", () => {
  it("are frontend and deploy-service, each with a template and a Jenkinsfile", () => {
    expect(jobs.map((job) => job.name)).toEqual([FRONTEND_JOB, DEPLOY_SERVICE_JOB]);
    const templates = readdirSync(jobsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(templates.sort()).toEqual(jobs.map((job) => job.name).sort());
    for (const job of jobs) expect(jenkinsfile(job.name)).toMatch(/^pipeline \{$/m);
  });

  it("point each job at its own Jenkinsfile", () => {
    for (const job of jobs) {
      expect(rendered.get(job.name)).toContain(`<scriptPath>${job.jenkinsfile}</scriptPath>`);
    }
  });

  it("match the job the frontend pipeline triggers", () => {
    const triggered = [...code(FRONTEND_JOB).matchAll(/build\(job: '([^']+)'/g)].map((match) => match[1]);
    expect(triggered).toEqual([DEPLOY_SERVICE_JOB]);
  });
});

describe("deploy-service parameters", () => {
  const parameters = parametersOf(rendered.get(DEPLOY_SERVICE_JOB) ?? "");

  it("offer the environments and services of the rendered vars", () => {
    const services = [
      ...new Set(applicationEnvironments.map((environment) => vars.environments[environment]?.service?.name)),
    ];
    expect(parameters.get("ENVIRONMENT")).toEqual([...applicationEnvironments]);
    expect(parameters.get("SERVICE")).toEqual(services);
    expect([...parameters.keys()]).toEqual(["SERVICE", "ENVIRONMENT", "IMAGE_TAG"]);
  });

  it("are the ones the deploy-service Jenkinsfile reads, and it defines none of its own", () => {
    const read = new Set([...code(DEPLOY_SERVICE_JOB).matchAll(/params\.([A-Z_]+)/g)].map((match) => match[1]));
    expect([...read].sort()).toEqual([...parameters.keys()].sort());
    for (const job of jobs) {
      // Job properties live in the job definition only: Declarative would otherwise rewrite config.xml.
      expect(code(job.name)).not.toMatch(/^\s*(parameters|triggers) \{|disableConcurrentBuilds|buildDiscarder/m);
    }
  });

  it("are exactly what the frontend passes, with values the choices allow", () => {
    const call = /build\(job: 'deploy-service'[^\]]*\]/s.exec(code(FRONTEND_JOB))?.[0] ?? "";
    const passed = new Map([...call.matchAll(/string\(name: '([A-Z_]+)', value: ([^)]+)\)/g)].map((m) => [m[1], m[2]]));
    expect([...passed.keys()].sort()).toEqual([...parameters.keys()].sort());
    expect(parameters.get("SERVICE")).toContain(passed.get("SERVICE")?.replace(/'/g, ""));
    expect(parameters.get("ENVIRONMENT")).toContain(passed.get("ENVIRONMENT")?.replace(/'/g, ""));
    expect(passed.get("IMAGE_TAG")).toBe("env.IMAGE_TAG");
  });
});

describe("frontend job", () => {
  it("polls on the schedule from vars", () => {
    expect(rendered.get(FRONTEND_JOB)).toContain(`<spec>${jenkins?.pollSchedule}</spec>`);
  });

  it("checks out the frontend repository and branch from vars, with polling", () => {
    const settings = jobSettings(input, FRONTEND_JOB);
    expect(settings.FRONTEND_REPOSITORY).toBe(jenkins?.frontendRepository);
    expect(settings.FRONTEND_BRANCH).toBe(jenkins?.frontendBranch);
    expect(code(FRONTEND_JOB)).toMatch(
      /git\(url: env\.FRONTEND_REPOSITORY, branch: env\.FRONTEND_BRANCH,[^)]*poll: true/s,
    );
    expect(code(FRONTEND_JOB)).toContain("checkout(scm: scm, poll: false, changelog: false)");
  });
});

describe("settings the Jenkinsfiles read", () => {
  const builtIn = new Set(["BUILD_NUMBER", "BUILD_URL", "JOB_NAME", "WORKSPACE"]);

  it.each(jobs.map((job) => job.name))("%s loads its own settings and reads only known variables", (name) => {
    const text = code(name);
    expect([...text.matchAll(/loadSettings\('([^']+)'\)/g)].map((match) => match[1])).toEqual([name]);
    const assigned = new Set([...text.matchAll(/env\.([A-Z_]+) = /g)].map((match) => match[1]));
    const known = new Set([...Object.keys(jobSettings(input, name)), ...assigned, ...builtIn]);
    const read = [...text.matchAll(/env\.([A-Z_]+)|\$\{?([A-Z_]{3,})\b/g)].map((match) => match[1] ?? match[2]);
    expect(read.filter((variable) => !known.has(variable ?? ""))).toEqual([]);
  });

  it.each(jobs.map((job) => job.name))("%s posts to the Slack channel from vars", (name) => {
    expect(jobSettings(input, name).SLACK_CHANNEL).toBe(jenkins?.slackChannel);
    const sends = [...code(name).matchAll(/slackSend\(([^)]*)/g)].map((match) => match[1]);
    expect(sends.length).toBeGreaterThanOrEqual(2);
    for (const send of sends) expect(send).toContain("channel: env.SLACK_CHANNEL");
  });

  it("print as KEY=value lines that split at the first '=' back into the same values", () => {
    const settings = { SLACK_CHANNEL: "#deployments", FRONTEND_REPOSITORY: "https://git.example.com/a.git?x=1" };
    const lines = formatSettings(settings).split("\n");
    const parsed = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    expect(parsed).toEqual(settings);
    expect(() => formatSettings({ SLACK_CHANNEL: "#a\n#b" })).toThrow(/SLACK_CHANNEL contains a line break/);
  });
});
