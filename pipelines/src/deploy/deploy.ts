/**
 * deploy-service's work, in order: preflight (changes nothing), register the new revision,
 * update the service, wait for the rollout while probing, summarise. Returns the exit code.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import { type ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import type { Vars } from "../../../config/schema";
import { type DeployOptions, deployTarget } from "./options";
import { type DeployPlan, preflight, runningImage } from "./preflight";
import { type ProbeReport, type RunningProbe, startProbe } from "./probe";
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
  const target = deployTarget(deps.vars, options.environment, options.service);
  let image = options.image;
  if (options.from) {
    image = await runningImage(deps.ecs, deployTarget(deps.vars, options.from, options.service));
    deps.log(`promoting the image ${options.from} runs: ${image}`);
  }
  return preflight(deps.ecs, deps.ecr, { target, image: String(image) });
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

export async function deployService(options: DeployOptions, deps: DeployDeps): Promise<DeployResult> {
  const { ecs, log } = deps;
  const started = Date.now();
  const plan = await planDeploy(options, deps);
  const oldArn = String(plan.service.taskDefinition);
  const base = {
    service: plan.target.service,
    environment: plan.target.environment,
    oldImage: plan.oldImage,
    newImage: plan.newImage,
    oldTaskDefinition: oldArn,
  };
  log(`preflight ok: ${plan.target.service} in ${plan.target.cluster} runs ${revisionName(oldArn)} (${plan.oldImage})`);
  if (plan.shapeChanges.length > 0) {
    log(
      `the new revision is copied from ${revisionName(plan.base.taskDefinitionArn)}, the family's newest ` +
        `(registered by Terraform), so this deploy also rolls out its changes to: ${plan.shapeChanges.join(", ")}`,
    );
  }

  if (options.dryRun) {
    log(
      `would register a new revision of ${plan.register.family} with ${plan.target.container} image ${plan.newImage}`,
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
    result = outcome.state === "completed" ? "deployed" : `FAILED (${outcome.state}): ${outcome.detail}`;
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
