/**
 * `deploy-service --rollback [--to <revision | tag>]`: chooses the revision to put back from the
 * service's history in ECS (./history.ts) and plans registering an exact copy of it (its image
 * and its shape) with a new deploy record. The rest of the deploy (lock, register, update, wait,
 * probe, summary) is the same as any deploy's. Read-only until the plan is carried out.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { ECSClient } from "@aws-sdk/client-ecs";
import { UsageError } from "../../../lib/cli";
import { type History, previousRevision, type Revision, ranTags, readHistory } from "./history";
import type { DeployOptions, DeployTarget } from "./options";
import { assertImageExists, assertNoDeploymentInProgress, type DeployPlan, repositoryUri } from "./preflight";
import { withRecord } from "./record";
import { shapeChanges, withImage } from "./task-definition";

function ranRecently(history: History): string {
  const names = history.revisions
    .filter((revision) => revision.ran)
    .map((revision) => `${revision.name} (${revision.tag})`);
  return names.slice(0, 5).join(", ") || "none";
}

/** The revision `--to` names: a number, `family:number`, or an image tag (its newest revision that ran). */
export function namedRevision(history: History, to: string): Revision {
  const { target } = history;
  const number = /^(?:(.+):)?(\d+)$/.exec(to);
  if (number && (number[1] === undefined || number[1] === target.family)) {
    const found = history.revisions.find((revision) => revision.revision === Number(number[2]));
    if (!found) {
      throw new UsageError(
        `--to ${to}: ${target.family}:${number[2]} is not among the family's newest revisions; ran recently: ${ranRecently(history)}`,
      );
    }
    return found;
  }
  const tagged = history.revisions.filter((revision) => revision.tag === to || revision.image === to);
  const ran = tagged.find((revision) => revision.ran);
  if (ran) return ran;
  if (tagged.length > 0) {
    throw new UsageError(
      `--to ${to}: ${tagged.map((revision) => revision.name).join(", ")} never ran in ${target.environment} ` +
        `(the rollout did not complete); ran recently: ${ranRecently(history)}`,
    );
  }
  throw new UsageError(
    `--to ${to}: image tag ${to} was never deployed to ${target.environment}; tags it ran: ${ranTags(history).slice(0, 5).join(", ") || "none"}`,
  );
}

/** The revision a rollback puts back, checked: it ran, and it is not what runs now. */
export function rollbackTarget(history: History, to: string | undefined): Revision {
  const { current, target } = history;
  const chosen = to === undefined ? previousRevision(history, current) : namedRevision(history, to);
  if (!chosen) {
    throw new UsageError(
      `no record of what ran in ${target.environment} before ${current.name}: pass --to <revision | tag>; ran recently: ${ranRecently(history)}`,
    );
  }
  if (!chosen.ran) {
    throw new UsageError(
      `${chosen.name} never ran in ${target.environment} (its rollout did not complete); pick another with --to`,
    );
  }
  if (chosen.current) throw new UsageError(`${target.service} in ${target.environment} runs ${chosen.name} already`);
  return chosen;
}

export async function planRollback(
  ecs: ECSClient,
  ecr: ECRClient,
  target: DeployTarget,
  options: Pick<DeployOptions, "rollbackTo" | "runner" | "reason">,
): Promise<DeployPlan> {
  const history = await readHistory(ecs, target);
  assertNoDeploymentInProgress(history.service, target);
  const chosen = rollbackTarget(history, options.rollbackTo);
  const uri = await repositoryUri(ecr, target.repository);
  // Images expire from ECR (lifecycle rule): one that is gone cannot start again.
  if (chosen.image === `${uri}:${chosen.tag}`) await assertImageExists(ecr, target.repository, chosen.tag);
  const { current } = history;
  const record = {
    action: "rollback",
    ...options.runner,
    reason: options.reason,
    replaced: current.name,
    copyOf: chosen.name,
  };
  return {
    target,
    service: history.service,
    current: current.taskDefinition,
    base: chosen.taskDefinition,
    shapeChanges: shapeChanges(current.taskDefinition, chosen.taskDefinition, target.container),
    oldImage: current.image,
    newImage: chosen.image,
    tag: chosen.tag,
    uri,
    record,
    register: withImage(chosen.taskDefinition, withRecord(chosen.tags, record), target.container, chosen.image),
  };
}
