/**
 * Waits for a rollout and says how it ended. Success is the PRIMARY deployment running the new
 * task definition with rolloutState COMPLETED: a "stable" service is not enough, because a
 * circuit-breaker rollback also ends stable (on the old revision).
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  type Deployment,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  type Service,
  type ServiceEvent,
} from "@aws-sdk/client-ecs";
import type { DeployTarget } from "./options";
import { describeService } from "./preflight";
import { revisionName } from "./task-definition";

/** An unchanged status is repeated this often, so a long wave still shows signs of life. */
const HEARTBEAT_MS = 30_000;

export type RolloutOutcome =
  | { readonly state: "completed"; readonly detail: string }
  | {
      readonly state: "failed" | "rolled-back";
      readonly detail: string;
      readonly stoppedReasons: string[];
      /** Deployment alarms the rollout state reason names: the alarms that rolled it back. */
      readonly alarms: string[];
    }
  | { readonly state: "timeout"; readonly detail: string };

/** The service's deployment alarms that `reason` names (ECS names the alarm that failed a rollout). */
export function alarmsIn(reason: string | undefined, alarmNames: readonly string[]): string[] {
  return reason ? alarmNames.filter((name) => reason.includes(name)) : [];
}

export interface WaitOptions {
  readonly target: DeployTarget;
  /** The task definition the rollout must end on. */
  readonly taskDefinitionArn: string;
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly log: (line: string) => void;
  /** Service events older than this are not printed. @default - now */
  readonly since?: Date;
}

function counts(deployment: Deployment): string {
  return (
    `${revisionName(deployment.taskDefinition)} ${deployment.status} ${deployment.rolloutState ?? "-"}: ` +
    `desired ${deployment.desiredCount ?? 0}, running ${deployment.runningCount ?? 0}, pending ${deployment.pendingCount ?? 0}` +
    (deployment.failedTasks ? `, failed ${deployment.failedTasks}` : "")
  );
}

/** One line per deployment, PRIMARY first: what runs right now. */
export function describeDeployments(service: Service): string {
  const deployments = [...(service.deployments ?? [])].sort((a, b) =>
    a.status === "PRIMARY" ? -1 : b.status === "PRIMARY" ? 1 : 0,
  );
  return deployments.map(counts).join(" | ") || "no deployments";
}

function isComplete(service: Service, primary: Deployment | undefined, taskDefinitionArn: string): boolean {
  if (primary?.taskDefinition !== taskDefinitionArn) return false;
  if (primary.rolloutState === "COMPLETED") return true;
  // Services without rollout states (older ECS controllers): one deployment, every task running.
  return (
    primary.rolloutState === undefined &&
    service.deployments?.length === 1 &&
    primary.runningCount === primary.desiredCount
  );
}

/** Why the new revision's tasks stopped: the stoppedReason of each, and of its containers. */
export async function stoppedReasons(ecs: ECSClient, target: DeployTarget, taskDefinitionArn: string) {
  const listed = await ecs.send(
    new ListTasksCommand({ cluster: target.cluster, serviceName: target.service, desiredStatus: "STOPPED" }),
  );
  if (!listed.taskArns?.length) return [];
  const described = await ecs.send(
    new DescribeTasksCommand({ cluster: target.cluster, tasks: listed.taskArns.slice(0, 100) }),
  );
  const reasons = new Set<string>();
  for (const task of described.tasks ?? []) {
    if (task.taskDefinitionArn !== taskDefinitionArn) continue;
    const containers = (task.containers ?? [])
      .filter((container) => container.reason || container.exitCode)
      .map((container) => `${container.name}: ${container.reason ?? `exit code ${container.exitCode}`}`);
    reasons.add([task.stoppedReason ?? "stopped", ...containers].join("; "));
  }
  return [...reasons].slice(0, 10);
}

function newEvents(service: Service, since: Date, seen: Set<string>): ServiceEvent[] {
  return (service.events ?? [])
    .filter((event) => event.id && !seen.has(event.id) && (!event.createdAt || event.createdAt >= since))
    .reverse(); // ECS lists the newest first
}

export async function waitForRollout(ecs: ECSClient, options: WaitOptions): Promise<RolloutOutcome> {
  const { target, taskDefinitionArn, log } = options;
  const started = Date.now();
  const since = options.since ?? new Date(started - 1000);
  const seenEvents = new Set<string>();
  const revision = revisionName(taskDefinitionArn);
  let seenOurs = false;
  let lastStatus = "";
  let lastPrinted = 0;
  for (;;) {
    const service = await describeService(ecs, target);
    const elapsed = `${Math.round((Date.now() - started) / 1000)}s`;
    for (const event of newEvents(service, since, seenEvents)) {
      seenEvents.add(String(event.id));
      log(`  ${elapsed} event: ${event.message}`);
    }
    const status = describeDeployments(service);
    if (status !== lastStatus || Date.now() - lastPrinted >= HEARTBEAT_MS) {
      log(`  ${elapsed} ${status}`);
      lastPrinted = Date.now();
    }
    lastStatus = status;

    const deployments = service.deployments ?? [];
    const primary = deployments.find((deployment) => deployment.status === "PRIMARY");
    const ours = deployments.find((deployment) => deployment.taskDefinition === taskDefinitionArn);
    seenOurs ||= ours !== undefined;
    if (ours?.rolloutState === "FAILED") {
      return {
        state: "failed",
        detail: `rollout of ${revision} FAILED: ${ours.rolloutStateReason ?? "no reason given"}`,
        stoppedReasons: await stoppedReasons(ecs, target, taskDefinitionArn),
        alarms: alarmsIn(ours.rolloutStateReason, target.alarmNames),
      };
    }
    if (isComplete(service, primary, taskDefinitionArn)) {
      return { state: "completed", detail: `${revision} runs ${primary?.runningCount}/${primary?.desiredCount} tasks` };
    }
    if (seenOurs && primary && primary.taskDefinition !== taskDefinitionArn) {
      return {
        state: "rolled-back",
        detail:
          `ECS rolled ${target.service} back to ${revisionName(primary.taskDefinition)}` +
          (ours?.rolloutStateReason ? `: ${ours.rolloutStateReason}` : ""),
        stoppedReasons: await stoppedReasons(ecs, target, taskDefinitionArn),
        alarms: alarmsIn(ours?.rolloutStateReason, target.alarmNames),
      };
    }
    if (Date.now() - started >= options.timeoutMs) {
      return {
        state: "timeout",
        detail: `${revision} not rolled out after ${Math.round(options.timeoutMs / 1000)}s; still running: ${status}`,
      };
    }
    await sleep(options.pollMs);
  }
}
