/** Builds the App: one stack per layer, one per environment. main.ts and the tests call this. */
import { App } from "cdktf";
import type { Vars } from "../scripts/vars/schema";
import { GlobalStack } from "./global/stack";
import { NetworkStack } from "./network/stack";

export interface PlatformStacks {
  readonly global: GlobalStack;
  readonly network: NetworkStack;
}

export function buildPlatform(app: App, vars: Vars): PlatformStacks {
  const global = new GlobalStack(app, "global", { vars });
  const network = new NetworkStack(app, "network", { vars });
  return { global, network };
}

export function createApp(outdir?: string): App {
  return new App(outdir === undefined ? {} : { outdir });
}
