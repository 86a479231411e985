/**
 * The new revision is the service's current task definition with one change: the image of the
 * service's container. Every other field is copied; the fields ECS sets itself are dropped.
 */
import type { RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from "@aws-sdk/client-ecs";

/** Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not accept. */
export const READ_ONLY_FIELDS = [
  "taskDefinitionArn",
  "revision",
  "status",
  "requiresAttributes",
  "compatibilities",
  "registeredAt",
  "registeredBy",
  "deregisteredAt",
  "deleteRequestedAt",
] as const satisfies readonly (keyof TaskDefinition)[];

export function containerImage(taskDefinition: TaskDefinition, container: string): string {
  const found = taskDefinition.containerDefinitions?.find((definition) => definition.name === container);
  if (!found?.image) {
    const names = (taskDefinition.containerDefinitions ?? []).map((definition) => definition.name).join(", ");
    throw new Error(
      `task definition ${taskDefinition.taskDefinitionArn} has no container "${container}" (containers: ${names}); ` +
        "the stacks name the container after the service (lib/naming.ts containerName)",
    );
  }
  return found.image;
}

/** RegisterTaskDefinition input: `current` with `container`'s image set to `image`, tags kept. */
export function withImage(
  current: TaskDefinition,
  tags: readonly Tag[] | undefined,
  container: string,
  image: string,
): RegisterTaskDefinitionCommandInput {
  containerImage(current, container); // throws when the container is missing
  const copy = structuredClone(current) as Record<string, unknown>;
  for (const field of READ_ONLY_FIELDS) delete copy[field];
  const input = copy as unknown as RegisterTaskDefinitionCommandInput;
  input.containerDefinitions = (input.containerDefinitions ?? []).map((definition) =>
    definition.name === container ? { ...definition, image } : definition,
  );
  if (tags && tags.length > 0) input.tags = tags.map((tag) => ({ ...tag }));
  return input;
}

/** `family:revision` of a task definition ARN, the way the ECS console shows it. */
export function revisionName(taskDefinitionArn: string | undefined): string {
  return taskDefinitionArn?.split("/").pop() ?? "(none)";
}
