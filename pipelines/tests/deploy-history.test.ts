/** deploy-service --history: the family's newest revisions, read from moto, with who, why and whether each ran. */
import { beforeAll, describe, expect, it } from "vitest";
import { formatHistory, readHistory } from "../src/deploy/history";
import { ecrClient, ecsClient, pushImage, useMoto } from "./support/aws";
import { completes, RUNNER, run, type World, world } from "./support/deploy";

beforeAll(() => {
  useMoto();
});

/** dev: 41 (Terraform's revision 1), then 42 and 43 deployed, 43 with a reason. */
async function deployedTwice(): Promise<World> {
  const w = await world();
  await pushImage(ecrClient(), w.target.repository, "43-ccccccc-8");
  await run(w, completes, { image: "42-bbbbbbb-7" });
  await run(w, completes, { image: "43-ccccccc-8", reason: "load test build" });
  return w;
}

describe("deploy-service --history", () => {
  it("lists the newest revisions first with the image tag, who, why and whether each ran", async () => {
    const w = await deployedTwice();
    const family = w.target.family;

    const text = formatHistory(await readHistory(ecsClient(), w.target, 10), 10);

    expect(text.split("\n")).toEqual([
      "frontend in dev: the 3 newest revisions",
      `  ${family}:3  -  running    43-ccccccc-8  (deploy; by ${RUNNER.by}; commit 0123456789ab; reason: load test build)`,
      `  ${family}:2  -  ran        42-bbbbbbb-7  (deploy; by ${RUNNER.by}; commit 0123456789ab)`,
      `  ${family}:1  -  ran        41-aaaaaaa-6  (not registered by deploy-service)`,
    ]);
  });

  it("shows only as many revisions as --limit asks for, the newest", async () => {
    const w = await deployedTwice();

    const text = formatHistory(await readHistory(ecsClient(), w.target, 2), 2);

    expect(
      text
        .split("\n")
        .slice(1)
        .map((line) => line.trim().split(" ")[0]),
    ).toEqual([`${w.target.family}:3`, `${w.target.family}:2`]);
  });

  it("prints when ECS registered each revision", async () => {
    const w = await world();
    const history = await readHistory(ecsClient(), w.target, 10);
    const registeredAt = new Date("2026-05-04T09:30:12.345Z"); // moto does not record it; ECS does
    const dated = { ...history, revisions: history.revisions.map((revision) => ({ ...revision, registeredAt })) };

    expect(formatHistory(dated, 10)).toContain(`${w.target.family}:1  2026-05-04 09:30:12Z  running`);
  });
});
