/**
 * deploy-service: rolls an image onto an ECS service and waits for it. Thin CLI over
 * src/deploy/deploy.ts; `--help` lists the flags. Exit codes: 0 deployed, 1 failed, 2 bad input.
 */
import { writeFileSync } from "node:fs";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { applicationEnvironments, vars } from "../../stacks/global/vars";
import { clientConfig } from "../src/aws/config";
import { deployService } from "../src/deploy/deploy";
import { DEPLOY_USAGE, parseDeployArgs } from "../src/deploy/options";

async function main(): Promise<number> {
  const options = parseDeployArgs(process.argv.slice(2), process.env, vars, applicationEnvironments);
  if (!options) {
    console.log(DEPLOY_USAGE);
    return 0;
  }
  const config = clientConfig(vars.region);
  const result = await deployService(options, {
    ecs: new ECSClient(config),
    ecr: new ECRClient(config),
    vars,
    log: (line) => console.log(line),
  });
  console.log(`\n${result.text}`);
  if (options.summaryFile) writeFileSync(options.summaryFile, `${result.text}\n`);
  return result.exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: Error & { exitCode?: number }) => {
    console.error(`deploy-service: ${error.message}`);
    process.exit(error.exitCode ?? 1);
  },
);
