/** pnpm --filter pipelines export-jenkins-job --help: delivers pipelines/jobs/* to Jenkins (see src/jenkins/command.ts). */
import { runExportCommand } from "../src/jenkins/command";

process.exitCode = await runExportCommand(process.argv.slice(2));
