/**
 * deploy-service's command line and the environment Jenkins passes, resolved against the rendered
 * vars (prod: promoteFrom dev) before any AWS call. Pure: no moto.
 */
import { parseArgs } from "node:util";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../lib/cli";
import { applicationEnvironments, vars } from "../../stacks/global/vars";
import { DEPLOY_FLAGS, type DeployFlags, deployOptions, historyOptions, wantsHistory } from "../src/deploy/options";

const runner = { by: "alice@laptop" };
const flagsOf = (args: string[]) =>
  parseArgs({ args, options: DEPLOY_FLAGS, strict: true, allowPositionals: false }).values as DeployFlags;
const resolve = (args: string[], env: Record<string, string> = {}) =>
  deployOptions(flagsOf(args), env, vars, applicationEnvironments, runner);
const refusal = (args: string[], env: Record<string, string> = {}) => {
  try {
    resolve(args, env);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`accepted: ${args.join(" ")}`);
};
const jenkins = (parameters: Record<string, string>) => ({ SERVICE: "frontend", ...parameters });

describe("deploy-service options", () => {
  it("promotes what prod's promoteFrom runs when the job says ACTION=promote without a tag", () => {
    const options = resolve([], jenkins({ ENVIRONMENT: "prod", ACTION: "promote", IMAGE_TAG: "" }));
    expect(options).toMatchObject({ action: "promote", from: "dev", promoteFrom: "dev", image: undefined });
  });

  it("promotes by default where the environment has promoteFrom: ACTION=deploy without a tag", () => {
    const options = resolve([], jenkins({ ENVIRONMENT: "prod", ACTION: "deploy", IMAGE_TAG: "" }));
    expect(options).toMatchObject({ action: "promote", from: "dev", image: undefined });
  });

  it("still needs a tag to deploy where any image may go", () => {
    expect(refusal([], jenkins({ ENVIRONMENT: "dev", ACTION: "deploy", IMAGE_TAG: "" }))).toMatch(
      /^--image is required/,
    );
  });

  it("checks a tag given with ACTION=promote against what dev ran, rather than deploying what dev runs", () => {
    const options = resolve([], jenkins({ ENVIRONMENT: "prod", ACTION: "promote", IMAGE_TAG: "42-1a2b3c4-7" }));
    expect(options).toMatchObject({ action: "promote", image: "42-1a2b3c4-7", promoteFrom: "dev" });
  });

  it("reads ACTION=rollback and ROLLBACK_TO as --rollback --to", () => {
    const options = resolve([], jenkins({ ENVIRONMENT: "dev", ACTION: "rollback", ROLLBACK_TO: "12", IMAGE_TAG: "" }));
    expect(options).toMatchObject({ action: "rollback", rollbackTo: "12", image: undefined });
  });

  it("reads UNPROMOTED_REASON as --allow-unpromoted with that --reason", () => {
    const env = jenkins({ ENVIRONMENT: "prod", IMAGE_TAG: "42-1a2b3c4-7", UNPROMOTED_REASON: "INC-1234 hotfix" });
    expect(resolve([], env)).toMatchObject({ allowUnpromoted: true, reason: "INC-1234 hotfix", action: "deploy" });
  });

  it("reads FINDINGS_REASON as --allow-findings with that --reason, and records both reasons beside UNPROMOTED_REASON", () => {
    const env = jenkins({
      ENVIRONMENT: "prod",
      IMAGE_TAG: "42-1a2b3c4-7",
      FINDINGS_REASON: "CVE-2026-1 not reachable",
    });
    expect(resolve([], env)).toMatchObject({
      allowFindings: true,
      allowUnpromoted: false,
      reason: "CVE-2026-1 not reachable",
    });
    const both = jenkins({
      ENVIRONMENT: "prod",
      IMAGE_TAG: "42-1a2b3c4-7",
      FINDINGS_REASON: "CVE",
      UNPROMOTED_REASON: "INC-1",
    });
    expect(resolve([], both)).toMatchObject({
      allowFindings: true,
      allowUnpromoted: true,
      reason: "unpromoted: INC-1; findings: CVE",
    });
    expect(resolve([], jenkins({ ENVIRONMENT: "prod", IMAGE_TAG: "42-1a2b3c4-7" })).allowFindings).toBe(false);
  });

  it("waits as long as the environment's rolloutTimeoutSeconds by default", () => {
    const options = resolve(["--service", "frontend", "--environment", "prod", "--promote"]);
    expect(options.timeoutSeconds).toBe(vars.environments.prod?.service?.delivery.rolloutTimeoutSeconds);
  });

  it("refuses --allow-unpromoted without --reason", () => {
    expect(refusal(["--service", "frontend", "--environment", "prod", "--image", "42-a-1", "--allow-unpromoted"])).toBe(
      '--allow-unpromoted needs --reason "<why>": the reason goes into the summary and onto the revision',
    );
  });

  it("refuses --allow-findings without --reason, and takes it with one, waiting 300 s for a scan by default", () => {
    const dev = ["--service", "frontend", "--environment", "dev", "--image", "42-a-1"];
    expect(refusal([...dev, "--allow-findings"])).toBe(
      '--allow-findings needs --reason "<why>": the reason goes into the summary and onto the revision',
    );
    expect(resolve([...dev, "--allow-findings", "--reason", "CVE not reachable"])).toMatchObject({
      allowFindings: true,
      reason: "CVE not reachable",
      scanWaitSeconds: 300,
    });
    expect(resolve([...dev, "--scan-wait", "0"]).scanWaitSeconds).toBe(0);
    expect(refusal([...dev, "--scan-wait", "soon"])).toBe("--scan-wait soon: expected a non-negative number");
  });

  it("refuses --allow-unpromoted where any image may go", () => {
    expect(
      refusal([
        "--service",
        "frontend",
        "--environment",
        "dev",
        "--image",
        "42-a-1",
        "--allow-unpromoted",
        "--reason",
        "x",
      ]),
    ).toBe("dev has no promoteFrom: it takes any image in ECR; drop --allow-unpromoted");
  });

  it("refuses --promote for an environment without promoteFrom, naming its file", () => {
    expect(refusal(["--service", "frontend", "--environment", "dev", "--promote"])).toMatch(
      /^dev has no service\.delivery\.promoteFrom \(environments\/dev\.yaml\): nothing to promote from/,
    );
  });

  it("refuses --from an environment other than promoteFrom", () => {
    const withStaging = structuredClone(vars);
    withStaging.environments.staging = { ...structuredClone(vars.environments.dev), name: "staging" } as never;
    const apps = [...applicationEnvironments, "staging"];
    const flags = flagsOf(["--service", "frontend", "--environment", "prod", "--from", "staging"]);
    expect(() => deployOptions(flags, {}, withStaging, apps, runner)).toThrow(
      "prod takes images only from dev (service.delivery.promoteFrom in environments/prod.yaml); use --promote",
    );
  });

  it("refuses --to without --rollback", () => {
    expect(refusal(["--service", "frontend", "--environment", "dev", "--image", "42-a-1", "--to", "3"])).toMatch(
      /^--to goes with --rollback/,
    );
  });

  it("refuses --rollback with an image: it puts back what ran", () => {
    expect(refusal(["--service", "frontend", "--environment", "dev", "--rollback", "--image", "42-a-1"])).toMatch(
      /^--rollback puts back a revision that ran: drop --image/,
    );
  });

  it("refuses an ACTION the job does not offer", () => {
    expect(refusal([], jenkins({ ENVIRONMENT: "dev", ACTION: "redeploy" }))).toBe(
      "ACTION=redeploy: use one of deploy, promote, rollback, history",
    );
  });

  it("lists for ACTION=history, ignoring the job's empty deploy parameters, unless a flag names another action", () => {
    const env = jenkins({ ENVIRONMENT: "prod", ACTION: "history", IMAGE_TAG: "", ROLLBACK_TO: "" });
    expect(wantsHistory(flagsOf([]), env)).toBe(true);
    expect(historyOptions(flagsOf([]), env, vars, applicationEnvironments)).toMatchObject({ environment: "prod" });
    expect(wantsHistory(flagsOf(["--rollback"]), env)).toBe(false);
  });

  it("lists the environment's only service with --history, and refuses deploy flags there", () => {
    expect(historyOptions(flagsOf(["--history", "--environment", "prod"]), {}, vars, applicationEnvironments)).toEqual({
      environment: "prod",
      service: "frontend",
      limit: 10,
    });
    expect(() =>
      historyOptions(
        flagsOf(["--history", "--environment", "prod", "--image", "1"]),
        {},
        vars,
        applicationEnvironments,
      ),
    ).toThrow("--history only lists; drop --image");
  });
});
