/**
 * pnpm --filter pipelines jenkins-settings JOB [--environment ENV]
 * Prints KEY=value lines with the values from vars that JOB's Jenkinsfile reads (loadSettings());
 * deploy-service's depend on the environment deployed to.
 */
import { runMain, UsageError } from "../../lib/cli";
import { applicationEnvironments, managementEnvironment, vars } from "../../stacks/global/vars";
import { DEPLOY_SERVICE_JOB, formatSettings, jobDefinitions, jobSettings } from "../src/jenkins/jobs";

const input = { vars, applicationEnvironments, managementEnvironment };
const jobs = jobDefinitions(input).map((job) => job.name);

await runMain({
  name: "jenkins-settings",
  usage: `usage: pnpm --filter pipelines jenkins-settings JOB [--environment ENV]

JOB: ${jobs.join(" | ")}
  --environment ENV  ${DEPLOY_SERVICE_JOB} only, and required there: ${applicationEnvironments.join(" | ")}`,
  flags: { environment: { type: "string" } },
  positionals: ["JOB"],
  run: ({ positionals: [job], flags, out }) => {
    if (!jobs.includes(job)) throw new UsageError(`unknown job "${job}": pass one of ${jobs.join(", ")}`);
    const { environment } = flags;
    if (job === DEPLOY_SERVICE_JOB && !applicationEnvironments.includes(environment as never)) {
      throw new UsageError(
        `${job}'s settings depend on the environment: pass --environment ${applicationEnvironments.join(" | ")}`,
      );
    }
    if (job !== DEPLOY_SERVICE_JOB && environment !== undefined) {
      throw new UsageError(`--environment goes with ${DEPLOY_SERVICE_JOB} only`);
    }
    out(formatSettings(jobSettings(input, job, environment)));
  },
});
