/**
 * Which environment plays which part, derived from the validated Vars in one place: the vars
 * template, the loader's check and the stacks all ask here.
 */
import type { Vars } from "./schema";

/** Every environment file with a `service`: one app-env stack each, and a Jenkins deploy target. */
export function applicationEnvironmentNames(vars: Pick<Vars, "environments">): string[] {
  return Object.values(vars.environments)
    .filter((environment) => environment.service !== undefined)
    .map((environment) => environment.name)
    .sort();
}

/** Every environment file that declares `management` (valid vars have exactly one). */
export function managementEnvironmentNames(vars: Pick<Vars, "environments">): string[] {
  return Object.values(vars.environments)
    .filter((environment) => environment.management !== undefined)
    .map((environment) => environment.name);
}

/** The one environment that declares `management`: the bastion and Jenkins. */
export function managementEnvironmentName(vars: Pick<Vars, "environments">): string {
  const managers = managementEnvironmentNames(vars);
  if (managers.length !== 1) {
    throw new Error(
      `exactly one environment must declare "management" (the bastion and Jenkins); found ${managers.length}. Fix environments/*.yaml and run \`pnpm vars\``,
    );
  }
  return managers[0];
}

/** The shared layers every other stack reads from (remote state); they depend on nothing. */
export const SHARED_LAYER_STACKS = ["global", "network"] as const;

/**
 * Every stack id in dependency order: the shared layers, the management layer, then each
 * application environment by name. Terraform plans and applies the stacks in this order.
 */
export function stackOrder(vars: Pick<Vars, "environments">): string[] {
  return [...SHARED_LAYER_STACKS, managementEnvironmentName(vars), ...applicationEnvironmentNames(vars)];
}
