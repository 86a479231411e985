/**
 * The promotion road against moto: an environment with promoteFrom takes only an image its source
 * ran (read from the source's task definition revisions), unless --allow-unpromoted gives a reason.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../lib/cli";
import { deployService } from "../src/deploy/deploy";
import { deployTarget } from "../src/deploy/options";
import { PreflightError } from "../src/deploy/preflight";
import { createService, ecrClient, ecsClient, pushImage, revisionsOf, uniqueVars, useMoto } from "./support/aws";
import { completes, options, run, running, world } from "./support/deploy";

beforeAll(() => {
  useMoto();
});

/** dev and prod of one project, both running 41-...; 42-... pushed. */
async function worlds() {
  const dev = await world("dev");
  const prod = await world("prod", dev.vars);
  return { dev, prod };
}

const toProd = { environment: "prod", promoteFrom: "dev" } as const;

describe("deploy-service promotes to an environment with promoteFrom", () => {
  it("refuses a tag dev never ran with exit 2, naming dev and the tags it ran, and registers nothing", async () => {
    const { dev, prod } = await worlds();
    const before = await revisionsOf(ecsClient(), prod.target.family);

    const attempt = run(prod, completes, { ...toProd, image: "42-bbbbbbb-7" });

    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(
      /image tag 42-bbbbbbb-7 never ran in dev .*; prod takes only images dev ran: 41-aaaaaaa-6\. /,
    );
    expect(await revisionsOf(ecsClient(), prod.target.family)).toEqual(before);
    expect((await running(prod.target)).image).toBe(prod.oldImage);
    expect(await revisionsOf(ecsClient(), dev.target.family)).toHaveLength(1);
  });

  it("takes a tag dev ran before its current one, and records that it came from dev", async () => {
    const { dev, prod } = await worlds();
    await pushImage(ecrClient(), dev.target.repository, "43-ccccccc-8");
    await run(dev, completes, { image: "42-bbbbbbb-7" });
    await run(dev, completes, { image: "43-ccccccc-8" }); // dev has moved on: 42 ran, 43 runs

    const { result } = await run(prod, completes, { ...toProd, image: "42-bbbbbbb-7" });

    expect(result.exitCode).toBe(0);
    const now = await running(prod.target);
    expect(now.image).toBe(prod.newImage);
    expect(now.record).toMatchObject({ action: "promote", promotedFrom: "dev", replaced: `${prod.target.family}:1` });
    expect(result.text).toContain("action:   promote from dev");
  });

  it("deploys what dev runs now with --promote", async () => {
    const { dev, prod } = await worlds();
    await run(dev, completes, { image: "42-bbbbbbb-7" });

    const { result } = await run(prod, completes, { ...toProd, action: "promote", image: undefined, from: "dev" });

    expect(result.exitCode).toBe(0);
    expect((await running(prod.target)).image).toBe(dev.newImage);
  });

  it("refuses to promote while dev is still rolling its image out, and registers nothing", async () => {
    const vars = uniqueVars();
    const dev = deployTarget(vars, "dev", "frontend");
    const image = await pushImage(ecrClient(), dev.repository, "42-bbbbbbb-7");
    await createService(ecsClient(), dev, image, 3); // moto runs 2 of 3: the rollout stays IN_PROGRESS
    const prod = deployTarget(vars, "prod", "frontend");
    await createService(ecsClient(), prod, image);

    const attempt = deployService(options({ ...toProd, action: "promote", from: "dev" }), {
      ecs: ecsClient(),
      ecr: ecrClient(),
      vars,
      log: () => {},
    });

    await expect(attempt).rejects.toThrow(PreflightError);
    await expect(attempt).rejects.toThrow(/dev is rolling out .*:1 right now: promote once its rollout has completed/);
    expect(await revisionsOf(ecsClient(), prod.family)).toHaveLength(1);
  });

  it("deploys a tag dev never ran with --allow-unpromoted, putting the reason in the summary and on the revision", async () => {
    const { prod } = await worlds();
    const reason = "hotfix for the checkout outage, INC-1234";

    const { result } = await run(prod, completes, { ...toProd, image: "42-bbbbbbb-7", allowUnpromoted: true, reason });

    expect(result.exitCode).toBe(0);
    expect(result.text).toContain(`reason:   ${reason} (--allow-unpromoted: not checked against what dev ran)`);
    const now = await running(prod.target);
    expect(now.image).toBe(prod.newImage);
    expect(now.record).toMatchObject({ action: "deploy", reason: "hotfix for the checkout outage INC-1234" });
    expect(now.record.promotedFrom).toBeUndefined();
  });
});
