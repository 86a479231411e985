/**
 * deploy-service's own overhead: wall time of `deploy-service --dry-run` (process start, preflight
 * calls, plan), of `--rollback --dry-run` (reads the family's history to choose the revision) and of
 * `--history`, against a local moto server holding a service after HISTORY deploys, median of 5,
 * next to the cost of starting Node and tsx.
 * Run: pnpm --filter pipelines bench:dry-run   (needs .venv: bash scripts/ensure-venv.sh)
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { vars } from "../../stacks/global/vars";
import { clientConfig } from "../src/aws/config";
import { deployTarget } from "../src/deploy/options";
import { createService, pushImage, recordDeploys } from "../tests/support/fixtures";
import { motoClientEnv, startMoto } from "../tests/support/moto-server";

const RUNS = 5;
/** Deploys recorded before the runs: the history --rollback and --history read. */
const HISTORY = 10;
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
    `${label.padEnd(60)} median ${ms.toFixed(0).padStart(5)} ms  (runs: ${samples.map((s) => s.toFixed(0)).join(", ")})`,
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
  const ecs = new ECSClient(clientConfig(vars.region));
  await createService(ecs, target, oldImage);
  await recordDeploys(ecs, ecr, target, HISTORY);

  console.log(`deploy-service against moto (${moto.endpoint}) after ${HISTORY} deploys, ${RUNS} runs each\n`);
  const node = time("baseline: node -e 0", process.execPath, ["-e", "0"], process.env);
  const tsxStart = time("baseline: tsx bench/empty.ts", tsx, ["bench/empty.ts"], process.env);
  const dev = ["bin/deploy-service.ts", "--service", "frontend", "--environment", "dev"];
  const commands: [string, string[]][] = [
    ["--image 42-bbbbbbb-7 --dry-run", [...dev, "--image", "42-bbbbbbb-7", "--dry-run"]],
    ["--rollback --dry-run", [...dev, "--rollback", "--dry-run"]],
    ["--history", [...dev, "--history"]],
  ];
  const results = commands.map(
    ([label, args]) => [label, time(`tsx bin/deploy-service.ts ${label}`, tsx, args, process.env)] as const,
  );
  console.log("");
  for (const [label, ms] of results) {
    console.log(
      `deploy-service ${label}: ${ms.toFixed(0)} ms median; ` +
        `${(ms - tsxStart).toFixed(0)} ms above tsx start-up, ${(ms - node).toFixed(0)} ms above bare node`,
    );
  }
} finally {
  await moto.stop();
}
