/**
 * deploy-service's flags, read from the command line first and from the environment variables
 * Jenkins passes (DEPLOY_PARAMETERS) second, and checked against the rendered vars before any AWS
 * call: the promotion road, the rollback's flags, the override and its reason.
 */
import type { Vars } from "../../../config/schema";
import { type Flags, UsageError } from "../../../lib/cli";
import { clusterName, containerName, deploymentAlarmNames, taskFamily } from "../../../lib/naming";
import type { DeployRecord } from "./record";

/** What the deploy-service job's ACTION offers: the three that change the service, and the listing. */
export const DEPLOY_ACTIONS = ["deploy", "promote", "rollback", "history"] as const;
export type DeployAction = Exclude<(typeof DEPLOY_ACTIONS)[number], "history">;

/** The environment variables the deploy-service job sets (its parameters), and what each stands for.
 *  A flag on the command line wins over its variable. */
export const DEPLOY_PARAMETERS = {
  SERVICE: "--service",
  ENVIRONMENT: "--environment",
  ACTION: "deploy | promote (--promote) | rollback (--rollback) | history (--history)",
  IMAGE_TAG: "--image",
  ROLLBACK_TO: "--to",
  UNPROMOTED_REASON: "--allow-unpromoted --reason",
  FINDINGS_REASON: "--allow-findings --reason",
} as const;

export interface DeployOptions {
  readonly environment: string;
  readonly service: string;
  readonly action: DeployAction;
  /** A tag of the ECR repository or a full image URI in it; undefined when promoting what `from` runs, or rolling back. */
  readonly image?: string;
  /** promote: the environment whose image is deployed (its running one, or `image` if it ran it). */
  readonly from?: string;
  /** rollback: the revision (number or family:number) or image tag to put back. @default - the one before the current */
  readonly rollbackTo?: string;
  /** The environment's `service.delivery.promoteFrom`: only images that environment ran may be deployed. */
  readonly promoteFrom?: string;
  /** Deploy `image` to a promoteFrom environment although its source never ran it (needs `reason`). */
  readonly allowUnpromoted: boolean;
  /** Deploy although the image's ECR scan has findings at or above the environment's threshold, or
   *  no scan result (needs `reason`). */
  readonly allowFindings: boolean;
  /** Why an override (`allowUnpromoted`, `allowFindings`) is used, or why this deploy happens. */
  readonly reason?: string;
  /** How long to wait for a scan still running (ECR scans on push). */
  readonly scanWaitSeconds: number;
  /** Who runs the deploy (Jenkins build URL or user@host) and from which commit: recorded on the revision. */
  readonly runner: Pick<DeployRecord, "by" | "commit">;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
  readonly rollbackOnTimeout: boolean;
  readonly probeUrl?: string;
  readonly probeAllowFailures: number;
  readonly probeIntervalMs: number;
  readonly summaryFile?: string;
  readonly dryRun: boolean;
}

export interface HistoryOptions {
  readonly environment: string;
  readonly service: string;
  readonly limit: number;
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
  /** The deployment alarms ECS watches during a rollout of this service. */
  readonly alarmNames: readonly string[];
}

export const DEPLOY_USAGE = `usage: pnpm --filter pipelines deploy-service --service <name> --environment <env> --image <tag | image URI> [flags]
       pnpm --filter pipelines deploy-service --service <name> --environment <env> --promote [--image <tag>] [flags]
       pnpm --filter pipelines deploy-service --service <name> --environment <env> --rollback [--to <revision | tag>] [flags]
       pnpm --filter pipelines deploy-service --environment <env> --history [--limit <n>]

Rolls an image onto an ECS service: registers a copy of the service's task definition with only
the image changed (tagged with who and why), updates the service and waits until the new revision
runs everywhere. An environment with service.delivery.promoteFrom takes only images its source ran.

  --service <name>            service to deploy (env SERVICE; default: the environment's only service)
  --environment <env>         application environment (env ENVIRONMENT)
  --image <tag | URI>         tag in the ECR repository, or its full URI (env IMAGE_TAG); in an environment
                              with promoteFrom, a tag that environment ran (no --image: what it runs now)
  --promote                   deploy what the environment's promoteFrom runs now, or --image if it ran it (env ACTION=promote)
  --from <env>                deploy the image <env> runs now (an environment with promoteFrom: only from it)
  --allow-unpromoted          deploy --image although the promoteFrom environment never ran it; needs --reason
  --allow-findings            deploy although the image's ECR scan found vulnerabilities at or above the
                              environment's service.delivery.scanFindingsThreshold (or has no result); needs --reason
  --reason <text>             why: recorded on the revision and in the summary (env UNPROMOTED_REASON or FINDINGS_REASON sets both)
  --scan-wait <seconds>       wait this long for an image's scan that is still running (default 300)
  --rollback                  put back the revision that ran before the current one (env ACTION=rollback)
  --to <revision | tag>       with --rollback: the revision (12 or family:12) or image tag to put back (env ROLLBACK_TO)
  --history                   list the newest revisions: image, time, who and why, whether each ran; changes
                              nothing (env ACTION=history)
  --limit <n>                 with --history: how many (default 10)
  --timeout <seconds>         give up waiting after this long (default: service.delivery.rolloutTimeoutSeconds)
  --rollback-on-timeout       on timeout, put the previous revision back and wait for it
  --probe <url>               request <url> continuously during the rollout, report failures
  --probe-allow-failures <n>  failed probe requests tolerated (default 0)
  --probe-interval <ms>       pause between probe requests (default 200)
  --poll-interval <seconds>   pause between status checks (default 5)
  --summary-file <path>       also write the summary there (to post to Slack)
  --dry-run                   run the preflight, print what would change, change nothing
  --help                      show this help

Exit codes: 0 deployed, 1 deploy failed (rollback, alarm, timeout, probe failures), 2 bad input (a refused
image included: scan findings, never promoted).`;

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
  promote: { type: "boolean", default: false },
  from: { type: "string" },
  "allow-unpromoted": { type: "boolean", default: false },
  "allow-findings": { type: "boolean", default: false },
  reason: { type: "string" },
  "scan-wait": { type: "string" },
  rollback: { type: "boolean", default: false },
  to: { type: "string" },
  history: { type: "boolean", default: false },
  limit: { type: "string" },
  timeout: { type: "string" },
  "poll-interval": { type: "string" },
  "rollback-on-timeout": { type: "boolean", default: false },
  probe: { type: "string" },
  "probe-allow-failures": { type: "string" },
  "probe-interval": { type: "string" },
  "summary-file": { type: "string" },
  "dry-run": { type: "boolean", default: false },
} as const;

export type DeployFlags = Flags<typeof DEPLOY_FLAGS>;

/** An environment variable's value, or undefined when unset or blank (Jenkins passes empty parameters). */
const variable = (env: NodeJS.ProcessEnv, name: keyof typeof DEPLOY_PARAMETERS) => env[name]?.trim() || undefined;

/** The environment and service the command names, checked against the vars before any AWS call. */
function serviceOf(
  flags: DeployFlags,
  env: NodeJS.ProcessEnv,
  vars: Vars,
  applicationEnvironments: readonly string[],
  /** Without --service or SERVICE, take the environment's only service (a listing may; a deploy names it). */
  anyService = false,
) {
  const environment = requireEnvironment(
    "--environment",
    flags.environment ?? variable(env, "ENVIRONMENT"),
    applicationEnvironments,
  );
  const settings = vars.environments[environment]?.service;
  const known = settings?.name;
  const service = flags.service ?? variable(env, "SERVICE") ?? (anyService ? known : undefined);
  if (!service) throw new UsageError(`--service is required (or SERVICE); services in ${environment}: ${known}`);
  if (service !== known || !settings) {
    throw new UsageError(`unknown service "${service}" in ${environment}; valid services: ${known}`);
  }
  return { environment, service, settings };
}

/** `deploy-service --history`'s options; throws UsageError. */
export function historyOptions(
  flags: DeployFlags,
  env: NodeJS.ProcessEnv,
  vars: Vars,
  applicationEnvironments: readonly string[],
): HistoryOptions {
  const actionFlags = (
    ["image", "promote", "from", "rollback", "to", "allow-unpromoted", "allow-findings", "reason", "scan-wait"] as const
  ).filter((flag) => flags[flag] !== undefined && flags[flag] !== false);
  if (actionFlags.length > 0) {
    throw new UsageError(`--history only lists; drop ${actionFlags.map((flag) => `--${flag}`).join(", ")}`);
  }
  const { environment, service } = serviceOf(flags, env, vars, applicationEnvironments, true);
  return { environment, service, limit: positiveNumber("--limit", flags.limit, 10) };
}

/** The deploy's options from its parsed flags and the environment Jenkins passes; throws UsageError. */
export function deployOptions(
  flags: DeployFlags,
  env: NodeJS.ProcessEnv,
  vars: Vars,
  applicationEnvironments: readonly string[],
  runner: Pick<DeployRecord, "by" | "commit">,
): DeployOptions {
  const { environment, service, settings } = serviceOf(flags, env, vars, applicationEnvironments);
  const { promoteFrom } = settings.delivery;
  if (flags.limit !== undefined) throw new UsageError("--limit goes with --history");
  const chosen = chosenAction(flags, env);
  if (chosen === "history") throw new UsageError("--history (ACTION=history) lists: see historyOptions");
  let action: DeployAction = chosen;
  const image =
    action === "rollback" ? undefined : (flags.image ?? (flags.from ? undefined : variable(env, "IMAGE_TAG")));
  const rollbackTo = flags.to ?? (action === "rollback" ? variable(env, "ROLLBACK_TO") : undefined);
  if (rollbackTo && action !== "rollback")
    throw new UsageError("--to goes with --rollback: pass --rollback --to <revision | tag>");

  let from = flags.from && requireEnvironment("--from", flags.from, applicationEnvironments);
  if (from === environment) throw new UsageError(`--from ${from} is the environment being deployed; name another one`);
  if (image && from) throw new UsageError("--image and --from exclude each other: pass one of them");
  if (from && promoteFrom && from !== promoteFrom) {
    throw new UsageError(
      `${environment} takes images only from ${promoteFrom} (service.delivery.promoteFrom in environments/${environment}.yaml); use --promote`,
    );
  }
  // Promotion is the default road to an environment with promoteFrom: a deploy without a tag takes
  // what the source runs.
  if (action === "deploy" && !image && !from && promoteFrom) action = "promote";
  if (action === "promote") {
    if (!promoteFrom && !from) {
      throw new UsageError(
        `${environment} has no service.delivery.promoteFrom (environments/${environment}.yaml): nothing to promote from; deploy an image with --image`,
      );
    }
    from = from || promoteFrom;
  }
  if (action !== "rollback" && !image && !from) {
    throw new UsageError("--image is required (or IMAGE_TAG): an ECR tag such as 42-1a2b3c4-7, or --promote");
  }

  const unpromotedReason = variable(env, "UNPROMOTED_REASON");
  const findingsReason = variable(env, "FINDINGS_REASON");
  const allowUnpromoted = flags["allow-unpromoted"] || unpromotedReason !== undefined;
  // Both overrides from Jenkins: both reasons are recorded, each named.
  const reason =
    flags.reason ??
    (unpromotedReason && findingsReason
      ? `unpromoted: ${unpromotedReason}; findings: ${findingsReason}`
      : (unpromotedReason ?? findingsReason));
  if (allowUnpromoted) {
    if (!reason) {
      throw new UsageError(
        '--allow-unpromoted needs --reason "<why>": the reason goes into the summary and onto the revision',
      );
    }
    if (!promoteFrom) {
      throw new UsageError(`${environment} has no promoteFrom: it takes any image in ECR; drop --allow-unpromoted`);
    }
    if (!image || action === "rollback") {
      throw new UsageError(
        "--allow-unpromoted goes with --image <tag>: the tag deployed although the source never ran it",
      );
    }
  }
  const allowFindings = flags["allow-findings"] || findingsReason !== undefined;
  if (allowFindings && !reason) {
    throw new UsageError(
      '--allow-findings needs --reason "<why>": the reason goes into the summary and onto the revision',
    );
  }
  if (flags.probe !== undefined && !/^https?:\/\/[^/\s]+/.test(flags.probe)) {
    throw new UsageError(`--probe ${flags.probe}: expected an http(s) URL such as ${"https://dev.connected.express/"}`);
  }
  return {
    environment,
    service,
    action,
    image,
    from: from || undefined,
    rollbackTo,
    promoteFrom,
    allowUnpromoted,
    allowFindings,
    reason,
    scanWaitSeconds: positiveNumber("--scan-wait", flags["scan-wait"], 300, true),
    runner,
    timeoutSeconds: positiveNumber("--timeout", flags.timeout, settings.delivery.rolloutTimeoutSeconds),
    pollSeconds: positiveNumber("--poll-interval", flags["poll-interval"], 5),
    rollbackOnTimeout: flags["rollback-on-timeout"],
    probeUrl: flags.probe,
    probeAllowFailures: positiveNumber("--probe-allow-failures", flags["probe-allow-failures"], 0, true),
    probeIntervalMs: positiveNumber("--probe-interval", flags["probe-interval"], 200, true),
    summaryFile: flags["summary-file"],
    dryRun: flags["dry-run"],
  };
}

/** deploy, promote or rollback: from the flags when any names one, else from ACTION. */
function chosenAction(flags: DeployFlags, env: NodeJS.ProcessEnv): DeployAction | "history" {
  if (flags.rollback && (flags.promote || flags.image || flags.from)) {
    throw new UsageError("--rollback puts back a revision that ran: drop --image, --from and --promote (use --to)");
  }
  if (flags.history) return "history";
  if (flags.rollback) return "rollback";
  if (flags.promote || flags.from) return "promote";
  if (flags.image) return "deploy";
  const action = variable(env, "ACTION") ?? "deploy";
  if (!(DEPLOY_ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`ACTION=${action}: use one of ${DEPLOY_ACTIONS.join(", ")}`);
  }
  return action as DeployAction | "history";
}

/** `--history`, or ACTION=history from the job when no flag names another action. */
export function wantsHistory(flags: DeployFlags, env: NodeJS.ProcessEnv): boolean {
  return chosenAction(flags, env) === "history";
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
    alarmNames: Object.values(deploymentAlarmNames(vars, environment, service)),
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
