/**
 * Names that more than one part of the system must agree on: the stacks create these
 * resources, the Jenkins role is scoped to them, and the deploy script looks them up.
 * Pure functions of the rendered vars, free of dependencies (the pipelines package imports it).
 */
export interface NamingVars {
  readonly project: string;
  readonly domain: string;
}

/** The tag every resource of an environment carries (the provider's default tags, stacks/layer-stack.ts):
 *  deploy-service copies it from the running revision onto each revision it registers, a Jenkins
 *  agent may register only revisions tagged with its own environments, and deploy-service builds on a
 *  newer revision only when it carries the environment's own value. */
export const ENVIRONMENT_TAG = "environment";

/** `<env>.<domain>`: the hosted zone each environment owns (mgmt.connected.express ...). */
export function zoneName(vars: NamingVars, environment: string): string {
  return `${environment}.${vars.domain}`;
}

export function clusterName(vars: NamingVars, environment: string): string {
  return `${vars.project}-${environment}`;
}

export function taskFamily(vars: NamingVars, environment: string, service: string): string {
  return `${vars.project}-${environment}-${service}`;
}

export function taskExecutionRoleName(vars: NamingVars, environment: string): string {
  return `${vars.project}-${environment}-task-execution`;
}

export function taskRoleName(vars: NamingVars, environment: string, service: string): string {
  return `${vars.project}-${environment}-${service}-task`;
}

/** The public URL of an environment's service: https://<env>.<domain>/ */
export function serviceUrl(vars: NamingVars, environment: string): string {
  return `https://${zoneName(vars, environment)}/`;
}

/** The Jenkins UI: https://jenkins.<mgmt env>.<domain>/ */
export function jenkinsUrl(vars: NamingVars, managementEnvironment: string): string {
  return `https://jenkins.${zoneName(vars, managementEnvironment)}/`;
}

/** The read-only role `terraform plan` runs as on Jenkins (mgmt stack; the infrastructure job assumes it). */
export function terraformPlanRoleName(vars: NamingVars): string {
  return `${vars.project}-terraform-plan`;
}

/** The customer-managed KMS key of the Terraform state bucket (made by bootstrap-state; the plan role decrypts with it). */
export function stateKeyAlias(vars: NamingVars): string {
  return `alias/${vars.project}-terraform-state`;
}

/** The Jenkins build agent host (`<project>-jenkins-build-agent`): builds, and deploys where no approval is needed. */
export function buildAgentName(vars: NamingVars): string {
  return `${vars.project}-jenkins-build-agent`;
}

/** The Jenkins deploy agent host of an environment with approval (`<project>-jenkins-deploy-<env>`). */
export function deployAgentName(vars: NamingVars, environment: string): string {
  return `${vars.project}-jenkins-deploy-${environment}`;
}

/** The alarms that guard each rollout of a service (ECS deployment alarms with rollback). */
export const DEPLOYMENT_ALARM_KINDS = [
  "target-5xx-rate",
  "load-balancer-5xx",
  "unhealthy-targets",
  "p99-response-time",
] as const;
export type DeploymentAlarmKind = (typeof DEPLOYMENT_ALARM_KINDS)[number];

/** Any alarm of an environment's service: `<project>-<env>-<service>-<kind>`. */
export function serviceAlarmName(vars: NamingVars, environment: string, service: string, kind: string): string {
  return `${vars.project}-${environment}-${service}-${kind}`;
}

/** Every deployment alarm of a service, by kind (serviceAlarmName). The stack creates them; the
 *  deploy script names the one that rolled a release back. */
export function deploymentAlarmNames(
  vars: NamingVars,
  environment: string,
  service: string,
): Record<DeploymentAlarmKind, string> {
  const entries = DEPLOYMENT_ALARM_KINDS.map((kind) => [kind, serviceAlarmName(vars, environment, service, kind)]);
  return Object.fromEntries(entries) as Record<DeploymentAlarmKind, string>;
}

/** The SNS topic an environment's alarms notify: `<project>-<env>-alarms`. */
export function alarmTopicName(vars: NamingVars, environment: string): string {
  return `${vars.project}-${environment}-alarms`;
}

/** The container in the service's task definition is named after the service. */
export function containerName(service: string): string {
  return service;
}

/** Tags deploy-service moves onto the image an environment runs (`deployed-<env>`) and onto the one it
 *  ran before (`deployed-<env>-previous`); the repository lets only this prefix move (every build tag
 *  stays immutable), and its lifecycle policy never expires an image carrying it. */
export const DEPLOYED_TAG_PREFIX = "deployed-";

export function deployedTag(environment: string): string {
  return `${DEPLOYED_TAG_PREFIX}${environment}`;
}

export function previouslyDeployedTag(environment: string): string {
  return `${DEPLOYED_TAG_PREFIX}${environment}-previous`;
}

/** The Secrets Manager secret ECR's Docker Hub pull-through cache signs in with (ECR requires the prefix). */
export function dockerHubCredentialName(vars: NamingVars): string {
  return `ecr-pullthroughcache/${vars.project}/docker-hub`;
}
