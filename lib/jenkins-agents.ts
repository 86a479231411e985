/**
 * Names of the Jenkins agents that several parts must agree on: the inventory (`pnpm inventory`)
 * names the hosts and gives them their labels, the Jenkins role declares them to the controller
 * with those labels, and the Jenkinsfiles (through `jenkins-settings`) ask for them. Pure, free of
 * dependencies (the pipelines package imports it).
 */

/** Label of the build agent: every build, and deploys to environments without `approval`. */
export const BUILD_AGENT_LABEL = "build";

/** Inventory group and host of the build agent. */
export const BUILD_AGENTS_GROUP = "jenkins_build_agents";
export const BUILD_AGENT_HOST = "build-agent";

/** Inventory group of the deploy agents, one per environment with `approval`. */
export const DEPLOY_AGENTS_GROUP = "jenkins_deploy_agents";

/** Label of an approval environment's deploy agent: the only node that deploys there. */
export function deployAgentLabel(environment: string): string {
  return `deploy-${environment}`;
}

/** Inventory host of an approval environment's deploy agent. */
export function deployAgentHost(environment: string): string {
  return `deploy-agent-${environment}`;
}

/** The label deploy-service runs on for `environment`: its deploy agent where it asks for an
 *  approval, else the build agent. */
export function deployLabel(environment: string, approval: boolean): string {
  return approval ? deployAgentLabel(environment) : BUILD_AGENT_LABEL;
}
