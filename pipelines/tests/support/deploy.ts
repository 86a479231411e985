/**
 * A deploy-service world in moto for the rollout, promotion and rollback tests: a service like the
 * app-env stack's with images in ECR, deploys run in process with the rollout scripted on top of
 * moto (./rollout.ts), and the options a command line would give.
 */
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type Task } from "@aws-sdk/client-ecs";
import type { Vars } from "../../../config/schema";
import { type DeployResult, deployService } from "../../src/deploy/deploy";
import { type DeployOptions, type DeployTarget, deployTarget } from "../../src/deploy/options";
import { readRecord } from "../../src/deploy/record";
import { createService, ecrClient, ecsClient, pushImage, uniqueVars } from "./aws";
import { deployment, type RolloutScript, scriptRollout } from "./rollout";

/** Who the tests' deploys say they are. */
export const RUNNER = { by: "https://jenkins.example.com/job/deploy-service/7/", commit: "0123456789abcdef" };

export function options(overrides: Partial<DeployOptions>): DeployOptions {
  return {
    environment: "dev",
    service: "frontend",
    action: "deploy",
    allowUnpromoted: false,
    allowFindings: false,
    scanWaitSeconds: 1,
    runner: RUNNER,
    timeoutSeconds: 5,
    pollSeconds: 0.02,
    rollbackOnTimeout: false,
    probeAllowFailures: 0,
    probeIntervalMs: 10,
    dryRun: false,
    ...overrides,
  };
}

export interface World {
  vars: Vars;
  target: DeployTarget;
  oldImage: string;
  newImage: string;
  oldArn: string;
}

/** A dev service running tag 41-... with tag 42-... pushed and ready to deploy. */
export async function world(environment = "dev", vars = uniqueVars()): Promise<World> {
  const target = deployTarget(vars, environment, "frontend");
  const oldImage = await pushImage(ecrClient(), target.repository, `41-aaaaaaa-6`);
  const newImage = await pushImage(ecrClient(), target.repository, `42-bbbbbbb-7`);
  const { taskDefinitionArn } = await createService(ecsClient(), target, oldImage);
  return { vars, target, oldImage, newImage, oldArn: taskDefinitionArn };
}

export async function run(
  w: World,
  script: RolloutScript,
  overrides: Partial<DeployOptions> = {},
  stopped?: (newArn: string) => Task[],
) {
  const ecs = ecsClient();
  const { updates } = scriptRollout(ecs, script, stopped);
  const lines: string[] = [];
  const result: DeployResult = await deployService(options({ image: "42-bbbbbbb-7", ...overrides }), {
    ecs,
    ecr: ecrClient(),
    vars: w.vars,
    log: (line) => lines.push(line),
  });
  return { result, updates, log: lines.join("\n") };
}

export async function serviceTaskDefinition(target: DeployTarget): Promise<string | undefined> {
  const described = await ecsClient().send(
    new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
  );
  return described.services?.[0]?.taskDefinition;
}

/** ECS's rollout: new tasks start beside the old ones, then the old ones drain. */
export const completes: RolloutScript = ({ updates, previous, poll }) => {
  const next = String(updates.at(-1));
  if (poll === 0) {
    return {
      deployments: [
        deployment("PRIMARY", next, "IN_PROGRESS", 0, 1),
        deployment("ACTIVE", previous, "COMPLETED", 1, 1),
      ],
      events: [{ id: "e1", createdAt: new Date(), message: "(service frontend) has started 1 tasks: (task 1)." }],
    };
  }
  if (poll === 1) {
    return {
      deployments: [
        deployment("PRIMARY", next, "IN_PROGRESS", 1, 1),
        deployment("ACTIVE", previous, "COMPLETED", 1, 1),
      ],
    };
  }
  return { deployments: [deployment("PRIMARY", next, "COMPLETED", 1, 1)] };
};

export const stuck: RolloutScript = ({ updates, previous }) => ({
  deployments: [
    deployment("PRIMARY", String(updates[0]), "IN_PROGRESS", 0, 1),
    deployment("ACTIVE", previous, "COMPLETED", 1, 1),
  ],
});

/** A revision as moto holds it, with its tags. */
export async function describeRevision(arn: string | undefined) {
  const response = await ecsClient().send(
    new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }),
  );
  return { taskDefinition: response.taskDefinition, tags: response.tags ?? [] };
}

/** The service's current revision: its image and deploy record. */
export async function running(target: DeployTarget) {
  const { taskDefinition, tags } = await describeRevision(await serviceTaskDefinition(target));
  return {
    arn: taskDefinition?.taskDefinitionArn,
    image: taskDefinition?.containerDefinitions?.[0]?.image,
    record: readRecord(tags),
  };
}
