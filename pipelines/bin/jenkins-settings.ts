/**
 * pnpm --filter pipelines jenkins-settings JOB
 * Prints KEY=value lines with the values from vars that JOB's Jenkinsfile reads (loadSettings()).
 */
import { runMain, UsageError } from "../../lib/cli";
import { applicationEnvironments, managementEnvironment, vars } from "../../stacks/global/vars";
import { formatSettings, jobDefinitions, jobSettings } from "../src/jenkins/jobs";

const input = { vars, applicationEnvironments, managementEnvironment };
const jobs = jobDefinitions(input).map((job) => job.name);

await runMain({
  name: "jenkins-settings",
  usage: `usage: pnpm --filter pipelines jenkins-settings JOB\n\nJOB: ${jobs.join(" | ")}`,
  flags: {},
  positionals: ["JOB"],
  run: ({ positionals: [job], out }) => {
    if (!jobs.includes(job)) throw new UsageError(`unknown job "${job}": pass one of ${jobs.join(", ")}`);
    out(formatSettings(jobSettings(input, job)));
  },
});
