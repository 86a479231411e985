/**
 * Fixtures in moto (or any AWS endpoint): an ECR image, a cluster + task definition + service
 * named the way the stacks name them, and a deploy history. Free of vitest, so the benchmarks
 * seed with them too.
 */
import { randomBytes } from "node:crypto";
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  type ECRClient,
  PutImageCommand,
  StartImageScanCommand,
} from "@aws-sdk/client-ecr";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { DEPLOYED_TAG_PREFIX } from "../../../lib/naming";
import type { DeployTarget } from "../../src/deploy/options";
import { withRecord } from "../../src/deploy/record";
import { revisionName, withImage } from "../../src/deploy/task-definition";

/** Pushes an image manifest under `tag` (what `docker push` ends with) into a repository like the
 *  global stack's (build tags immutable, `deployed-*` movable), and scans it as ECR does on push
 *  (moto's scan finds one HIGH by default); returns the image URI. */
export async function pushImage(ecr: ECRClient, repository: string, tag: string, scan = true): Promise<string> {
  try {
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: repository,
        imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters: [{ filter: `${DEPLOYED_TAG_PREFIX}*`, filterType: "WILDCARD" }],
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== "RepositoryAlreadyExistsException") throw error;
  }
  const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }));
  const digest = `sha256:${randomBytes(32).toString("hex")}`;
  const manifest = {
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 1469, digest },
    layers: [],
  };
  const uri = `${described.repositories?.[0]?.repositoryUri}:${tag}`;
  try {
    await ecr.send(
      new PutImageCommand({ repositoryName: repository, imageTag: tag, imageManifest: JSON.stringify(manifest) }),
    );
  } catch (error) {
    // Build tags are immutable: a tag pushed before (another environment's world) is that image.
    if ((error as Error).name === "ImageAlreadyExistsException") return uri;
    throw error;
  }
  if (scan) await ecr.send(new StartImageScanCommand({ repositoryName: repository, imageId: { imageTag: tag } }));
  return uri;
}

export interface ServiceFixture {
  readonly taskDefinitionArn: string;
}

/** A Fargate service like the app-env stack creates, running `image`. desiredCount > 2 stays IN_PROGRESS in moto. */
export async function createService(
  ecs: ECSClient,
  target: DeployTarget,
  image: string,
  desiredCount = 1,
): Promise<ServiceFixture> {
  await ecs.send(new CreateClusterCommand({ clusterName: target.cluster }));
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: target.family,
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "256",
      memory: "512",
      executionRoleArn: `arn:aws:iam::123456789012:role/${target.family}-task-execution`,
      taskRoleArn: `arn:aws:iam::123456789012:role/${target.family}-task`,
      runtimePlatform: { cpuArchitecture: "X86_64", operatingSystemFamily: "LINUX" },
      containerDefinitions: [
        {
          name: target.container,
          image,
          essential: true,
          portMappings: [{ containerPort: 80, protocol: "tcp" }],
          environment: [{ name: "NGINX_PORT", value: "80" }],
          stopTimeout: 30,
          logConfiguration: {
            logDriver: "awslogs",
            options: { "awslogs-group": `/ecs/${target.family}`, "awslogs-region": target.region },
          },
        },
      ],
      tags: [{ key: "environment", value: target.environment }],
    }),
  );
  const taskDefinitionArn = String(registered.taskDefinition?.taskDefinitionArn);
  await ecs.send(
    new CreateServiceCommand({
      cluster: target.cluster,
      serviceName: target.service,
      taskDefinition: taskDefinitionArn,
      desiredCount,
      launchType: "FARGATE",
      deploymentConfiguration: {
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    }),
  );
  return { taskDefinitionArn };
}

export async function revisionsOf(ecs: ECSClient, family: string): Promise<string[]> {
  const listed = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }));
  return (listed.taskDefinitionArns ?? []).filter((arn) => arn.split("/").pop()?.split(":")[0] === family);
}

/**
 * What `count` completed deploys leave in ECS, without waiting for rollouts: each registers a copy
 * of the running revision with the next image and its deploy record, and points the service at it
 * (moto's service then runs it steadily). Images are pushed as `<n>-<hex>-<n>`; returns their tags.
 */
export async function recordDeploys(
  ecs: ECSClient,
  ecr: ECRClient,
  target: DeployTarget,
  count: number,
): Promise<string[]> {
  const tags: string[] = [];
  for (let deploy = 1; deploy <= count; deploy += 1) {
    const tag = `${100 + deploy}-${randomBytes(4).toString("hex").slice(0, 7)}-${deploy}`;
    const image = await pushImage(ecr, target.repository, tag);
    const service = await ecs.send(
      new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
    );
    const current = String(service.services?.[0]?.taskDefinition);
    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current, include: ["TAGS"] }));
    const record = {
      action: "deploy",
      by: "https://jenkins.example.com/job/deploy-service/1/",
      replaced: revisionName(current),
    };
    const input = withImage(
      described.taskDefinition ?? {},
      withRecord(described.tags, record),
      target.container,
      image,
    );
    const registered = await ecs.send(new RegisterTaskDefinitionCommand(input));
    await ecs.send(
      new UpdateServiceCommand({
        cluster: target.cluster,
        service: target.service,
        taskDefinition: registered.taskDefinition?.taskDefinitionArn,
      }),
    );
    tags.push(tag);
  }
  return tags;
}
