/**
 * Names that more than one part of the system must agree on: the stacks create these
 * resources, the Jenkins role is scoped to them, and the deploy script looks them up.
 * Pure functions of the rendered vars, free of dependencies (the pipelines package imports it).
 */
export interface NamingVars {
  readonly project: string;
  readonly domain: string;
}

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

/** The container in the service's task definition is named after the service. */
export function containerName(service: string): string {
  return service;
}
