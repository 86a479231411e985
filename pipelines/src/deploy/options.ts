/**
 * deploy-service's flags, read from the command line first and from the environment variables
 * Jenkins passes (SERVICE, ENVIRONMENT, IMAGE_TAG) second, and checked against the rendered vars
 * before any AWS call.
 */
import type { Vars } from "../../../config/schema";
import { type Flags, UsageError } from "../../../lib/cli";
import { clusterName, containerName, taskFamily } from "../../../lib/naming";

export interface DeployOptions {
  readonly environment: string;
  readonly service: string;
  /** A tag of the ECR repository or a full image URI in it; undefined when `from` is set. */
  readonly image?: string;
  /** Promote: deploy the image this environment's service runs. */
  readonly from?: string;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
  readonly rollbackOnTimeout: boolean;
  readonly probeUrl?: string;
  readonly probeAllowFailures: number;
  readonly probeIntervalMs: number;
  readonly summaryFile?: string;
  readonly dryRun: boolean;
}

/** Where a service lives: every name comes from lib/naming.ts, as the stacks create them. */
export interface DeployTarget {
  readonly region: string;
  readonly environment: string;
  readonly cluster: string;
  readonly service: string;
  readonly family: string;
  readonly container: string;
  readonly repository: string;
}

export const DEPLOY_USAGE = `usage: pnpm --filter pipelines deploy-service --service <name> --environment <env> --image <tag | image URI> [flags]

Rolls an image onto an ECS service: registers a copy of the service's task definition with only
the image changed, updates the service and waits until the new revision runs everywhere.

  --service <name>            service to deploy (env SERVICE)
  --environment <env>         application environment (env ENVIRONMENT)
  --image <tag | URI>         tag in the ECR repository, or its full URI (env IMAGE_TAG)
  --from <env>                promote: deploy the image <env> runs now (instead of --image)
  --timeout <seconds>         give up waiting after this long (default 900)
  --rollback-on-timeout       on timeout, put the previous revision back and wait for it
  --probe <url>               request <url> continuously during the rollout, report failures
  --probe-allow-failures <n>  failed probe requests tolerated (default 0)
  --probe-interval <ms>       pause between probe requests (default 200)
  --poll-interval <seconds>   pause between status checks (default 5)
  --summary-file <path>       also write the summary there (to post to Slack)
  --dry-run                   run the preflight, print what would change, change nothing
  --help                      show this help

Exit codes: 0 deployed, 1 deploy failed (rollback, timeout, probe failures), 2 bad input.`;

function positiveNumber(flag: string, raw: string | undefined, fallback: number, allowZero = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new UsageError(`${flag} ${raw}: expected a ${allowZero ? "non-negative" : "positive"} number`);
  }
  return value;
}

export const DEPLOY_FLAGS = {
  service: { type: "string" },
  environment: { type: "string" },
  image: { type: "string" },
  from: { type: "string" },
  timeout: { type: "string" },
  "poll-interval": { type: "string" },
  "rollback-on-timeout": { type: "boolean", default: false },
  probe: { type: "string" },
  "probe-allow-failures": { type: "string" },
  "probe-interval": { type: "string" },
  "summary-file": { type: "string" },
  "dry-run": { type: "boolean", default: false },
} as const;

/** The deploy's options from its parsed flags and the environment Jenkins passes; throws UsageError. */
export function deployOptions(
  flags: Flags<typeof DEPLOY_FLAGS>,
  env: NodeJS.ProcessEnv,
  vars: Vars,
  applicationEnvironments: readonly string[],
): DeployOptions {
  const environment = requireEnvironment(
    "--environment",
    flags.environment ?? env.ENVIRONMENT,
    applicationEnvironments,
  );
  const service = flags.service ?? env.SERVICE;
  const known = vars.environments[environment]?.service?.name;
  if (!service) throw new UsageError(`--service is required (or SERVICE); services in ${environment}: ${known}`);
  if (service !== known) {
    throw new UsageError(`unknown service "${service}" in ${environment}; valid services: ${known}`);
  }
  const from = flags.from && requireEnvironment("--from", flags.from, applicationEnvironments);
  if (from === environment) throw new UsageError(`--from ${from} is the environment being deployed; name another one`);
  const image = flags.image ?? (from ? undefined : env.IMAGE_TAG);
  if (image && from) throw new UsageError("--image and --from exclude each other: pass one of them");
  if (!image && !from) {
    throw new UsageError("--image is required (or IMAGE_TAG): an ECR tag such as 42-1a2b3c4-7, or --from <env>");
  }
  if (flags.probe !== undefined && !/^https?:\/\/[^/\s]+/.test(flags.probe)) {
    throw new UsageError(`--probe ${flags.probe}: expected an http(s) URL such as ${"https://dev.connected.express/"}`);
  }
  return {
    environment,
    service,
    image,
    from: from || undefined,
    timeoutSeconds: positiveNumber("--timeout", flags.timeout, 900),
    pollSeconds: positiveNumber("--poll-interval", flags["poll-interval"], 5),
    rollbackOnTimeout: flags["rollback-on-timeout"],
    probeUrl: flags.probe,
    probeAllowFailures: positiveNumber("--probe-allow-failures", flags["probe-allow-failures"], 0, true),
    probeIntervalMs: positiveNumber("--probe-interval", flags["probe-interval"], 200, true),
    summaryFile: flags["summary-file"],
    dryRun: flags["dry-run"],
  };
}

function requireEnvironment(flag: string, value: string | undefined, valid: readonly string[]): string {
  if (!value) throw new UsageError(`${flag} is required (or ENVIRONMENT); valid environments: ${valid.join(", ")}`);
  if (!valid.includes(value)) {
    throw new UsageError(`unknown environment "${value}" (${flag}); valid environments: ${valid.join(", ")}`);
  }
  return value;
}

export function deployTarget(vars: Vars, environment: string, service: string): DeployTarget {
  return {
    region: vars.region,
    environment,
    cluster: clusterName(vars, environment),
    service,
    family: taskFamily(vars, environment, service),
    container: containerName(service),
    repository: vars.ecr.repositoryName,
  };
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The tag of `--image`: a bare tag, or a URI `<registry>/<repository>:<tag>` of the service's repository. */
export function imageTag(image: string, repository: string): string {
  if (image.includes("@")) {
    throw new UsageError(`--image ${image}: digests are not supported; pass the image's tag`);
  }
  if (!image.includes("/") && TAG.test(image)) return image;
  const match = /^[^/]+\/(.+):([^:/]+)$/.exec(image);
  if (!match || !TAG.test(match[2])) {
    throw new UsageError(`--image ${image}: expected a tag such as 42-1a2b3c4-7 or <registry>/${repository}:<tag>`);
  }
  if (match[1] !== repository) {
    throw new UsageError(`--image ${image}: the image must come from the ECR repository "${repository}"`);
  }
  return match[2];
}
