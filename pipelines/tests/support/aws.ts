/**
 * Tests' access to moto: clients pointed at the server the global setup started, and vars with
 * unique names. The fixtures themselves are in ./fixtures.ts.
 */
import { randomBytes } from "node:crypto";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { inject } from "vitest";
import type { Vars } from "../../../config/schema";
import { vars } from "../../../stacks/global/vars";
import { clientConfig } from "../../src/aws/config";
import { motoClientEnv } from "./moto-server";

/** Points this process's SDK clients (and child processes that inherit its env) at moto. */
export function useMoto(): string {
  const endpoint = inject("motoEndpoint");
  Object.assign(process.env, motoClientEnv(endpoint));
  delete process.env.AWS_PROFILE;
  return endpoint;
}

export function ecsClient(): ECSClient {
  return new ECSClient(clientConfig(vars.region));
}

export function ecrClient(): ECRClient {
  return new ECRClient(clientConfig(vars.region));
}

/**
 * The rendered vars with a unique project and ECR repository, so that every name derived from them
 * (cluster, task family, repository) is unique and test files can share one moto server.
 */
export function uniqueVars(): Vars {
  const copy = structuredClone(vars);
  const suffix = randomBytes(4).toString("hex");
  return { ...copy, project: `${copy.project}-${suffix}`, ecr: { ...copy.ecr, repositoryName: `frontend-${suffix}` } };
}

export { createService, pushImage, revisionsOf } from "./fixtures";
