/** pnpm --filter pipelines export-jenkins-job --help: delivers pipelines/jobs/* to Jenkins (see src/jenkins/command.ts). */
import { runMain } from "../../lib/cli";
import { exportCommand } from "../src/jenkins/command";

await runMain(exportCommand(process.env));
