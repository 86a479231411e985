/**
 * The deploy-service CLI as Jenkins runs it: flags or SERVICE / ENVIRONMENT / IMAGE_TAG, the
 * rendered vars' names, moto behind AWS_ENDPOINT_URL. Only this file uses the vars' own names.
 */
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { beforeAll, describe, expect, it } from "vitest";
import { vars } from "../../stacks/global/vars";
import { deployTarget } from "../src/deploy/options";
import { createService, ecrClient, ecsClient, pushImage, revisionsOf, useMoto } from "./support/aws";
import { motoClientEnv } from "./support/moto-server";

const pipelines = resolve(import.meta.dirname, "..");
const target = deployTarget(vars, "dev", "frontend");
const prod = deployTarget(vars, "prod", "frontend");
let endpoint: string;
let oldImage: string;
let newImage: string;

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "bin/deploy-service.ts", ...args],
      { cwd: pipelines, env: { ...process.env, ...motoClientEnv(endpoint), ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Runs the CLI against an endpoint that counts the requests it gets. */
async function cliCountingAwsCalls(args: string[], env: Record<string, string> = {}) {
  let requests = 0;
  const server = createServer((_, response) => {
    requests += 1;
    response.statusCode = 500;
    response.end();
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  try {
    const result = await cli(args, { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, ...env });
    return { ...result, requests };
  } finally {
    server.close();
  }
}

beforeAll(async () => {
  endpoint = useMoto();
  oldImage = await pushImage(ecrClient(), target.repository, "41-aaaaaaa-6");
  newImage = await pushImage(ecrClient(), target.repository, "42-bbbbbbb-7");
  await createService(ecsClient(), target, oldImage);
  await createService(ecsClient(), prod, oldImage);
});

describe("deploy-service CLI", () => {
  it("rejects an unknown environment with the valid names, exit 2, before any AWS call", async () => {
    const result = await cliCountingAwsCalls(["--service", "frontend", "--environment", "staging", "--image", "1-a-1"]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown environment "staging"');
    expect(result.stderr).toContain("valid environments: dev, prod");
    expect(result.requests).toBe(0);
  });

  it("rejects an unknown service read from SERVICE, exit 2, before any AWS call", async () => {
    const result = await cliCountingAwsCalls([], { SERVICE: "backend", ENVIRONMENT: "dev", IMAGE_TAG: "1-a-1" });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown service "backend" in dev; valid services: frontend');
    expect(result.requests).toBe(0);
  });

  it("rejects an image tag that is not in ECR, exit 2, and registers nothing", async () => {
    const before = await revisionsOf(ecsClient(), target.family);

    const result = await cli([], { SERVICE: "frontend", ENVIRONMENT: "dev", IMAGE_TAG: "43-ccccccc-9" });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`image tag 43-ccccccc-9 not found in ECR repository ${target.repository}`);
    expect(await revisionsOf(ecsClient(), target.family)).toEqual(before);
  });

  it("refuses an image without a scan result, exit 2, naming --allow-findings, and registers nothing", async () => {
    await pushImage(ecrClient(), target.repository, "44-ddddddd-1", false);
    const before = await revisionsOf(ecsClient(), target.family);

    const result = await cli([
      "--service",
      "frontend",
      "--environment",
      "dev",
      "--image",
      "44-ddddddd-1",
      "--scan-wait",
      "0",
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/has no scan result \(NOT_SCANNED: .*--allow-findings --reason/);
    expect(await revisionsOf(ecsClient(), target.family)).toEqual(before);
  });

  it("prints what --dry-run would register and update, and changes nothing", async () => {
    const before = await revisionsOf(ecsClient(), target.family);

    const result = await cli(["--service", "frontend", "--environment", "dev", "--image", newImage, "--dry-run"]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `would register a new revision of ${target.family} with frontend image ${newImage}`,
    );
    expect(result.stdout).toContain(`image:    ${oldImage} → ${newImage}`);
    expect(await revisionsOf(ecsClient(), target.family)).toEqual(before);
    const service = await ecsClient().send(
      new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
    );
    expect(service.services?.[0]?.taskDefinition).toBe(before[0]);
  });

  it("refuses for prod a tag dev never ran, exit 2, naming dev's tags, and registers nothing", async () => {
    const before = await revisionsOf(ecsClient(), prod.family);

    const result = await cli([], {
      SERVICE: "frontend",
      ENVIRONMENT: "prod",
      ACTION: "deploy",
      IMAGE_TAG: "42-bbbbbbb-7",
    });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("image tag 42-bbbbbbb-7 never ran in dev");
    expect(result.stderr).toContain("prod takes only images dev ran: 41-aaaaaaa-6.");
    expect(await revisionsOf(ecsClient(), prod.family)).toEqual(before);
  });

  it("refuses --allow-unpromoted without --reason, exit 2, before any AWS call", async () => {
    const args = ["--service", "frontend", "--environment", "prod", "--image", "42-bbbbbbb-7", "--allow-unpromoted"];

    const result = await cliCountingAwsCalls(args);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--allow-unpromoted needs --reason "<why>"');
    expect(result.requests).toBe(0);
  });

  it("lists the history with --history, exit 0, and changes nothing", async () => {
    const before = await revisionsOf(ecsClient(), target.family);

    const result = await cli(["--history", "--environment", "dev"]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `${target.family}:1  -  running    41-aaaaaaa-6  (not registered by deploy-service)`,
    );
    expect(await revisionsOf(ecsClient(), target.family)).toEqual(before);
  });

  it("rejects an image from another repository, exit 2", async () => {
    const result = await cli(["--service", "frontend", "--environment", "dev", "--image", "nginxdemos/hello:0.4"]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`must come from the ECR repository "${target.repository}"`);
  });
});
