/**
 * vitest global setup: one moto server on loopback for the whole run, stopped afterwards.
 * Tests read its endpoint with `inject("motoEndpoint")` (see ./aws.ts). Makes .venv when it is missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { MOTO_SERVER, startMoto } from "./moto-server";

/** Running tasks moto reports for a new service: desiredCount ≤ 2 starts COMPLETED, more stays IN_PROGRESS. */
export const MOTO_ECS_SERVICE_RUNNING = "2";

export default async function setup(project: TestProject) {
  if (!existsSync(MOTO_SERVER)) {
    // `pnpm test` makes .venv first; a bare `vitest run` on a fresh checkout makes it here.
    spawnSync("bash", [resolve(import.meta.dirname, "../../../scripts/ensure-venv.sh")], { stdio: "inherit" });
  }
  const moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING });
  project.provide("motoEndpoint", moto.endpoint);
  return () => moto.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}
