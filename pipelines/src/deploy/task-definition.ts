/**
 * The new revision is a copy of a task definition with one change: the image of the service's
 * container. Every other field is copied; the fields ECS sets itself are dropped.
 * The copy starts from the newest revision of the family: Terraform owns the task's shape (CPU,
 * memory, ports, logging) and registers new revisions without touching the service, so a deploy
 * is what rolls those changes out. `shapeChanges` names them so the deploy can say so.
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

/** What `newer` changes compared with `running`, ignoring read-only fields and `container`'s image. */
export function shapeChanges(running: TaskDefinition, newer: TaskDefinition, container: string): string[] {
  const comparable = (definition: TaskDefinition) => {
    const copy = structuredClone(definition) as Record<string, unknown>;
    for (const field of READ_ONLY_FIELDS) delete copy[field];
    const containers = new Map(
      (definition.containerDefinitions ?? []).map((entry) => [
        entry.name,
        JSON.stringify({ ...entry, image: entry.name === container ? undefined : entry.image }),
      ]),
    );
    delete copy.containerDefinitions;
    return { fields: copy, containers };
  };
  const a = comparable(running);
  const b = comparable(newer);
  const changed = [...new Set([...Object.keys(a.fields), ...Object.keys(b.fields)])]
    .filter((key) => JSON.stringify(a.fields[key]) !== JSON.stringify(b.fields[key]))
    .sort();
  for (const name of new Set([...a.containers.keys(), ...b.containers.keys()])) {
    if (a.containers.get(name) !== b.containers.get(name)) changed.push(`container ${name}`);
  }
  return changed;
}
