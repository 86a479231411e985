/**
 * deploy-service's own overhead: wall time of `deploy-service --dry-run` (process start, preflight
 * calls, plan) against a local moto server, median of 5, next to the cost of starting Node and tsx.
 * Run: pnpm --filter pipelines bench:dry-run   (needs .venv: bash scripts/ensure-venv.sh)
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { vars } from "../../stacks/global/vars";
import { clientConfig } from "../src/aws/config";
import { deployTarget } from "../src/deploy/options";
import { createService, pushImage } from "../tests/support/fixtures";
import { motoClientEnv, startMoto } from "../tests/support/moto-server";

const RUNS = 5;
const pipelines = resolve(import.meta.dirname, "..");
const tsx = resolve(pipelines, "node_modules/.bin/tsx");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wall time of `command args`, RUNS times; fails loudly if the command fails. */
function time(label: string, command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    const result = spawnSync(command, args, { cwd: pipelines, env, encoding: "utf8" });
    samples.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`${label} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  }
  const ms = median(samples);
  console.log(
    `${label.padEnd(44)} median ${ms.toFixed(0).padStart(5)} ms  (runs: ${samples.map((s) => s.toFixed(0)).join(", ")})`,
  );
  return ms;
}

const moto = await startMoto({ MOTO_ECS_SERVICE_RUNNING: "2" });
try {
  Object.assign(process.env, motoClientEnv(moto.endpoint));
  const target = deployTarget(vars, "dev", "frontend");
  const ecr = new ECRClient(clientConfig(vars.region));
  const oldImage = await pushImage(ecr, target.repository, "41-aaaaaaa-6");
  await pushImage(ecr, target.repository, "42-bbbbbbb-7");
  await createService(new ECSClient(clientConfig(vars.region)), target, oldImage);

  console.log(`deploy-service --dry-run against moto (${moto.endpoint}), ${RUNS} runs each\n`);
  const node = time("baseline: node -e 0", process.execPath, ["-e", "0"], process.env);
  const tsxStart = time("baseline: tsx bench/empty.ts", tsx, ["bench/empty.ts"], process.env);
  const dryRun = time(
    "tsx bin/deploy-service.ts ... --dry-run",
    tsx,
    ["bin/deploy-service.ts", "--service", "frontend", "--environment", "dev", "--image", "42-bbbbbbb-7", "--dry-run"],
    process.env,
  );
  console.log(
    `\ndeploy-service --dry-run: ${dryRun.toFixed(0)} ms median; ` +
      `${(dryRun - tsxStart).toFixed(0)} ms above tsx start-up, ${(dryRun - node).toFixed(0)} ms above bare node`,
  );
} finally {
  await moto.stop();
}
