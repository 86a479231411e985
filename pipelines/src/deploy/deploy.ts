/**
 * deploy-service's work, in order: preflight (changes nothing: the promotion road, or the
 * revision a rollback puts back, and the image's scan), register the new revision with its deploy
 * record, update the service, wait for the rollout while probing, move the `deployed-<env>`
 * markers once it completed, summarise. Returns the exit code.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import { type ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import type { Vars } from "../../../config/schema";
import { UsageError } from "../../../lib/cli";
import { moveMarkers, referenceIn } from "./markers";
import { type DeployOptions, deployTarget, imageTag } from "./options";
import { type DeployPlan, preflight, runningImage } from "./preflight";
import { type ProbeReport, type RunningProbe, startProbe } from "./probe";
import { assertRanIn } from "./promotion";
import { withRecord } from "./record";
import { planRollback } from "./rollback";
import { awaitScan, formatCounts, readScan, type ScanVerdict, scanRefusal } from "./scan";
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
  readonly plan: ScannedPlan;
  readonly newTaskDefinitionArn?: string;
}

/** A plan with what the image's scan said, for the summary. */
export type ScannedPlan = DeployPlan & { readonly scan: string };

/** What a verdict reads as in the summary. */
function scanSummary(verdict: ScanVerdict): string {
  switch (verdict.state) {
    case "passed":
      return `passed (${formatCounts(verdict.counts)})`;
    case "findings":
      return `${formatCounts(verdict.blocking)} at or above the threshold (all: ${formatCounts(verdict.counts)})`;
    case "running":
      return `still ${verdict.status}`;
    case "unscanned":
      return `no result (${verdict.status})`;
  }
}

/** The scan check: refuses (UsageError, exit 2) an image at or above the threshold unless --allow-findings. */
async function checkScan(options: DeployOptions, deps: DeployDeps, plan: DeployPlan): Promise<ScannedPlan> {
  const { ecr, vars, log } = deps;
  const reference = referenceIn(plan.newImage, plan.uri);
  if (reference === undefined) {
    log(`${plan.newImage} is not in the repository ${plan.target.repository}: its scan is not read`);
    return { ...plan, scan: "not read (outside the service repository)" };
  }
  const threshold = vars.environments[plan.target.environment]?.service?.delivery.scanFindingsThreshold ?? "CRITICAL";
  const verdict = await awaitScan(() => readScan(ecr, plan.target.repository, reference, threshold), {
    waitSeconds: options.scanWaitSeconds,
    pollSeconds: options.pollSeconds,
    log,
  });
  const refusal = scanRefusal(verdict, {
    image: plan.newImage,
    repository: plan.target.repository,
    reference,
    threshold,
    environment: plan.target.environment,
  });
  const scan = scanSummary(verdict);
  if (!refusal) return { ...plan, scan };
  if (!options.allowFindings) throw new UsageError(refusal);
  log(`--allow-findings: deploying despite the scan (${scan}); reason: ${options.reason}`);
  const record = { ...plan.record, allowedFindings: scan };
  return {
    ...plan,
    scan: `${scan}, allowed (--allow-findings)`,
    record,
    register: { ...plan.register, tags: withRecord(plan.register.tags, record) },
  };
}

export async function planDeploy(options: DeployOptions, deps: DeployDeps): Promise<ScannedPlan> {
  return checkScan(options, deps, await planImage(options, deps));
}

async function planImage(options: DeployOptions, deps: DeployDeps): Promise<DeployPlan> {
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
    scan: plan.scan,
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
    log(`then would move deployed-${plan.target.environment} to ${plan.newImage}`);
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
  // The new image runs (even when the probe failed): it must not expire; a rolled-back rollout moves nothing.
  let marked = true;
  if (outcome.state === "completed") {
    try {
      const moves = await moveMarkers(deps.ecr, {
        environment: plan.target.environment,
        repository: plan.target.repository,
        uri: plan.uri,
        newImage: plan.newImage,
        oldImage: plan.oldImage,
      });
      for (const move of moves) log(`marker ${move}`);
    } catch (error) {
      marked = false;
      result +=
        `; FAILED to move the deployed-${plan.target.environment} markers (${(error as Error).message}): ` +
        "the lifecycle policy may expire this image; run the deploy again or tag it by hand (README, Images)";
    }
  }
  const summary: DeploySummary = {
    ...base,
    newTaskDefinition: newArn,
    result,
    durationMs: Date.now() - started,
    probe: probeReport,
    probeVerdict: verdict.text,
  };
  const exitCode = outcome.state === "completed" && verdict.ok && marked ? 0 : 1;
  return { exitCode, summary, text: formatSummary(summary), outcome, plan, newTaskDefinitionArn: newArn };
}
