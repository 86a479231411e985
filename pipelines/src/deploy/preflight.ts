/**
 * Everything deploy-service checks before it changes anything: the service exists, is ACTIVE
 * and is not mid-deployment (the deploy lock), the image tag is in ECR, and the current task
 * definition has the service's container. Read-only calls only.
 */
import { DescribeImagesCommand, DescribeRepositoriesCommand, type ECRClient } from "@aws-sdk/client-ecr";
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { UsageError } from "../../../lib/cli";
import { ENVIRONMENT_TAG } from "../../../lib/naming";
import { awsErrorName } from "../aws/config";
import { type DeployTarget, imageTag } from "./options";
import { type DeployRecord, withRecord } from "./record";
import { containerImage, revisionName, shapeChanges, withImage } from "./task-definition";

/** The service's state forbids the deploy (missing, inactive, already deploying): exit 1. */
export class PreflightError extends Error {
  override name = "PreflightError";
}

export interface DeployPlan {
  readonly target: DeployTarget;
  readonly service: Service;
  readonly current: TaskDefinition;
  /** The revision the new one is copied from: the family's newest (Terraform's), or `current`. */
  readonly base: TaskDefinition;
  /** Fields in which `base` differs from `current` besides the image: they roll out too. */
  readonly shapeChanges: readonly string[];
  readonly oldImage: string;
  readonly newImage: string;
  readonly tag: string;
  /** The service repository's URI: images under it carry scans and markers. */
  readonly uri: string;
  /** Who and why, as recorded on the new revision. */
  readonly record: DeployRecord;
  readonly register: RegisterTaskDefinitionCommandInput;
}

export async function describeService(ecs: ECSClient, target: DeployTarget): Promise<Service> {
  const response = await ecs.send(new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }));
  const service = response.services?.[0];
  if (!service) {
    const reason = response.failures?.[0]?.reason ?? "MISSING";
    throw new PreflightError(
      `service ${target.service} not found in cluster ${target.cluster} (${reason}); ` +
        `deploy the ${target.environment} stack first (cdktf deploy ${target.environment})`,
    );
  }
  return service;
}

/** The revision the service runs steadily: one deployment, PRIMARY, completed; none mid-rollout. */
export function steadyRevision(service: Service): string | undefined {
  const deployments = service.deployments ?? [];
  const [only] = deployments;
  const settled = only?.rolloutState === "COMPLETED" || only?.rolloutState === undefined;
  return deployments.length === 1 && only.status === "PRIMARY" && settled ? service.taskDefinition : undefined;
}

/** The deploy lock: ECS runs one rollout at a time per service, and so do we. The service must be ACTIVE. */
export function assertNoDeploymentInProgress(service: Service, target: DeployTarget): void {
  if (service.status !== "ACTIVE") {
    throw new PreflightError(`service ${target.service} in ${target.cluster} is ${service.status}, not ACTIVE`);
  }
  const inFlight = (service.deployments ?? []).filter(
    (deployment) => deployment.status !== "PRIMARY" || deployment.rolloutState === "IN_PROGRESS",
  );
  if (inFlight.length === 0) return;
  const primary = service.deployments?.find((deployment) => deployment.status === "PRIMARY") ?? inFlight[0];
  throw new PreflightError(
    `a deployment of ${target.service} in ${target.environment} is in progress: ${primary.id} ` +
      `(${revisionName(primary.taskDefinition)}, rollout ${primary.rolloutState ?? "unknown"}, ` +
      `${service.deployments?.length} deployments); wait for it to finish, then deploy again`,
  );
}

async function currentTaskDefinition(ecs: ECSClient, arn: string) {
  const response = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }));
  if (!response.taskDefinition) throw new PreflightError(`task definition ${arn} not found`);
  return { taskDefinition: response.taskDefinition, tags: response.tags };
}

/** The image `environment` runs steadily now, for promotion (`--from dev`): its tag, checked again in ECR. */
export async function runningImage(ecs: ECSClient, target: DeployTarget): Promise<string> {
  const service = await describeService(ecs, target);
  const steady = steadyRevision(service);
  if (!steady) {
    throw new PreflightError(
      `${target.environment} is rolling out ${revisionName(service.taskDefinition)} right now: ` +
        `promote once its rollout has completed (deploy-service --history --environment ${target.environment})`,
    );
  }
  const { taskDefinition } = await currentTaskDefinition(ecs, steady);
  return containerImage(taskDefinition, target.container);
}

export async function repositoryUri(ecr: ECRClient, repository: string): Promise<string> {
  try {
    const response = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repository] }));
    const uri = response.repositories?.[0]?.repositoryUri;
    if (!uri) throw new Error(`ECR returned no URI for ${repository}`);
    return uri;
  } catch (error) {
    if (awsErrorName(error) !== "RepositoryNotFoundException") throw error;
    throw new PreflightError(`ECR repository ${repository} not found; deploy the global stack first`);
  }
}

export async function assertImageExists(ecr: ECRClient, repository: string, tag: string): Promise<void> {
  try {
    await ecr.send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }));
  } catch (error) {
    if (awsErrorName(error) !== "ImageNotFoundException") throw error;
    throw new UsageError(
      `image tag ${tag} not found in ECR repository ${repository}; push it first (the frontend job does) ` +
        `or pass a tag listed by: aws ecr describe-images --repository-name ${repository}`,
    );
  }
}

type Described = Awaited<ReturnType<typeof currentTaskDefinition>>;

/**
 * A revision newer than the running one becomes the base of the deploy (Terraform registered a shape
 * change) only if it carries the environment's own `environment` tag, as Terraform's default tags and
 * deploy-service's copies do. IAM lets a Jenkins agent register a revision only with its own
 * environments' tag, so a revision in prod's family tagged anything else came from somewhere else
 * (the build agent, a person): its containers, command and roles would ride along with the image.
 */
function assertBaseOfEnvironment(newest: Described, running: Described, target: DeployTarget): void {
  const tag = newest.tags?.find((candidate) => candidate.key === ENVIRONMENT_TAG)?.value;
  if (tag === target.environment) return;
  const name = revisionName(newest.taskDefinition.taskDefinitionArn);
  throw new PreflightError(
    `${name}, the newest revision of ${target.family} and newer than the running ` +
      `${revisionName(running.taskDefinition.taskDefinitionArn)}, is tagged ${ENVIRONMENT_TAG}=${tag ?? "(none)"}, ` +
      `not ${target.environment}: neither Terraform nor deploy-service registered it for ${target.environment}, ` +
      `so this deploy will not build on it, and nothing was changed. Find who registered it (CloudTrail, ` +
      `RegisterTaskDefinition), deregister it (aws ecs deregister-task-definition --task-definition ${name}), ` +
      `and deploy again`,
  );
}

export interface PreflightInput {
  readonly target: DeployTarget;
  /** `--image` as given, or the image of the `--from` environment. */
  readonly image: string;
  /** Who and why; `replaced` is added here (the revision the service runs). */
  readonly record: Omit<DeployRecord, "replaced">;
}

export async function preflight(ecs: ECSClient, ecr: ECRClient, input: PreflightInput): Promise<DeployPlan> {
  const { target } = input;
  const tag = imageTag(input.image, target.repository);
  const service = await describeService(ecs, target);
  assertNoDeploymentInProgress(service, target);
  // Independent reads: one round trip instead of four. The family alone names its newest ACTIVE revision.
  const [uri, , running, newest] = await Promise.all([
    repositoryUri(ecr, target.repository),
    assertImageExists(ecr, target.repository, tag),
    currentTaskDefinition(ecs, String(service.taskDefinition)),
    currentTaskDefinition(ecs, target.family),
  ]);
  const taskDefinition = running.taskDefinition;
  const useNewest =
    newest.taskDefinition.family === taskDefinition.family &&
    (newest.taskDefinition.revision ?? 0) > (taskDefinition.revision ?? 0);
  if (useNewest) assertBaseOfEnvironment(newest, running, target);
  const base = useNewest ? newest : running;
  const oldImage = containerImage(taskDefinition, target.container);
  const newImage = `${uri}:${tag}`;
  const record = { ...input.record, replaced: revisionName(taskDefinition.taskDefinitionArn) };
  return {
    target,
    service,
    current: taskDefinition,
    base: base.taskDefinition,
    shapeChanges: useNewest ? shapeChanges(taskDefinition, newest.taskDefinition, target.container) : [],
    oldImage,
    newImage,
    tag,
    uri,
    record,
    register: withImage(base.taskDefinition, withRecord(base.tags, record), target.container, newImage),
  };
}
