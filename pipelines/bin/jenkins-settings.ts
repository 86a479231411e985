/**
 * pnpm --filter pipelines jenkins-settings JOB
 * Prints KEY=value lines with the values from vars that JOB's Jenkinsfile reads (loadSettings()).
 */
import { applicationEnvironments, managementEnvironment, vars } from "../../stacks/global/vars";
import { formatSettings, jobDefinitions, jobSettings } from "../src/jenkins/jobs";

const input = { vars, applicationEnvironments, managementEnvironment };
const jobs = jobDefinitions(input).map((job) => job.name);
const [job, ...rest] = process.argv.slice(2);
if (job === "--help" || job === "-h") {
  console.log(`usage: pnpm --filter pipelines jenkins-settings JOB\n\nJOB: ${jobs.join(" | ")}`);
} else if (job === undefined || rest.length > 0 || !jobs.includes(job)) {
  console.error(`jenkins-settings: pass exactly one job name, one of: ${jobs.join(", ")}`);
  process.exitCode = 2;
} else {
  console.log(formatSettings(jobSettings(input, job)));
}
