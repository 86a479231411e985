/**
 * The image's ECR scan, read before anything changes: deploy-service refuses an image whose scan
 * found a vulnerability at or above the environment's `service.delivery.scanFindingsThreshold`, and
 * one whose scan it cannot read (never scanned, failed, unsupported), unless `--allow-findings
 * --reason` says why (recorded on the revision). A scan still running (the frontend job deploys
 * right after its push, and ECR scans on push) is waited for, up to `--scan-wait` seconds.
 * `judgeScan` decides from DescribeImageScanFindings' answer alone; `readScan` and `awaitScan` call it.
 */
import {
  DescribeImageScanFindingsCommand,
  type DescribeImageScanFindingsCommandOutput,
  type ECRClient,
  type ImageIdentifier,
} from "@aws-sdk/client-ecr";
import { SEVERITIES } from "../../../config/delivery";
import { awsErrorName } from "../aws/config";

/** ECR's severities, highest first; a threshold is one of them. UNDEFINED and (enhanced scanning's)
 *  UNTRIAGED rank below all: they are shown, and never refuse. */
export type Severity = (typeof SEVERITIES)[number];

/** Scan states that end in a verdict later: wait for them. */
const RUNNING = new Set(["IN_PROGRESS", "PENDING"]);

export type ScanVerdict =
  /** Scanned; nothing at or above the threshold. */
  | { readonly state: "passed"; readonly counts: Readonly<Record<string, number>> }
  /** Scanned; `blocking` counts the findings at or above the threshold. */
  | {
      readonly state: "findings";
      readonly counts: Readonly<Record<string, number>>;
      readonly blocking: Readonly<Record<string, number>>;
    }
  /** Still scanning (IN_PROGRESS, PENDING). */
  | { readonly state: "running"; readonly status: string }
  /** No verdict will come: never scanned, FAILED, UNSUPPORTED_IMAGE, SCAN_ELIGIBILITY_EXPIRED ... */
  | { readonly state: "unscanned"; readonly status: string; readonly detail: string };

/** The verdict on one DescribeImageScanFindings answer (`undefined`: ECR has no scan of the image). */
export function judgeScan(
  response: Pick<DescribeImageScanFindingsCommandOutput, "imageScanStatus" | "imageScanFindings"> | undefined,
  threshold: Severity,
): ScanVerdict {
  if (!response) return { state: "unscanned", status: "NOT_SCANNED", detail: "ECR has no scan of this image" };
  const status = response.imageScanStatus?.status ?? "UNKNOWN";
  if (RUNNING.has(status)) return { state: "running", status };
  if (status !== "COMPLETE" && status !== "ACTIVE") {
    return { state: "unscanned", status, detail: response.imageScanStatus?.description ?? "no description" };
  }
  const counts = Object.fromEntries(
    Object.entries(response.imageScanFindings?.findingSeverityCounts ?? {}).filter(([, count]) => (count ?? 0) > 0),
  ) as Record<string, number>;
  const rank = (severity: string) => SEVERITIES.indexOf(severity as Severity);
  const limit = rank(threshold);
  const blocking = Object.fromEntries(
    Object.entries(counts).filter(([severity]) => rank(severity) !== -1 && rank(severity) <= limit),
  );
  return Object.keys(blocking).length > 0 ? { state: "findings", counts, blocking } : { state: "passed", counts };
}

/** `CRITICAL 2, HIGH 1`, highest first; `none` when empty. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  const order = (severity: string) => {
    const rank = SEVERITIES.indexOf(severity as Severity);
    return rank === -1 ? SEVERITIES.length : rank;
  };
  const entries = Object.entries(counts).sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b));
  return entries.map(([severity, count]) => `${severity} ${count}`).join(", ") || "none";
}

/** The image as ECR names it: a tag, or a digest. */
export function imageIdOf(reference: string): ImageIdentifier {
  return /^sha256:[0-9a-f]{64}$/.test(reference) ? { imageDigest: reference } : { imageTag: reference };
}

export async function readScan(
  ecr: ECRClient,
  repository: string,
  reference: string,
  threshold: Severity,
): Promise<ScanVerdict> {
  try {
    const response = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: repository, imageId: imageIdOf(reference) }),
    );
    return judgeScan(response, threshold);
  } catch (error) {
    if (awsErrorName(error) === "ScanNotFoundException") return judgeScan(undefined, threshold);
    throw error;
  }
}

export interface ScanWait {
  readonly waitSeconds: number;
  readonly pollSeconds: number;
  readonly log: (line: string) => void;
  /** @default the clock */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Reads the scan until it is no longer running or `waitSeconds` have passed. */
export async function awaitScan(read: () => Promise<ScanVerdict>, wait: ScanWait): Promise<ScanVerdict> {
  const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const deadline = Date.now() + wait.waitSeconds * 1000;
  let verdict = await read();
  let said = false;
  while (verdict.state === "running" && Date.now() < deadline) {
    if (!said) wait.log(`the image's scan is ${verdict.status}: waiting up to ${wait.waitSeconds}s for it`);
    said = true;
    await sleep(wait.pollSeconds * 1000);
    verdict = await read();
  }
  return verdict;
}

/** Why the image may not be deployed, with the override; undefined when it may. */
export function scanRefusal(
  verdict: ScanVerdict,
  context: {
    readonly image: string;
    readonly repository: string;
    readonly reference: string;
    readonly threshold: Severity;
    readonly environment: string;
  },
): string | undefined {
  const override = 'or deploy it anyway with --allow-findings --reason "<why>" (recorded on the revision)';
  const key = `service.delivery.scanFindingsThreshold in environments/${context.environment}.yaml`;
  const imageId = `${"imageDigest" in imageIdOf(context.reference) ? "imageDigest" : "imageTag"}=${context.reference}`;
  switch (verdict.state) {
    case "passed":
      return undefined;
    case "findings":
      return (
        `image ${context.image} has ${formatCounts(verdict.blocking)} scan finding(s) at or above ${context.threshold} ` +
        `(${key}; all: ${formatCounts(verdict.counts)}); read them with: aws ecr describe-image-scan-findings ` +
        `--repository-name ${context.repository} --image-id ${imageId}. Deploy a fixed image, ${override}`
      );
    case "running":
      return (
        `the scan of image ${context.image} is still ${verdict.status} (--scan-wait ran out); ` +
        `deploy again once it completes (aws ecr wait image-scan-complete --repository-name ${context.repository} ` +
        `--image-id ${imageId}), ${override}`
      );
    case "unscanned":
      return (
        `image ${context.image} has no scan result (${verdict.status}: ${verdict.detail}); scan it with: ` +
        `aws ecr start-image-scan --repository-name ${context.repository} --image-id ${imageId}, ${override}`
      );
  }
}
