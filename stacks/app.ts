/** Builds the App: one stack per layer, one per environment. main.ts and the tests call this. */
import { App } from "cdktf";
import { applicationEnvironmentNames, managementEnvironmentName, SHARED_LAYER_STACKS } from "../config/roles";
import type { Vars } from "../config/schema";
import { AppEnvironmentStack } from "./app-env/stack";
import { GlobalStack } from "./global/stack";
import { ManagementStack } from "./mgmt/stack";
import { NetworkStack } from "./network/stack";

export interface PlatformStacks {
  readonly global: GlobalStack;
  readonly network: NetworkStack;
  /** Bastion and Jenkins, named after the environment that declares `management` (mgmt). */
  readonly management: ManagementStack;
  /** One per environment file with a `service` (dev, prod, ...), keyed by environment name. */
  readonly applications: Readonly<Record<string, AppEnvironmentStack>>;
}

export function buildPlatform(app: App, vars: Vars): PlatformStacks {
  const [globalId, networkId] = SHARED_LAYER_STACKS;
  const global = new GlobalStack(app, globalId, { vars });
  const network = new NetworkStack(app, networkId, { vars });
  const applications = Object.fromEntries(
    applicationEnvironmentNames(vars).map((name) => [
      name,
      new AppEnvironmentStack(app, name, { vars, environment: name, network, global }),
    ]),
  );
  const managementName = managementEnvironmentName(vars);
  const management = new ManagementStack(app, managementName, { vars, environment: managementName, network, global });
  return { global, network, applications, management };
}

export function createApp(outdir?: string): App {
  return new App(outdir === undefined ? {} : { outdir });
}
