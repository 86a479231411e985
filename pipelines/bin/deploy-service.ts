/**
 * deploy-service: rolls an image onto an ECS service and waits for it; promotes, rolls back, and
 * lists the history. Thin CLI over src/deploy/; `--help` lists the flags. Exit codes: 0 deployed
 * (or listed), 1 failed, 2 bad input.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { runMain } from "../../lib/cli";
import { applicationEnvironments, vars } from "../../stacks/global/vars";
import { clientConfig } from "../src/aws/config";
import { deployService } from "../src/deploy/deploy";
import { formatHistory, readHistory } from "../src/deploy/history";
import {
  DEPLOY_FLAGS,
  DEPLOY_USAGE,
  deployOptions,
  deployTarget,
  historyOptions,
  wantsHistory,
} from "../src/deploy/options";
import { runner } from "../src/deploy/record";

/** The commit this checkout is at, when Jenkins has not said (GIT_COMMIT): recorded on the revision. */
function checkoutCommit(): string | undefined {
  const git = spawnSync("git", ["rev-parse", "HEAD"], { cwd: import.meta.dirname, encoding: "utf8" });
  return git.status === 0 ? git.stdout.trim() : undefined;
}

await runMain({
  name: "deploy-service",
  usage: DEPLOY_USAGE,
  flags: DEPLOY_FLAGS,
  run: async ({ flags, out }) => {
    const config = clientConfig(vars.region);
    if (wantsHistory(flags, process.env)) {
      const options = historyOptions(flags, process.env, vars, applicationEnvironments);
      const target = deployTarget(vars, options.environment, options.service);
      out(formatHistory(await readHistory(new ECSClient(config), target, options.limit), options.limit));
      return 0;
    }
    const env = process.env.GIT_COMMIT ? process.env : { ...process.env, GIT_COMMIT: checkoutCommit() };
    const options = deployOptions(flags, process.env, vars, applicationEnvironments, runner(env, hostname()));
    const result = await deployService(options, {
      ecs: new ECSClient(config),
      ecr: new ECRClient(config),
      vars,
      log: out,
    });
    out(`\n${result.text}`);
    if (options.summaryFile) writeFileSync(options.summaryFile, `${result.text}\n`);
    return result.exitCode;
  },
});
