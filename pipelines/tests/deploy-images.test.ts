/**
 * deploy-service and the images it rolls out, against moto's ECR: the `deployed-<env>` markers that
 * keep running images from expiring, and the scan findings that refuse an image. moto scans an
 * image when asked (the fixtures do, as ECR does on push) and answers with one HIGH finding unless
 * its API is given another answer for the image (ecrScanResult below): both are used.
 */
import { createServer } from "node:http";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { UsageError } from "../../lib/cli";
import { moveMarkers } from "../src/deploy/markers";
import { ecrClient, ecsClient, pushImage, revisionsOf, uniqueVars, useMoto } from "./support/aws";
import { completes, run, running, stuck, type World, world } from "./support/deploy";
import { deployment, type RolloutScript } from "./support/rollout";

beforeAll(() => {
  useMoto();
});

/** The tags each image of the world's repository carries, by its build tag. */
async function tagsByBuild(w: World): Promise<Record<string, string[]>> {
  const described = await ecrClient().send(new DescribeImagesCommand({ repositoryName: w.target.repository }));
  return Object.fromEntries(
    (described.imageDetails ?? []).map((image) => {
      const tags = [...(image.imageTags ?? [])].sort();
      const build = tags.find((tag) => /^\d+-/.test(tag)) ?? "(untagged)";
      return [build, tags.filter((tag) => tag !== build)];
    }),
  );
}

/** What DescribeImageScanFindings answers for `tag` of `repository` from now on (moto's API). */
async function ecrScanResult(
  repository: string,
  tag: string,
  status: string,
  counts: Record<string, number> = {},
): Promise<void> {
  const result = {
    registryId: "123456789012",
    repositoryName: repository,
    imageId: { imageTag: tag },
    imageScanStatus: { status, description: `scan ${status.toLowerCase()}` },
    imageScanFindings: { findings: [], findingSeverityCounts: counts },
  };
  const response = await fetch(`${inject("motoEndpoint")}/moto-api/static/ecr/scan-finding-results`, {
    method: "POST",
    body: JSON.stringify({ results: [result], region: "eu-central-1" }),
  });
  expect(response.status).toBe(201);
}

const rolledBack: RolloutScript = ({ updates, previous, poll }) =>
  poll === 0
    ? stuck({ updates, previous, poll })
    : {
        deployments: [
          deployment("PRIMARY", previous, "COMPLETED", 1, 1),
          deployment("ACTIVE", String(updates[0]), "FAILED", 0, 1, { rolloutStateReason: "circuit breaker" }),
        ],
      };

describe("deploy-service moves the deployed-<env> markers onto what runs", () => {
  it("marks the image it rolled out deployed-dev and the one it replaced deployed-dev-previous", async () => {
    const w = await world();
    const { result, log } = await run(w, completes);
    expect(result.exitCode).toBe(0);
    expect(await tagsByBuild(w)).toEqual({
      "42-bbbbbbb-7": ["deployed-dev"],
      "41-aaaaaaa-6": ["deployed-dev-previous"],
    });
    expect(log).toContain("marker deployed-dev → 42-bbbbbbb-7");
  });

  it("moves both markers on the next deploy: the image before the previous one carries none", async () => {
    const w = await world();
    await pushImage(ecrClient(), w.target.repository, "43-ccccccc-8");
    await run(w, completes);
    const { result } = await run(w, completes, { image: "43-ccccccc-8" });
    expect(result.exitCode).toBe(0);
    expect(await tagsByBuild(w)).toEqual({
      "43-ccccccc-8": ["deployed-dev"],
      "42-bbbbbbb-7": ["deployed-dev-previous"],
      "41-aaaaaaa-6": [],
    });
  });

  it("moves nothing when the rollout is rolled back: the image that runs keeps its marker", async () => {
    const w = await world();
    await pushImage(ecrClient(), w.target.repository, "43-ccccccc-8");
    await run(w, completes);
    const { result } = await run(w, rolledBack, { image: "43-ccccccc-8" });
    expect(result.exitCode).toBe(1);
    expect((await tagsByBuild(w))["43-ccccccc-8"]).toEqual([]);
    expect((await tagsByBuild(w))["42-bbbbbbb-7"]).toEqual(["deployed-dev"]);
  });

  it("marks what a --rollback puts back, and keeps the image it left as the previous one (to roll forward)", async () => {
    const w = await world();
    await run(w, completes);
    const { result } = await run(w, completes, { action: "rollback", image: undefined });
    expect(result.exitCode).toBe(0);
    expect((await running(w.target)).image).toBe(w.oldImage);
    expect(await tagsByBuild(w)).toEqual({
      "41-aaaaaaa-6": ["deployed-dev"],
      "42-bbbbbbb-7": ["deployed-dev-previous"],
    });
  });

  it("keeps each environment's markers apart: prod's deploy leaves deployed-dev where it is", async () => {
    const vars = uniqueVars();
    const dev = await world("dev", vars);
    await run(dev, completes);
    const prod = await world("prod", vars);
    const { result } = await run(prod, completes, {
      environment: "prod",
      image: "42-bbbbbbb-7",
      allowUnpromoted: false,
      promoteFrom: undefined,
    });
    expect(result.exitCode).toBe(0);
    expect(await tagsByBuild(dev)).toEqual({
      "42-bbbbbbb-7": ["deployed-dev", "deployed-prod"],
      "41-aaaaaaa-6": ["deployed-dev-previous", "deployed-prod-previous"],
    });
  });

  it("fails (exit 1) naming the repository setting when ECR will not move a marker (a broken copy: all tags immutable)", async () => {
    const vars = uniqueVars();
    await ecrClient().send(
      new CreateRepositoryCommand({ repositoryName: vars.ecr.repositoryName, imageTagMutability: "IMMUTABLE" }),
    );
    const w = await world("dev", vars);
    await pushImage(ecrClient(), w.target.repository, "43-ccccccc-8");
    await run(w, completes);
    const { result } = await run(w, completes, { image: "43-ccccccc-8" });
    expect(result.exitCode).toBe(1);
    expect(result.text).toMatch(
      /deployed; FAILED to move the deployed-dev markers \(deployed-dev(-previous)? is on another image and ECR will not move it: .*IMMUTABLE_WITH_EXCLUSION/,
    );
  });
});

describe("markers against ECR's own answer for an immutable tag (a loopback stand-in speaking ECR's JSON protocol)", () => {
  it("names the repository setting when PutImage answers ImageTagAlreadyExistsException, as ECR does", async () => {
    const manifest = (digest: string) => JSON.stringify({ schemaVersion: 2, config: { digest } });
    const requests: string[] = [];
    const server = createServer((request, response) => {
      const target = String(request.headers["x-amz-target"]);
      requests.push(target.split(".").at(-1) ?? target);
      response.setHeader("content-type", "application/x-amz-json-1.1");
      if (target.endsWith(".PutImage")) {
        response.statusCode = 400;
        response.end(
          JSON.stringify({ __type: "ImageTagAlreadyExistsException", message: "The image tag already exists" }),
        );
        return;
      }
      // BatchGetImage: the image to mark, then the one that holds the marker (another manifest).
      const holder = requests.filter((name) => name === "BatchGetImage").length > 1;
      response.end(
        JSON.stringify({
          images: [
            {
              imageId: { imageDigest: holder ? "sha256:other" : "sha256:new" },
              imageManifest: manifest(holder ? "sha256:other" : "sha256:new"),
            },
          ],
          failures: [],
        }),
      );
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const { port } = server.address() as { port: number };
      const ecr = new ECRClient({
        region: "eu-central-1",
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
        maxAttempts: 1,
      });
      const uri = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/frontend";
      const attempt = moveMarkers(ecr, {
        environment: "dev",
        repository: "frontend",
        uri,
        newImage: `${uri}:42-bbbbbbb-7`,
        oldImage: `${uri}:42-bbbbbbb-7`,
      });
      await expect(attempt).rejects.toThrow(
        "deployed-dev is on another image and ECR will not move it: the repository must let deployed-* move",
      );
      expect(requests).toEqual(["BatchGetImage", "PutImage", "BatchGetImage"]);
    } finally {
      server.close();
    }
  });
});

describe("deploy-service refuses an image its scan found vulnerable", () => {
  it("deploys moto's default scan (one HIGH) under the CRITICAL default, and says so in the summary", async () => {
    const w = await world();
    const { result } = await run(w, completes);
    expect(result.exitCode).toBe(0);
    expect(result.text).toContain("  scan:     passed (HIGH 1)");
  });

  it("refuses CRITICAL findings with exit 2, the count per severity and the override, registering nothing", async () => {
    const w = await world();
    await ecrScanResult(w.target.repository, "42-bbbbbbb-7", "COMPLETE", { CRITICAL: 2, HIGH: 3, LOW: 1 });
    const before = await revisionsOf(ecsClient(), w.target.family);
    const refused = run(w, completes);
    await expect(refused).rejects.toThrow(UsageError);
    await expect(refused).rejects.toThrow(
      /image .*:42-bbbbbbb-7 has CRITICAL 2 scan finding\(s\) at or above CRITICAL \(service\.delivery\.scanFindingsThreshold in environments\/dev\.yaml; all: CRITICAL 2, HIGH 3, LOW 1\).*--allow-findings --reason "<why>"/,
    );
    expect(await revisionsOf(ecsClient(), w.target.family)).toEqual(before);
    expect(await tagsByBuild(w)).toEqual({ "42-bbbbbbb-7": [], "41-aaaaaaa-6": [] });
  });

  it("refuses a HIGH finding where the environment's threshold is HIGH", async () => {
    const vars = uniqueVars();
    const service = vars.environments.dev.service;
    if (!service) throw new Error("dev has no service");
    service.delivery.scanFindingsThreshold = "HIGH";
    const w = await world("dev", vars);
    await expect(run(w, completes)).rejects.toThrow(/has HIGH 1 scan finding\(s\) at or above HIGH/);
  });

  it("deploys with --allow-findings --reason, recording the findings and the reason on the revision and in the summary", async () => {
    const w = await world();
    await ecrScanResult(w.target.repository, "42-bbbbbbb-7", "COMPLETE", { CRITICAL: 1 });
    const { result } = await run(w, completes, {
      allowFindings: true,
      reason: "INC-7 fix ships now, CVE not reachable",
    });
    expect(result.exitCode).toBe(0);
    expect((await running(w.target)).record).toMatchObject({
      allowedFindings: "CRITICAL 1 at or above the threshold all: CRITICAL 1",
      reason: "INC-7 fix ships now CVE not reachable",
    });
    expect(result.text).toContain(
      "  scan:     CRITICAL 1 at or above the threshold (all: CRITICAL 1), allowed (--allow-findings)",
    );
    expect(result.text).toMatch(/reason: {3}INC-7 fix ships now, CVE not reachable \(--allow-findings: CRITICAL 1/);
  });

  it("refuses an image that was never scanned, naming the command that scans it", async () => {
    const w = await world();
    await pushImage(ecrClient(), w.target.repository, "43-ccccccc-8", false);
    await expect(run(w, completes, { image: "43-ccccccc-8" })).rejects.toThrow(
      /has no scan result \(NOT_SCANNED: .*aws ecr start-image-scan --repository-name frontend-\w+ --image-id imageTag=43-ccccccc-8.*--allow-findings/,
    );
  });

  it("refuses a scan that FAILED, and a scan still IN_PROGRESS once --scan-wait ran out; --allow-findings overrides", async () => {
    const w = await world();
    await ecrScanResult(w.target.repository, "42-bbbbbbb-7", "FAILED");
    await expect(run(w, completes)).rejects.toThrow(/has no scan result \(FAILED: scan failed\)/);
    const pending = await world();
    await ecrScanResult(pending.target.repository, "42-bbbbbbb-7", "IN_PROGRESS");
    await expect(run(pending, completes, { scanWaitSeconds: 0.05 })).rejects.toThrow(
      /the scan of image .* is still IN_PROGRESS \(--scan-wait ran out\); deploy again once it completes \(aws ecr wait image-scan-complete/,
    );
    const { result } = await run(pending, completes, {
      scanWaitSeconds: 0,
      allowFindings: true,
      reason: "scanner outage",
    });
    expect(result.exitCode).toBe(0);
    expect((await running(pending.target)).record.allowedFindings).toBe("still IN_PROGRESS");
  });

  it("checks the scan in --dry-run too, and changes nothing", async () => {
    const w = await world();
    await ecrScanResult(w.target.repository, "42-bbbbbbb-7", "COMPLETE", { CRITICAL: 1 });
    await expect(run(w, completes, { dryRun: true })).rejects.toThrow(/CRITICAL 1 scan finding/);
  });
});
