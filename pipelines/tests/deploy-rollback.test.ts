/**
 * deploy-service --rollback against moto: the revision to put back comes from the family's
 * revisions and their deploy records; the rollout is scripted on top of moto as for any deploy.
 */
import { UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../lib/cli";
import { ecrClient, ecsClient, pushImage, revisionsOf, useMoto } from "./support/aws";
import { completes, run, running, serviceTaskDefinition, stuck, type World, world } from "./support/deploy";
import { deployment, type RolloutScript } from "./support/rollout";

beforeAll(() => {
  useMoto();
});

const rollback = { action: "rollback", image: undefined } as const;

/** dev after two deploys: 41 (revision 1, Terraform's), 42 (revision 2), 43 (revision 3, running). */
async function afterTwoDeploys(): Promise<World> {
  const w = await world();
  await pushImage(ecrClient(), w.target.repository, "43-ccccccc-8");
  await run(w, completes, { image: "42-bbbbbbb-7" });
  await run(w, completes, { image: "43-ccccccc-8" });
  return w;
}

describe("deploy-service --rollback", () => {
  it("puts the image that ran before the current one back, as a new revision that records what it copies", async () => {
    const w = await afterTwoDeploys();

    const { result } = await run(w, completes, rollback);

    expect(result.exitCode).toBe(0);
    const now = await running(w.target);
    expect(now.arn).toBe(result.newTaskDefinitionArn);
    expect(now.image).toBe(w.newImage);
    expect(now.record).toMatchObject({
      action: "rollback",
      copyOf: `${w.target.family}:2`,
      replaced: `${w.target.family}:3`,
    });
    expect(result.text).toContain(`action:   rollback to ${w.target.family}:2`);
    expect(result.text).toContain(`${w.target.family}:3 → ${w.target.family}:4`);
  });

  it("goes further back on a second rollback instead of returning to the release it rolled back", async () => {
    const w = await afterTwoDeploys();
    await run(w, completes, rollback);

    const { result } = await run(w, completes, rollback);

    expect(result.exitCode).toBe(0);
    expect((await running(w.target)).image).toBe(w.oldImage);
  });

  it("puts back the newest revision that ran a tag named with --to", async () => {
    const w = await afterTwoDeploys();

    const { result } = await run(w, completes, { ...rollback, rollbackTo: "41-aaaaaaa-6" });

    expect(result.exitCode).toBe(0);
    expect((await running(w.target)).record.copyOf).toBe(`${w.target.family}:1`);
  });

  it("refuses --to with a tag never deployed there as bad input, and registers nothing", async () => {
    const w = await afterTwoDeploys();
    const before = await revisionsOf(ecsClient(), w.target.family);

    const attempt = run(w, completes, { ...rollback, rollbackTo: "40-fffffff-1" });

    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(
      "image tag 40-fffffff-1 was never deployed to dev; tags it ran: 43-ccccccc-8, 42-bbbbbbb-7, 41-aaaaaaa-6",
    );
    expect(await revisionsOf(ecsClient(), w.target.family)).toEqual(before);
  });

  it("refuses to put back a revision whose rollout failed", async () => {
    const w = await world();
    await pushImage(ecrClient(), w.target.repository, "43-ccccccc-8");
    await run(w, completes, { image: "42-bbbbbbb-7" });
    const failed: RolloutScript = (context) =>
      context.poll === 0
        ? stuck(context)
        : {
            deployments: [
              deployment("PRIMARY", context.previous, "COMPLETED", 1, 1),
              deployment("ACTIVE", String(context.updates[0]), "FAILED", 0, 1),
            ],
          };
    const { result: failure } = await run(w, failed, { image: "43-ccccccc-8" });
    expect(failure.exitCode).toBe(1);
    // What ECS's rollback leaves behind, which moto does not simulate: the service back on revision 2.
    await ecsClient().send(
      new UpdateServiceCommand({
        cluster: w.target.cluster,
        service: w.target.service,
        taskDefinition: String(failure.summary.oldTaskDefinition),
      }),
    );

    const attempt = run(w, completes, { ...rollback, rollbackTo: "43-ccccccc-8" });

    await expect(attempt).rejects.toThrow(`--to 43-ccccccc-8: ${w.target.family}:3 never ran in dev`);
  });

  it("names the revision and image --dry-run would put back, and changes nothing", async () => {
    const w = await afterTwoDeploys();
    const before = await revisionsOf(ecsClient(), w.target.family);
    const current = await serviceTaskDefinition(w.target);

    const { result, log, updates } = await run(w, completes, { ...rollback, dryRun: true });

    expect(result.exitCode).toBe(0);
    expect(log).toContain(
      `would put back ${w.target.family}:2 (image ${w.newImage}) as a new revision of ${w.target.family}, replacing ${w.target.family}:3`,
    );
    expect(updates).toEqual([]);
    expect(await revisionsOf(ecsClient(), w.target.family)).toEqual(before);
    expect(await serviceTaskDefinition(w.target)).toBe(current);
  });

  it("refuses without --to when nothing records what ran before the current revision", async () => {
    const w = await world(); // revision 1 is Terraform's: no deploy record

    const attempt = run(w, completes, rollback);

    await expect(attempt).rejects.toThrow(
      `no record of what ran in dev before ${w.target.family}:1: pass --to <revision | tag>`,
    );
  });
});
