/**
 * deploy-service: rolls an image onto an ECS service and waits for it. Thin CLI over
 * src/deploy/deploy.ts; `--help` lists the flags. Exit codes: 0 deployed, 1 failed, 2 bad input.
 */
import { writeFileSync } from "node:fs";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { runMain } from "../../lib/cli";
import { applicationEnvironments, vars } from "../../stacks/global/vars";
import { clientConfig } from "../src/aws/config";
import { deployService } from "../src/deploy/deploy";
import { DEPLOY_FLAGS, DEPLOY_USAGE, deployOptions } from "../src/deploy/options";

await runMain({
  name: "deploy-service",
  usage: DEPLOY_USAGE,
  flags: DEPLOY_FLAGS,
  run: async ({ flags, out }) => {
    const options = deployOptions(flags, process.env, vars, applicationEnvironments);
    const config = clientConfig(vars.region);
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
