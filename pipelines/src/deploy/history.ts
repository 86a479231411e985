/**
 * A service's deploy history, read from ECS only: the family's newest revisions with their deploy
 * records (tags, see ./record.ts) and which of them ran. A revision ran when the service runs it
 * steadily now, or when a later revision records it as the one it replaced (deploy-service
 * registers only while no rollout is in flight, so what it replaces had completed its rollout).
 * A revision whose rollout failed is replaced by nothing, so it never counts as ran.
 */
import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  ListTaskDefinitionsCommand,
  type Service,
  type Tag,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import type { DeployTarget } from "./options";
import { describeService, steadyRevision } from "./preflight";
import { type DeployRecord, readRecord } from "./record";
import { containerImage, revisionName } from "./task-definition";

/** Revisions read for promotion and rollback: the window in which "ran" can be proven. */
export const HISTORY_DEPTH = 25;
/** Concurrent DescribeTaskDefinition calls (ECS throttles bursts of reads). */
const CONCURRENCY = 8;

export interface Revision {
  readonly arn: string;
  /** `family:revision`. */
  readonly name: string;
  readonly revision: number;
  readonly image: string;
  /** The image's tag, or the whole image reference when it has none. */
  readonly tag: string;
  readonly registeredAt?: Date;
  readonly record: DeployRecord;
  readonly taskDefinition: TaskDefinition;
  readonly tags: readonly Tag[];
  /** Ran to completion in this environment (see the file comment). */
  readonly ran: boolean;
  /** The service runs it now. */
  readonly current: boolean;
}

export interface History {
  readonly target: DeployTarget;
  readonly service: Service;
  /** The revision the service runs (or rolls out) now. */
  readonly current: Revision;
  /** The family's newest revisions, newest first (the current one included even when older). */
  readonly revisions: readonly Revision[];
}

/** The tag of `image` (`…/frontend:42-1a2b3c4-7` → `42-1a2b3c4-7`). */
export function tagOf(image: string): string {
  const afterSlash = image.slice(image.lastIndexOf("/") + 1);
  const colon = afterSlash.lastIndexOf(":");
  return colon === -1 ? image : afterSlash.slice(colon + 1);
}

async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const revisionNumber = (arn: string) => Number(arn.split(":").pop());

/** The `depth` newest revisions of the target's family, and which ran. Read-only. */
export async function readHistory(ecs: ECSClient, target: DeployTarget, depth = HISTORY_DEPTH): Promise<History> {
  const [service, listed] = await Promise.all([
    describeService(ecs, target),
    ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: target.family, sort: "DESC", maxResults: Math.min(depth, 100) }),
    ),
  ]);
  const currentArn = String(service.taskDefinition);
  // The family prefix also matches longer family names; ECS sorts newest first, emulators may not.
  const arns = (listed.taskDefinitionArns ?? [])
    .filter((arn) => revisionName(arn).split(":")[0] === target.family)
    .sort((a, b) => revisionNumber(b) - revisionNumber(a))
    .slice(0, depth);
  if (!arns.includes(currentArn)) arns.push(currentArn);
  const described = await mapLimited(arns, CONCURRENCY, async (arn) => {
    const response = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }));
    return { arn, taskDefinition: response.taskDefinition ?? {}, tags: response.tags ?? [] };
  });
  const records = described.map((entry) => readRecord(entry.tags));
  const replaced = new Set(records.flatMap((record) => (record.replaced ? [record.replaced] : [])));
  const steady = steadyRevision(service);
  const revisions = described.map(({ arn, taskDefinition, tags }, index): Revision => {
    const image = containerImage(taskDefinition, target.container);
    const name = revisionName(arn);
    return {
      arn,
      name,
      revision: taskDefinition.revision ?? revisionNumber(arn),
      image,
      tag: tagOf(image),
      registeredAt: taskDefinition.registeredAt,
      record: records[index],
      taskDefinition,
      tags,
      ran: replaced.has(name) || arn === steady,
      current: arn === currentArn,
    };
  });
  const current = revisions.find((revision) => revision.current) as Revision;
  return { target, service, current, revisions };
}

/** Tags that ran, newest first, each once. */
export function ranTags(history: History): string[] {
  return [...new Set(history.revisions.filter((revision) => revision.ran).map((revision) => revision.tag))];
}

/** The revision that ran before `revision`: for a rollback copy, what ran before its original. */
export function previousRevision(history: History, revision: Revision): Revision | undefined {
  const byName = new Map(history.revisions.map((entry) => [entry.name, entry]));
  let subject: Revision | undefined = revision;
  const seen = new Set<string>();
  while (subject?.record.copyOf && !seen.has(subject.name)) {
    seen.add(subject.name);
    subject = byName.get(subject.record.copyOf);
  }
  return subject?.record.replaced ? byName.get(subject.record.replaced) : undefined;
}

function formatTime(date: Date | undefined): string {
  return date
    ? date
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, "Z")
    : "-";
}

/** The history as `deploy-service --history` prints it, newest first. */
export function formatHistory(history: History, limit: number): string {
  const shown = history.revisions.slice(0, limit);
  const lines = [`${history.target.service} in ${history.target.environment}: the ${shown.length} newest revisions`];
  for (const revision of shown) {
    const state = revision.current ? "running" : revision.ran ? "ran" : "never ran";
    const { record } = revision;
    const details = [
      record.action && `${record.action}${record.promotedFrom ? ` from ${record.promotedFrom}` : ""}`,
      record.copyOf && `copy of ${record.copyOf}`,
      record.by && `by ${record.by}`,
      record.commit && `commit ${record.commit.slice(0, 12)}`,
      record.allowedFindings && `allowed findings: ${record.allowedFindings}`,
      record.reason && `reason: ${record.reason}`,
    ].filter(Boolean);
    lines.push(
      `  ${revision.name}  ${formatTime(revision.registeredAt)}  ${state.padEnd(9)}  ${revision.tag}` +
        (details.length > 0 ? `  (${details.join("; ")})` : "  (not registered by deploy-service)"),
    );
  }
  return lines.join("\n");
}
