/**
 * The Jenkinsfiles, the job definitions and the vars agree: job names, parameters and their
 * choices, the poll schedule, the settings the Jenkinsfiles read, the job the frontend triggers,
 * and the pull-request review job's discovery, credential, stack order and commands.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { stackOrder } from "../../config/roles";
import { BUILD_AGENT_LABEL, deployAgentLabel } from "../../lib/jenkins-agents";
import { serviceUrl } from "../../lib/naming";
import { applicationEnvironments, managementEnvironment, vars } from "../../stacks/global/vars";
import { DEPLOY_ACTIONS, DEPLOY_FLAGS, DEPLOY_PARAMETERS } from "../src/deploy/options";
import {
  DEPLOY_SERVICE_JOB,
  DEPLOY_SETUP_SECONDS,
  entryEnvironments,
  FRONTEND_JOB,
  formatSettings,
  GITHUB_CREDENTIALS,
  INFRASTRUCTURE_JOB,
  jobDefinitions,
  jobSettings,
} from "../src/jenkins/jobs";
import { githubRepository, renderJobs } from "../src/jenkins/render";

const root = resolve(import.meta.dirname, "../..");
const jobsDir = join(root, "pipelines/jobs");
const input = { vars, applicationEnvironments, managementEnvironment };
const jobs = jobDefinitions(input);
const jenkins = vars.environments[managementEnvironment]?.management?.jenkins;
const scm = {
  url: "https://github.com/connected-express/infrastructure.git",
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

/** A job's settings; deploy-service's are per environment (the keys are the same for each). */
const settingsOf = (name: string) => jobSettings(input, name, applicationEnvironments[0]);
/** Flags of deploy-service's command lines in a text. */
const flagsIn = (text: string) => [...text.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((match) => match[1]);

/** Jobs whose config.xml owns their properties; a multibranch job's Jenkinsfile owns its branch jobs'. */
const pipelineJobs = jobs.filter((job) => job.pullRequests === undefined);

describe("job names", () => {
  it("are frontend, deploy-service and infrastructure, each with a template and a Jenkinsfile", () => {
    expect(jobs.map((job) => job.name)).toEqual([FRONTEND_JOB, DEPLOY_SERVICE_JOB, INFRASTRUCTURE_JOB]);
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
    expect(parameters.get("ACTION")).toEqual([...DEPLOY_ACTIONS]);
  });

  it("are exactly the variables the deploy script reads, and the Jenkinsfile defines none of its own", () => {
    expect([...parameters.keys()].sort()).toEqual(Object.keys(DEPLOY_PARAMETERS).sort());
    const read = new Set([...code(DEPLOY_SERVICE_JOB).matchAll(/params\.([A-Z_]+)/g)].map((match) => match[1]));
    expect([...read].filter((name) => !parameters.has(name ?? ""))).toEqual([]);
    for (const job of pipelineJobs) {
      // Job properties live in the job definition only: Declarative would otherwise rewrite config.xml.
      expect(code(job.name)).not.toMatch(/^\s*(parameters|triggers) \{|disableConcurrentBuilds|buildDiscarder/m);
    }
  });

  it("stand for flags the deploy script takes, as do the flags the Jenkinsfile passes it", () => {
    const takes = Object.keys(DEPLOY_FLAGS);
    const standFor = Object.values(DEPLOY_PARAMETERS).flatMap(flagsIn);
    expect(standFor.length).toBeGreaterThan(0);
    expect(standFor.filter((flag) => !takes.includes(flag))).toEqual([]);
    const calls = [...code(DEPLOY_SERVICE_JOB).matchAll(/deploy-service (--[^'"\n>]*)/g)].map((match) => match[1]);
    expect(calls.length).toBe(3);
    expect(calls.flatMap(flagsIn).filter((flag) => !takes.includes(flag))).toEqual([]);
  });

  it("are what the frontend passes, with values the choices allow, for each environment that takes new builds", () => {
    const call = /build\(job: 'deploy-service'[^\]]*\]/s.exec(code(FRONTEND_JOB))?.[0] ?? "";
    const passed = new Map([...call.matchAll(/string\(name: '([A-Z_]+)', value: ([^)]+)\)/g)].map((m) => [m[1], m[2]]));
    expect([...passed.keys()]).toEqual(["SERVICE", "ENVIRONMENT", "ACTION", "IMAGE_TAG"]);
    expect(parameters.get("SERVICE")).toContain(passed.get("SERVICE")?.replace(/'/g, ""));
    expect(parameters.get("ACTION")).toContain(passed.get("ACTION")?.replace(/'/g, ""));
    expect(passed.get("IMAGE_TAG")).toBe("env.IMAGE_TAG");
    expect(passed.get("ENVIRONMENT")).toBe("environment");
    expect(code(FRONTEND_JOB)).toContain("for (String environment in env.DEPLOY_ENVIRONMENTS.split(' '))");
    const targets = jobSettings(input, FRONTEND_JOB).DEPLOY_ENVIRONMENTS.split(" ");
    expect(targets).toEqual(entryEnvironments(input));
    expect(targets).toEqual(
      applicationEnvironments.filter((name) => !vars.environments[name]?.service?.delivery.promoteFrom),
    );
    for (const target of targets) expect(parameters.get("ENVIRONMENT")).toContain(target);
  });
});

describe("deploy-service job", () => {
  const text = code(DEPLOY_SERVICE_JOB);

  it("asks for an approval where the environment's vars say so", () => {
    for (const environment of applicationEnvironments) {
      const approval = vars.environments[environment]?.service?.delivery.approval;
      expect(jobSettings(input, DEPLOY_SERVICE_JOB, environment).APPROVAL).toBe(String(approval));
    }
    expect(text).toMatch(
      /when \{\s*beforeAgent true\s*expression \{ env\.APPROVAL == 'true' \}\s*\}\s*steps \{\s*script \{[^}]*\}\s*def approver = ''\s*timeout\(time: 4, unit: 'HOURS'\) \{[^{}]*approver = input\(/,
    );
  });

  it("runs the script's dry run before the approval, and the approval before the deploy", () => {
    const order = ["deploy-service --dry-run", "input(", "deploy-service --probe"].map((step) => text.indexOf(step));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it("probes each environment's URL from vars on every deploy", () => {
    for (const environment of applicationEnvironments) {
      expect(jobSettings(input, DEPLOY_SERVICE_JOB, environment).SERVICE_URL).toBe(serviceUrl(vars, environment));
    }
    expect(text).toContain('deploy-service --probe "$SERVICE_URL" --summary-file');
  });

  it("times the deploy out after the environment's rollout timeout from vars plus set-up, not a literal", () => {
    for (const environment of applicationEnvironments) {
      const seconds = vars.environments[environment]?.service?.delivery.rolloutTimeoutSeconds ?? 0;
      const minutes = jobSettings(input, DEPLOY_SERVICE_JOB, environment).DEPLOY_STAGE_MINUTES;
      expect(Number(minutes)).toBe(Math.ceil((seconds + DEPLOY_SETUP_SECONDS) / 60));
    }
    expect(text).toMatch(
      /timeout\(time: Integer\.parseInt\(env\.DEPLOY_STAGE_MINUTES\), unit: 'MINUTES'\) \{\s*sh 'pnpm -s --filter pipelines deploy-service --probe/,
    );
  });

  it("refuses a second build for the same service and environment, and lets other environments run", () => {
    expect(text).toContain(
      `lock(resource: "deploy-service/\${params.SERVICE}/\${params.ENVIRONMENT}", skipIfLocked: true)`,
    );
    expect(text).toMatch(
      /when \{ expression \{ params\.ACTION != 'history' && env\.DEPLOY_LOCKED != 'true' \} \}\s*steps \{[\s\S]*?error\(env\.DEPLOY_SUMMARY\)/,
    );
    expect(rendered.get(DEPLOY_SERVICE_JOB)).not.toContain("DisableConcurrentBuildsJobProperty");
    expect(rendered.get(FRONTEND_JOB)).toContain("DisableConcurrentBuildsJobProperty");
  });

  it("lists the service's history for ACTION=history outside the lock, without an approval or a deploy", () => {
    expect(text).toMatch(
      /stage\('History'\) \{\s*when \{\s*beforeAgent true\s*expression \{ params\.ACTION == 'history' \}[\s\S]*?sh 'pnpm -s --filter pipelines deploy-service --history --limit 20'/,
    );
    expect(text).toMatch(
      /when \{\s*beforeOptions true\s*expression \{ params\.ACTION != 'history' \}\s*\}\s*options \{\s*lock\(/,
    );
  });

  it("posts the script's summary to Slack, which carries the probe's result and a failure's reason", () => {
    const sends = [...text.matchAll(/slackSend\(([^)]*)\)/gs)].map((match) => match[1] ?? "");
    expect(sends.filter((send) => send.includes("env.DEPLOY_SUMMARY"))).toHaveLength(3);
    expect(text).toMatch(/env\.DEPLOY_SUMMARY = fileExists\('deploy-summary\.txt'\)/);
    expect(text).toMatch(/env\.DEPLOY_SUMMARY = env\.DEPLOY_PLAN/);
  });
});

/** The argument text of every `input(...)` step call in a Jenkinsfile (string literals kept, parentheses balanced). */
function inputCalls(text: string): string[] {
  const calls: string[] = [];
  for (const match of text.matchAll(/(?<![\w.])input\(/g)) {
    let depth = 0;
    let quote = "";
    for (let index = (match.index ?? 0) + "input".length; index < text.length; index++) {
      const char = text[index];
      if (quote) {
        if (char === "\\") index++;
        else if (char === quote) quote = "";
      } else if (char === "'" || char === '"') quote = char;
      else if (char === "(") depth++;
      else if (char === ")" && --depth === 0) {
        calls.push(text.slice((match.index ?? 0) + "input(".length, index));
        break;
      }
    }
  }
  return calls;
}

/** Problems of a Jenkinsfile's approvals: an `input` without the approvers group as its submitter, or
 *  one whose answer is not checked against the user who started the build. */
function approvalProblems(text: string): string[] {
  const problems: string[] = [];
  for (const call of inputCalls(text)) {
    if (!/\bsubmitter: env\.PROD_APPROVERS\b/.test(call))
      problems.push(`input without submitter: env.PROD_APPROVERS: ${call}`);
    const parameter = /\bsubmitterParameter: '([A-Z_]+)'/.exec(call);
    if (!parameter) problems.push(`input without submitterParameter (who answered): ${call}`);
  }
  if (
    inputCalls(text).length > 0 &&
    !/if \(usersWhoStarted\(\)\.contains\(approver\)\) \{\n[^\n]*\n[^\n]*\n\s*error\(/.test(text)
  ) {
    problems.push("the approver is not compared with the users who started the build");
  }
  return problems;
}

describe("where the jobs run, and who approves a deploy", () => {
  const deployText = code(DEPLOY_SERVICE_JOB);

  it("no job runs on any agent: each names its label, never `agent any` (the controller has no executors)", () => {
    for (const job of jobs) {
      expect(code(job.name), job.name).not.toMatch(/agent any/);
      expect(code(job.name), job.name).toMatch(/agent \{ label /);
    }
  });

  it("builds the frontend and reviews pull requests on the build agent", () => {
    for (const name of [FRONTEND_JOB, INFRASTRUCTURE_JOB]) {
      const labels = [...code(name).matchAll(/agent \{ label '([^']+)' \}/g)].map((match) => match[1]);
      expect(labels, name).toEqual([BUILD_AGENT_LABEL]);
    }
  });

  it("deploys to an environment with approval only on its deploy agent, to the others on the build agent", () => {
    for (const environment of applicationEnvironments) {
      const approval = vars.environments[environment]?.service?.delivery.approval;
      expect(jobSettings(input, DEPLOY_SERVICE_JOB, environment).AGENT_LABEL, environment).toBe(
        approval ? deployAgentLabel(environment) : BUILD_AGENT_LABEL,
      );
    }
    expect(applicationEnvironments.some((name) => vars.environments[name]?.service?.delivery.approval)).toBe(true);
    // Every stage that reads or changes the environment asks for AGENT_LABEL; only the settings stage
    // (vars, no AWS) names the build agent.
    for (const stage of ["History", "Preflight", "Deploy"]) {
      expect(deployText).toMatch(
        new RegExp(`stage\\('${stage}'\\) \\{[^]*?agent \\{ label "\\$\\{env\\.AGENT_LABEL\\}" \\}`),
      );
    }
    const labels = [...deployText.matchAll(/agent \{ label ('[^']*'|"[^"]*") \}/g)].map((match) => match[1]?.trim());
    // Groovy's "${env.AGENT_LABEL}", spelled so that it is no JavaScript placeholder.
    const fromSettings = `"$${"{"}env.AGENT_LABEL}"`;
    expect(labels).toEqual([`'${BUILD_AGENT_LABEL}'`, fromSettings, fromSettings, fromSettings]);
  });

  it("lets only the prod-approvers group answer every approval, and never the user who started the build", () => {
    const inputs = jobs.flatMap((job) => inputCalls(code(job.name)));
    expect(inputs.length).toBeGreaterThan(0);
    for (const job of jobs) expect(approvalProblems(code(job.name)), job.name).toEqual([]);
    // The group's name is a global variable of the Jenkins configuration Ansible writes.
    const casc = readFileSync(join(root, "provisioning/roles/jenkins/templates/jenkins.yaml.j2"), "utf8");
    expect(casc).toMatch(/- key: PROD_APPROVERS\n\s+value: /);
    expect(deployText).toContain("for (def cause in currentBuild.getBuildCauses('hudson.model.Cause$UserIdCause'))");
  });

  it("catches an approval anyone may give, or that the starter may give, in a copy of the Jenkinsfile", () => {
    const withoutSubmitter = jenkinsfile(DEPLOY_SERVICE_JOB).replace(" submitter: env.PROD_APPROVERS,", "");
    expect(approvalProblems(withoutSubmitter)).toEqual([expect.stringContaining("input without submitter")]);
    const withoutCheck = jenkinsfile(DEPLOY_SERVICE_JOB).replace(
      "if (usersWhoStarted().contains(approver))",
      "if (false)",
    );
    expect(approvalProblems(withoutCheck)).toEqual([
      "the approver is not compared with the users who started the build",
    ]);
    const bareInput = "pipeline { stages { stage('x') { steps { input(message: 'go?') } } } }";
    expect(approvalProblems(bareInput)).toHaveLength(3);
  });
});

describe("Jenkinsfiles name no environment", () => {
  const files = [...jobs.map((job) => job.jenkinsfile), "pipelines/jenkins/settings.groovy"];
  const names = Object.keys(vars.environments);

  it.each(files)("%s takes every environment from vars or parameters", (file) => {
    const text = readFileSync(join(root, file), "utf8").replace(/^\s*\/\/.*$/gm, "");
    for (const name of names) {
      // "/dev/null" is a path, not the environment.
      expect(text.replaceAll("/dev/", "/"), `${file} names ${name}`).not.toMatch(
        new RegExp(`(?<![\\w-])${name}(?![\\w-])`),
      );
    }
  });

  it("catches an environment named in a copy of the deploy-service Jenkinsfile", () => {
    const broken = jenkinsfile(DEPLOY_SERVICE_JOB).replace("env.APPROVAL == 'true'", "params.ENVIRONMENT == 'prod'");
    expect(broken).not.toBe(jenkinsfile(DEPLOY_SERVICE_JOB));
    expect(broken).toMatch(/(?<![\w-])prod(?![\w-])/);
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
  const builtIn = new Set(["BUILD_NUMBER", "BUILD_URL", "JOB_NAME", "WORKSPACE", "JENKINS_HOME", "GIT_COMMIT", "HOME"]);
  // Global variables of the Jenkins configuration (provisioning/roles/jenkins/templates/jenkins.yaml.j2).
  const global = ["PROD_APPROVERS"];
  for (const variable of global) builtIn.add(variable);
  // What a multibranch job sets for a pull request's build.
  const pullRequestBuiltIn = ["BRANCH_NAME", "CHANGE_ID", "CHANGE_URL", "CHANGE_BRANCH", "CHANGE_TARGET"];
  for (const variable of pullRequestBuiltIn) builtIn.add(variable);

  it.each(jobs.map((job) => job.name))("%s loads only Groovy files of this repository", (name) => {
    const loaded = [...code(name).matchAll(/\bload\('([^']+)'\)/g)].map((match) => match[1] ?? "");
    expect(loaded).toEqual(["pipelines/jenkins/settings.groovy"]);
    for (const file of loaded) expect(readFileSync(join(root, file), "utf8")).toMatch(/^return this$/m);
  });

  it.each(jobs.map((job) => job.name))("%s loads its own settings and reads only known variables", (name) => {
    const text = code(name);
    expect([...text.matchAll(/loadSettings\('([^']+)'/g)].map((match) => match[1])).toEqual([name]);
    // Set by `env.X = `, in the environment {} block (`X = `), or by withEnv(["X=..."]).
    const assigned = new Set(
      [...text.matchAll(/env\.([A-Z_]+) = |^\s+([A-Z_]+) = |["'\s]([A-Z_]+)=[$"]/gm)].map(
        (match) => match[1] ?? match[2] ?? match[3],
      ),
    );
    const known = new Set([...Object.keys(settingsOf(name)), ...assigned, ...builtIn]);
    const read = [...text.matchAll(/env\.([A-Z_]+)|\$\{?([A-Z_]{3,})\b/g)].map((match) => match[1] ?? match[2]);
    expect(read.filter((variable) => !known.has(variable ?? ""))).toEqual([]);
  });

  // The infrastructure job reports on the pull request instead.
  it.each(pipelineJobs.map((job) => job.name))("%s posts to the Slack channel from vars", (name) => {
    expect(settingsOf(name).SLACK_CHANNEL).toBe(jenkins?.slackChannel);
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

describe("infrastructure job", () => {
  const job = jobs.find((definition) => definition.name === INFRASTRUCTURE_JOB);
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false });
  const project = parser.parse(rendered.get(INFRASTRUCTURE_JOB) ?? "")[
    "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject"
  ];
  const source = project?.sources?.data?.["jenkins.branch.BranchSource"]?.source;
  const text = code(INFRASTRUCTURE_JOB);

  it("is a multibranch job on the repository's GitHub source, reading its own Jenkinsfile", () => {
    expect(source["@class"]).toBe("org.jenkinsci.plugins.github_branch_source.GitHubSCMSource");
    expect(source).toMatchObject({
      apiUri: "https://api.github.com",
      repoOwner: "connected-express",
      repository: "infrastructure",
      repositoryUrl: "https://github.com/connected-express/infrastructure",
    });
    expect(project.factory.scriptPath).toBe("pipelines/infrastructure/Jenkinsfile");
  });

  it("builds pull requests from this repository's branches merged with their target, and nothing else", () => {
    // No fork discovery: a fork's code would run with the Jenkins instance role. No branch discovery:
    // only pull requests are reviewed.
    expect(Object.keys(source.traits)).toEqual([
      "org.jenkinsci.plugins.github__branch__source.OriginPullRequestDiscoveryTrait",
    ]);
    expect(source.traits["org.jenkinsci.plugins.github__branch__source.OriginPullRequestDiscoveryTrait"]).toEqual({
      strategyId: "1",
    });
  });

  it("scans GitHub on the job's interval, since GitHub cannot reach Jenkins with webhooks", () => {
    const trigger = project.triggers["com.cloudbees.hudson.plugins.folder.computed.PeriodicFolderTrigger"];
    const minutes = job?.pullRequests?.scanMinutes ?? 0;
    expect(minutes).toBeGreaterThan(0);
    expect(trigger).toEqual({ spec: `H/${minutes} * * * *`, interval: String(minutes * 60_000) });
  });

  it("keeps a closed pull request's builds and plans for the days the job names", () => {
    const days = job?.pullRequests?.closedDaysToKeep ?? 0;
    expect(days).toBeGreaterThanOrEqual(7);
    expect(project.orphanedItemStrategy).toMatchObject({ pruneDeadBranches: "true", daysToKeep: String(days) });
  });

  it("scans, checks out and comments with the GitHub credential that Ansible provides", () => {
    expect(source.credentialsId).toBe(GITHUB_CREDENTIALS);
    expect([...text.matchAll(/credentialsId: '([^']+)'/g)].map((match) => match[1])).toEqual([GITHUB_CREDENTIALS]);
    const casc = readFileSync(join(root, "provisioning/roles/jenkins/templates/jenkins.yaml.j2"), "utf8");
    expect(casc).toMatch(new RegExp(`id: ${GITHUB_CREDENTIALS}\\n`));
  });

  it("sets its branch jobs' properties in the Jenkinsfile: one build per pull request, the history the job keeps", () => {
    expect(text).toContain("disableConcurrentBuilds(abortPrevious: true)");
    expect(text).toContain(`buildDiscarder(logRotator(numToKeepStr: '${job?.buildsToKeep}'`);
  });

  it("plans the stacks of the vars in dependency order, and names none itself", () => {
    expect(jobSettings(input, INFRASTRUCTURE_JOB).STACKS).toBe(stackOrder(vars).join(" "));
    expect(text).toMatch(/for \(String stack in env\.STACKS\.split\(' '\)\)/);
    for (const stack of stackOrder(vars)) expect(text).not.toMatch(new RegExp(`['"]${stack}['"]|stacks/${stack}\\b`));
  });

  it("reviews in order: install, test, diff against the target, plan, show, summary, comment", () => {
    const steps = [
      "pnpm install --frozen-lockfile",
      "pnpm test",
      'pnpm -s diff --base "$DIFF_BASE" --format json',
      'pnpm -s diff --base "$DIFF_BASE" --format markdown',
      "terraform plan",
      "terraform show -json",
      "pnpm -s plan-summary --format json",
      "pnpm -s plan-summary --format markdown",
    ];
    const positions = steps.map((step) => text.indexOf(step));
    expect(
      positions.every((position) => position >= 0),
      steps.join(", "),
    ).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(text).toMatch(/env\.DIFF_BASE = "origin\/\$\{env\.CHANGE_TARGET\}"/);
    expect(text).toMatch(/review-comment --pull-request \\"\\\$CHANGE_URL\\"/);
  });

  it("plans as the read-only plan role, never with the instance role's own rights", () => {
    expect(jobSettings(input, INFRASTRUCTURE_JOB).PLAN_ROLE_NAME).toBe("connected-express-terraform-plan");
    expect(text).toContain("role_arn = $PLAN_ROLE_ARN");
    const plan = /withEnv\(\[[^\]]*\]\) \{\s*sh '''[^']*terraform plan/s.exec(text)?.[0] ?? "";
    expect(plan).toContain("AWS_PROFILE=terraform-plan");
    expect(plan).toContain("AWS_CONFIG_FILE=");
    expect(text).not.toMatch(/terraform (apply|destroy)|-auto-approve/);
  });

  it("archives every plan file with its SHA-256", () => {
    expect(text).toMatch(/sha256sum "\$stack\.tfplan" "\$stack\.json"; done > SHA256SUMS/);
    expect(text).toMatch(/archiveArtifacts\(artifacts: 'plans\/\*\.tfplan, plans\/\*\.json, plans\/SHA256SUMS/);
  });
});

describe("GitHub repository URLs for the pull-request source", () => {
  it.each([
    ["https://github.com/connected-express/infrastructure.git", "https://api.github.com"],
    ["git@github.com:connected-express/infrastructure.git", "https://api.github.com"],
    ["https://git.example.com/connected-express/infrastructure", "https://git.example.com/api/v3"],
  ])("%s is connected-express/infrastructure on %s", (url, apiUri) => {
    expect(githubRepository(url)).toEqual({
      apiUri,
      owner: "connected-express",
      repository: "infrastructure",
      repositoryUrl: expect.stringMatching(/^https:\/\/[^/]+\/connected-express\/infrastructure$/),
    });
  });

  it("refuses to render the job from a repository that is not on a GitHub", () => {
    expect(() => renderJobs(jobsDir, jobs, { ...scm, url: "/srv/git/infrastructure.git" })).toThrow(
      /"infrastructure" discovers pull requests on GitHub, but \/srv\/git\/infrastructure\.git is no GitHub repository URL/,
    );
  });
});
