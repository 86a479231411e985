/**
 * The one source of truth for the Jenkins jobs: their names, Jenkinsfiles, triggers and
 * parameters, derived from the rendered vars. The config.xml templates in pipelines/jobs/ render
 * these values; the Jenkinsfiles read `params.*` defined here and `env.*` from `jobSettings`.
 */
import type { Vars } from "../../../config/schema";

export const FRONTEND_JOB = "frontend";
export const DEPLOY_SERVICE_JOB = "deploy-service";

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
      description: `Builds ${jenkins.frontendRepository} (${jenkins.frontendBranch}) on each new commit, pushes the image to ECR and deploys it to dev.`,
      jenkinsfile: "pipelines/frontend/Jenkinsfile",
      pollSchedule: jenkins.pollSchedule,
      parameters: [],
      buildsToKeep: 30,
    },
    {
      name: DEPLOY_SERVICE_JOB,
      description: "Rolls an image tag onto an ECS service without downtime (prod asks for an approval first).",
      jenkinsfile: "pipelines/deploy-service/Jenkinsfile",
      parameters: [
        { name: "SERVICE", description: "ECS service to deploy.", choices: serviceNames(input) },
        { name: "ENVIRONMENT", description: "Environment to deploy to.", choices: [...input.applicationEnvironments] },
        { name: "IMAGE_TAG", description: "Tag in ECR to deploy, e.g. 42-1a2b3c4-17 (from the frontend job)." },
      ],
      buildsToKeep: 100,
    },
  ];
}

/** Values from vars that a job's Jenkinsfile reads from its environment (`jenkins-settings <job>`). */
export function jobSettings(input: JobsInput, job: string): Record<string, string> {
  const jenkins = managementJenkins(input);
  const common = { AWS_REGION: input.vars.region, SLACK_CHANNEL: jenkins.slackChannel };
  if (job === FRONTEND_JOB) {
    return {
      ...common,
      ECR_REPOSITORY: input.vars.ecr.repositoryName,
      FRONTEND_REPOSITORY: jenkins.frontendRepository,
      FRONTEND_BRANCH: jenkins.frontendBranch,
    };
  }
  if (job === DEPLOY_SERVICE_JOB) return common;
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
