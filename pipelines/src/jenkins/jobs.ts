/**
 * The one source of truth for the Jenkins jobs: their names, Jenkinsfiles, triggers and
 * parameters, derived from the rendered vars. The config.xml templates in pipelines/jobs/ render
 * these values; the Jenkinsfiles read `params.*` defined here and `env.*` from `jobSettings`.
 */
import { stackOrder } from "../../../config/roles";
import type { Vars } from "../../../config/schema";
import { deployLabel } from "../../../lib/jenkins-agents";
import { serviceUrl, terraformPlanRoleName } from "../../../lib/naming";
import { DEPLOY_ACTIONS } from "../deploy/options";

export const FRONTEND_JOB = "frontend";
export const DEPLOY_SERVICE_JOB = "deploy-service";
export const INFRASTRUCTURE_JOB = "infrastructure";
/** Jenkins credential (username + GitHub token) that scans pull requests and posts their review. */
export const GITHUB_CREDENTIALS = "github-token";

export interface JobParameter {
  readonly name: string;
  readonly description: string;
  /** A choice parameter's values, the first being the default.
   *  @default - a string parameter */
  readonly choices?: readonly string[];
}

export interface JobDefinition {
  readonly name: string;
  readonly description: string;
  /** Path of the Jenkinsfile inside this repository. */
  readonly jenkinsfile: string;
  /** pollSCM schedule (cron syntax with Jenkins' H).
   *  @default - not polled: started by other jobs or by hand */
  readonly pollSchedule?: string;
  readonly parameters: readonly JobParameter[];
  /** Builds kept in the job's history. */
  readonly buildsToKeep: number;
  /** Builds may run side by side; the Jenkinsfile then guards what must not overlap.
   *  @default false - one build at a time, the next waits in the queue */
  readonly concurrentBuilds?: boolean;
  /** A multibranch job instead: one branch job per open pull request of this repository on GitHub,
   *  found by scanning it. Its branch jobs' properties are the Jenkinsfile's `options`.
   *  @default - one pipeline job on `PipelineScm.branch` */
  readonly pullRequests?: PullRequestDiscovery;
}

export interface PullRequestDiscovery {
  /** Minutes between scans of the repository for new pull requests and pushes. */
  readonly scanMinutes: number;
  /** Days a closed pull request's job (its builds and archived plans) is kept. */
  readonly closedDaysToKeep: number;
  /** Jenkins credentials id (username + token) the scan, the checkout and the comment use. */
  readonly credentialsId: string;
}

/** Where the Jenkinsfiles come from: this repository, as Jenkins clones it. */
export interface PipelineScm {
  readonly url: string;
  readonly branch: string;
  /** Jenkins credentials id used to clone it. */
  readonly credentialsId: string;
}

export interface JobsInput {
  readonly vars: Vars;
  readonly applicationEnvironments: readonly string[];
  readonly managementEnvironment: string;
}

export function managementJenkins({ vars, managementEnvironment }: JobsInput) {
  const jenkins = vars.environments[managementEnvironment]?.management?.jenkins;
  if (!jenkins) {
    throw new Error(
      `environments/${managementEnvironment}.yaml has no management.jenkins: add it, then run \`pnpm vars\``,
    );
  }
  return jenkins;
}

/** Services deployable by deploy-service: every service name that some application environment runs. */
export function serviceNames({ vars, applicationEnvironments }: JobsInput): string[] {
  const names = applicationEnvironments.flatMap((environment) => {
    const service = vars.environments[environment]?.service;
    return service ? [service.name] : [];
  });
  return [...new Set(names)];
}

export function jobDefinitions(input: JobsInput): JobDefinition[] {
  const jenkins = managementJenkins(input);
  return [
    {
      name: FRONTEND_JOB,
      description: `Builds ${jenkins.frontendRepository} (${jenkins.frontendBranch}) on each new commit, pushes the image to ECR and deploys it to ${entryEnvironments(input).join(" and ")}.`,
      jenkinsfile: "pipelines/frontend/Jenkinsfile",
      pollSchedule: jenkins.pollSchedule,
      parameters: [],
      buildsToKeep: 30,
    },
    {
      name: DEPLOY_SERVICE_JOB,
      description:
        "Deploys, promotes or rolls back an ECS service without downtime, probing its URL throughout; environments with approval ask first.",
      jenkinsfile: "pipelines/deploy-service/Jenkinsfile",
      // The script reads these from its environment (DEPLOY_PARAMETERS in pipelines/src/deploy/options.ts).
      parameters: [
        { name: "SERVICE", description: "ECS service to deploy.", choices: serviceNames(input) },
        { name: "ENVIRONMENT", description: "Environment to deploy to.", choices: [...input.applicationEnvironments] },
        {
          name: "ACTION",
          description:
            "deploy: IMAGE_TAG (in an environment with promoteFrom: a tag that environment ran; empty: what it runs now). " +
            "promote: what the promoteFrom environment runs, or IMAGE_TAG if it ran it. " +
            "rollback: the revision that ran before the current one, or ROLLBACK_TO. " +
            "history: list the service's newest revisions (who, why, whether each ran); changes nothing.",
          choices: [...DEPLOY_ACTIONS],
        },
        { name: "IMAGE_TAG", description: "Tag in ECR to deploy, e.g. 42-1a2b3c4-17 (from the frontend job)." },
        {
          name: "ROLLBACK_TO",
          description: "rollback only: the revision (12) or image tag to put back; empty: the one before the current.",
        },
        {
          name: "UNPROMOTED_REASON",
          description:
            "Only to override promotion: deploy IMAGE_TAG although the promoteFrom environment never ran it, for this reason (it goes to the summary, Slack and the revision's tags).",
        },
        {
          name: "FINDINGS_REASON",
          description:
            "Only to override the scan gate: deploy although ECR's scan of the image found vulnerabilities at or above the environment's threshold (or has no result), for this reason (it goes to the summary, Slack and the revision's tags).",
        },
      ],
      buildsToKeep: 100,
      // Deploys of different environments run side by side (a dev deploy never waits behind a prod
      // approval); the Jenkinsfile's lock refuses a second build for the same service and environment.
      concurrentBuilds: true,
    },
    {
      name: INFRASTRUCTURE_JOB,
      description:
        "Reviews every pull request of this repository: tests, pnpm diff against its target, terraform plan of every stack with the read-only plan role; one comment on the pull request, updated in place.",
      jenkinsfile: "pipelines/infrastructure/Jenkinsfile",
      parameters: [],
      buildsToKeep: 20,
      // Jenkins is reachable from the admin networks only, so GitHub cannot deliver webhooks: the
      // job scans instead. A closed pull request's job stays long enough to apply its plans.
      pullRequests: { scanMinutes: 5, closedDaysToKeep: 30, credentialsId: GITHUB_CREDENTIALS },
    },
  ];
}

/** Application environments that take new builds from ECR: those without promoteFrom. */
export function entryEnvironments({ vars, applicationEnvironments }: JobsInput): string[] {
  return applicationEnvironments.filter((name) => !vars.environments[name]?.service?.delivery.promoteFrom);
}

/** Set-up around a rollout in the Deploy stage: checkout, `pnpm install`, preflight, summary. */
export const DEPLOY_SETUP_SECONDS = 300;

/** What the deploy-service Jenkinsfile needs to know about one environment. */
function deploySettings(input: JobsInput, environment: string | undefined): Record<string, string> {
  if (!environment || !input.applicationEnvironments.includes(environment)) {
    throw new Error(
      `deploy-service's settings depend on the environment: pass one of ${input.applicationEnvironments.join(", ")}`,
    );
  }
  const delivery = input.vars.environments[environment]?.service?.delivery;
  if (!delivery) throw new Error(`environments/${environment}.yaml declares no service`);
  return {
    APPROVAL: String(delivery.approval),
    // Where the deploy runs: an approval environment only on its own deploy agent (whose instance
    // role alone may deploy there), the others on the build agent.
    AGENT_LABEL: deployLabel(environment, delivery.approval),
    SERVICE_URL: serviceUrl(input.vars, environment),
    // The script waits rolloutTimeoutSeconds for the rollout; the stage allows that plus its set-up.
    DEPLOY_STAGE_MINUTES: String(Math.ceil((delivery.rolloutTimeoutSeconds + DEPLOY_SETUP_SECONDS) / 60)),
  };
}

/** Values from vars that a job's Jenkinsfile reads from its environment (`jenkins-settings <job>`);
 *  deploy-service's depend on the environment deployed to. */
export function jobSettings(input: JobsInput, job: string, environment?: string): Record<string, string> {
  const jenkins = managementJenkins(input);
  const common = { AWS_REGION: input.vars.region, SLACK_CHANNEL: jenkins.slackChannel };
  if (job === FRONTEND_JOB) {
    return {
      ...common,
      ECR_REPOSITORY: input.vars.ecr.repositoryName,
      FRONTEND_REPOSITORY: jenkins.frontendRepository,
      FRONTEND_BRANCH: jenkins.frontendBranch,
      // Every build goes to these; the others take it by promotion.
      DEPLOY_ENVIRONMENTS: entryEnvironments(input).join(" "),
    };
  }
  if (job === DEPLOY_SERVICE_JOB) return { ...common, ...deploySettings(input, environment) };
  if (job === INFRASTRUCTURE_JOB) {
    return {
      AWS_REGION: input.vars.region,
      // Dependency order: the shared layers, mgmt, then each application environment.
      STACKS: stackOrder(input.vars).join(" "),
      PLAN_ROLE_NAME: terraformPlanRoleName(input.vars),
    };
  }
  const known = jobDefinitions(input).map((definition) => definition.name);
  throw new Error(`unknown job "${job}": use one of ${known.join(", ")}`);
}

/** `KEY=value` lines, the format the Jenkinsfiles' loadSettings() reads. */
export function formatSettings(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([key, value]) => {
      if (/[\r\n]/.test(value)) throw new Error(`setting ${key} contains a line break: fix it in environments/`);
      return `${key}=${value}`;
    })
    .join("\n");
}
