/**
 * How a service's new images reach it: the promotion road (`promoteFrom`), the approval, the time
 * one rollout may take, and the alarms that guard each rollout (ECS deployment alarms with
 * rollback). Part of the service's schema (config/schema.ts); the rules between these keys and
 * the rest of the service are here too, so that schema.ts stays the one entry point.
 */
import { z } from "zod";

/** ECR scan severities, highest first (deploy-service ranks findings in this order). */
export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"] as const;

export const DeliverySchema = z.strictObject({
  /** The environment whose images this one takes: deploy-service deploys here only an image that
   *  environment ran (its revisions' history in ECS). An application environment, checked across the
   *  files (config/promotion.ts). Unset: any image in ECR may be deployed. */
  promoteFrom: z.string().optional(),
  /** A person approves every deploy in Jenkins before it starts. */
  approval: z.boolean().default(false),
  /** How long deploy-service waits for one rollout (and Jenkins, for the Deploy stage, twice that
   *  plus set-up). At least one wave (`rolloutWaveSeconds`); at most an hour, because the Jenkins
   *  executor is held the whole time. */
  rolloutTimeoutSeconds: z.number().int().min(60).max(3600).default(900),
  /** deploy-service refuses an image whose ECR scan found a vulnerability of this severity or a
   *  higher one (`--allow-findings --reason` overrides, recorded on the revision). */
  scanFindingsThreshold: z.enum(SEVERITIES).default("CRITICAL"),
});

/** Thresholds of the alarms that guard each rollout (stacks/app-env/deployment-alarms.ts). */
export const DeploymentAlarmsSchema = z.strictObject({
  /** Per cent of requests the tasks answer with a 5xx, per minute. Below 0.1 % a single error in a
   *  quiet minute would roll a release back; above 50 % a release that fails every other request
   *  would pass. */
  target5xxPercent: z.number().min(0.1).max(50).default(5),
  /** 5xx answered by the load balancer itself per minute (no healthy target, a target timing out
   *  or resetting): requests the tasks never saw. */
  loadBalancer5xxPerMinute: z.number().int().min(1).max(100_000).default(10),
  /** Targets failing the health check at the same time. A rolling deploy registers new targets as
   *  `initial` and drains old ones as `draining`; neither counts, so 1 is safe. */
  unhealthyTargets: z.number().int().min(1).max(1000).default(1),
  /** p99 of the time targets take to answer, in ms. At most 60 s, the load balancer's idle
   *  timeout: a slower answer is cut anyway. */
  p99ResponseTimeMs: z.number().int().min(10).max(60_000).default(2000),
  /** Consecutive minutes over a threshold before an alarm fires: 1 reacts fastest, more ignores a
   *  single bad minute. At most 10: ECS watches the alarms only while a rollout lasts. */
  evaluationMinutes: z.number().int().min(1).max(10).default(2),
});

export type DeliveryVars = z.infer<typeof DeliverySchema>;
export type DeploymentAlarmsVars = z.infer<typeof DeploymentAlarmsSchema>;

/** A Fargate task's start (image pull, container start), generously: nginx starts in 30–45 s. */
export const TASK_START_SECONDS = 60;

export interface RolloutTimings {
  readonly healthCheck: { readonly intervalSeconds: number; readonly healthyThreshold: number };
  readonly deregistrationDelaySeconds: number;
  readonly stopTimeoutSeconds: number;
  readonly deployment: "rolling" | "blue-green";
  readonly blueGreenBakeTimeMinutes: number;
}

/** The longest one rollout wave takes (with 200 % every task is replaced in one wave): task start,
 *  healthy checks, draining, stop, and blue/green's bake time. */
export function rolloutWaveSeconds(service: RolloutTimings): number {
  const healthy = service.healthCheck.intervalSeconds * service.healthCheck.healthyThreshold;
  const bake = service.deployment === "blue-green" ? service.blueGreenBakeTimeMinutes * 60 : 0;
  return TASK_START_SECONDS + healthy + service.deregistrationDelaySeconds + service.stopTimeoutSeconds + bake;
}

interface Issue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** The rules between `delivery`, `alarms` and the rest of the service, as schema issues. */
export function deliveryIssues(
  service: RolloutTimings & { readonly delivery: DeliveryVars; readonly alarms: DeploymentAlarmsVars },
): Issue[] {
  const issues: Issue[] = [];
  const timeout = service.delivery.rolloutTimeoutSeconds;
  const wave = rolloutWaveSeconds(service);
  if (timeout < wave) {
    issues.push({
      path: ["delivery", "rolloutTimeoutSeconds"],
      message:
        `${timeout} is shorter than one rollout wave can take (${wave} s: task start ${TASK_START_SECONDS} + healthy checks ` +
        `+ deregistrationDelaySeconds + stopTimeoutSeconds${service.deployment === "blue-green" ? " + bake time" : ""}); raise it to at least ${wave}`,
    });
  }
  const alarmSeconds = service.alarms.evaluationMinutes * 60;
  if (alarmSeconds >= timeout) {
    issues.push({
      path: ["alarms", "evaluationMinutes"],
      message: `${service.alarms.evaluationMinutes} min is not shorter than delivery.rolloutTimeoutSeconds (${timeout} s): no alarm could fire before deploy-service gives up; lower it or raise the timeout`,
    });
  }
  return issues;
}
