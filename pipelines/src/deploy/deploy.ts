/**
 * deploy-service's work, in order: preflight (changes nothing: the promotion road, or the
 * revision a rollback puts back), register the new revision with its deploy record, update the
 * service, wait for the rollout while probing, summarise. Returns the exit code.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import { type ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import type { Vars } from "../../../config/schema";
import { type DeployOptions, deployTarget, imageTag } from "./options";
import { type DeployPlan, preflight, runningImage } from "./preflight";
import { type ProbeReport, type RunningProbe, startProbe } from "./probe";
import { assertRanIn } from "./promotion";
import { planRollback } from "./rollback";
import { type DeploySummary, formatSummary } from "./summary";
import { revisionName } from "./task-definition";
import { type RolloutOutcome, waitForRollout } from "./wait";

export interface DeployDeps {
  readonly ecs: ECSClient;
  readonly ecr: ECRClient;
  readonly vars: Vars;
  readonly log: (line: string) => void;
}

export interface DeployResult {
  readonly exitCode: 0 | 1;
  readonly summary: DeploySummary;
  readonly text: string;
  readonly outcome?: RolloutOutcome;
  readonly plan: DeployPlan;
  readonly newTaskDefinitionArn?: string;
}

export async function planDeploy(options: DeployOptions, deps: DeployDeps): Promise<DeployPlan> {
  const { ecs, ecr, vars, log } = deps;
  const target = deployTarget(vars, options.environment, options.service);
  if (options.action === "rollback") return planRollback(ecs, ecr, target, options);
  const source = (environment: string) => deployTarget(vars, environment, options.service);
  let image = options.image;
  let promotedFrom: string | undefined;
  if (options.from && !image) {
    image = await runningImage(ecs, source(options.from));
    promotedFrom = options.from;
    log(`promoting the image ${options.from} runs: ${image}`);
  } else if (options.promoteFrom && options.allowUnpromoted) {
    log(`--allow-unpromoted: not checking that ${options.promoteFrom} ran ${image}; reason: ${options.reason}`);
  } else if (options.promoteFrom) {
    const tag = imageTag(String(image), target.repository);
    await assertRanIn(ecs, source(options.promoteFrom), tag, options.environment);
    promotedFrom = options.promoteFrom;
    log(`${options.promoteFrom} ran ${tag}: promoting it to ${options.environment}`);
  }
  const record = {
    action: promotedFrom ? "promote" : "deploy",
    ...options.runner,
    promotedFrom,
    reason: options.reason,
  };
  return preflight(ecs, ecr, { target, image: String(image), record });
}

/** What the summary calls this deploy: "deploy", "promote from dev", "rollback to family:12". */
function actionLabel(plan: DeployPlan): string {
  const { record } = plan;
  if (record.copyOf) return `rollback to ${record.copyOf}`;
  return record.promotedFrom ? `promote from ${record.promotedFrom}` : String(record.action);
}

async function updateTo(ecs: ECSClient, plan: DeployPlan, taskDefinitionArn: string) {
  await ecs.send(
    new UpdateServiceCommand({
      cluster: plan.target.cluster,
      service: plan.target.service,
      taskDefinition: taskDefinitionArn,
    }),
  );
}

function probeVerdict(report: ProbeReport | undefined, allowed: number): { ok: boolean; text: string } {
  if (!report) return { ok: true, text: "" };
  if (report.failures <= allowed) return { ok: true, text: report.failures ? ` (≤ ${allowed} allowed)` : "" };
  return { ok: false, text: ` — more than the ${allowed} allowed (--probe-allow-failures)` };
}

/** The summary's result for a rollout that did not complete; an alarm that rolled it back is named first. */
function failure(outcome: Exclude<RolloutOutcome, { state: "completed" }>): string {
  const alarms = "alarms" in outcome ? outcome.alarms : [];
  if (alarms.length > 0) return `FAILED: rolled back by alarm ${alarms.join(", ")}: ${outcome.detail}`;
  return `FAILED (${outcome.state}): ${outcome.detail}`;
}

export async function deployService(options: DeployOptions, deps: DeployDeps): Promise<DeployResult> {
  const { ecs, log } = deps;
  const started = Date.now();
  const plan = await planDeploy(options, deps);
  const oldArn = String(plan.service.taskDefinition);
  const base = {
    service: plan.target.service,
    environment: plan.target.environment,
    action: actionLabel(plan),
    record: plan.record,
    unpromotedFrom: options.allowUnpromoted ? options.promoteFrom : undefined,
    oldImage: plan.oldImage,
    newImage: plan.newImage,
    oldTaskDefinition: oldArn,
  };
  log(`preflight ok: ${plan.target.service} in ${plan.target.cluster} runs ${revisionName(oldArn)} (${plan.oldImage})`);
  if (plan.record.copyOf && plan.shapeChanges.length > 0) {
    log(`${plan.record.copyOf} is put back as it was: this also rolls back ${plan.shapeChanges.join(", ")}`);
  } else if (plan.shapeChanges.length > 0) {
    log(
      `the new revision is copied from ${revisionName(plan.base.taskDefinitionArn)}, the family's newest ` +
        `(registered by Terraform), so this deploy also rolls out its changes to: ${plan.shapeChanges.join(", ")}`,
    );
  }

  if (options.dryRun) {
    log(
      plan.record.copyOf
        ? `would put back ${plan.record.copyOf} (image ${plan.newImage}) as a new revision of ${plan.register.family}, ` +
            `replacing ${revisionName(oldArn)} (image ${plan.oldImage})`
        : `would register a new revision of ${plan.register.family} with ${plan.target.container} image ${plan.newImage}`,
    );
    log(`would update service ${plan.target.service} in ${plan.target.cluster} to that revision and wait for it`);
    const summary = { ...base, result: "dry run, nothing changed", durationMs: Date.now() - started };
    return { exitCode: 0, summary, text: formatSummary(summary), plan };
  }

  const registered = await ecs.send(new RegisterTaskDefinitionCommand(plan.register));
  const newArn = String(registered.taskDefinition?.taskDefinitionArn);
  log(`registered ${revisionName(newArn)}`);
  let probe: RunningProbe | undefined;
  if (options.probeUrl) {
    probe = startProbe(options.probeUrl, { intervalMs: options.probeIntervalMs });
    log(`probing ${options.probeUrl} every ${options.probeIntervalMs} ms during the rollout`);
  }
  const waitFor = (taskDefinitionArn: string) =>
    waitForRollout(ecs, {
      target: plan.target,
      taskDefinitionArn,
      timeoutMs: options.timeoutSeconds * 1000,
      pollMs: options.pollSeconds * 1000,
      log,
    });

  let outcome: RolloutOutcome;
  let result: string;
  let probeReport: ProbeReport | undefined;
  try {
    await updateTo(ecs, plan, newArn);
    log(`updated ${plan.target.service}: image ${plan.oldImage} → ${plan.newImage}`);
    log(`  revision ${revisionName(oldArn)} → ${revisionName(newArn)}; waiting up to ${options.timeoutSeconds}s`);
    outcome = await waitFor(newArn);
    result = outcome.state === "completed" ? "deployed" : failure(outcome);
    if (outcome.state === "timeout" && options.rollbackOnTimeout) {
      log(`timed out; --rollback-on-timeout: putting ${revisionName(oldArn)} back`);
      await updateTo(ecs, plan, oldArn);
      const back = await waitFor(oldArn);
      result +=
        back.state === "completed"
          ? `; rolled back to ${revisionName(oldArn)}`
          : `; rollback to ${revisionName(oldArn)} did not finish: ${back.detail}`;
    }
  } finally {
    probeReport = await probe?.stop();
  }
  if ("stoppedReasons" in outcome && outcome.stoppedReasons.length > 0) {
    log("stopped tasks of the new revision:");
    for (const reason of outcome.stoppedReasons) log(`  - ${reason}`);
  }
  const verdict = probeVerdict(probeReport, options.probeAllowFailures);
  if (outcome.state === "completed" && !verdict.ok) result = "FAILED: the probe saw failed requests";
  const summary: DeploySummary = {
    ...base,
    newTaskDefinition: newArn,
    result,
    durationMs: Date.now() - started,
    probe: probeReport,
    probeVerdict: verdict.text,
  };
  const exitCode = outcome.state === "completed" && verdict.ok ? 0 : 1;
  return { exitCode, summary, text: formatSummary(summary), outcome, plan, newTaskDefinitionArn: newArn };
}
