/**
 * The scan decision on DescribeImageScanFindings' real answer shapes (basic scanning's COMPLETE,
 * enhanced scanning's ACTIVE with UNTRIAGED counts, the states without a verdict), and the wait for
 * a scan still running, on a scripted sequence of answers (moto answers one way per image).
 */
import { describe, expect, it } from "vitest";
import { awaitScan, judgeScan, type ScanVerdict, scanRefusal } from "../src/deploy/scan";

const complete = (findingSeverityCounts: Record<string, number>) => ({
  imageScanStatus: { status: "COMPLETE" as const, description: "The scan was completed successfully." },
  imageScanFindings: { findingSeverityCounts, findings: [] },
});
const context = {
  image: "123456789012.dkr.ecr.eu-central-1.amazonaws.com/frontend:42-bbbbbbb-7",
  repository: "frontend",
  reference: "42-bbbbbbb-7",
  threshold: "CRITICAL" as const,
  environment: "prod",
};

describe("judgeScan decides from the scan's answer alone", () => {
  it("passes findings below the threshold and blocks those at or above it", () => {
    expect(judgeScan(complete({ HIGH: 4, MEDIUM: 2 }), "CRITICAL")).toEqual({
      state: "passed",
      counts: { HIGH: 4, MEDIUM: 2 },
    });
    expect(judgeScan(complete({ HIGH: 4, MEDIUM: 2 }), "HIGH")).toEqual({
      state: "findings",
      counts: { HIGH: 4, MEDIUM: 2 },
      blocking: { HIGH: 4 },
    });
    expect(judgeScan(complete({ CRITICAL: 1, LOW: 9 }), "MEDIUM")).toMatchObject({ blocking: { CRITICAL: 1 } });
  });

  it("shows UNDEFINED and enhanced scanning's UNTRIAGED without refusing on them, and ignores zero counts", () => {
    const enhanced = {
      ...complete({ UNTRIAGED: 3, UNDEFINED: 1, CRITICAL: 0 }),
      imageScanStatus: { status: "ACTIVE" as const },
    };
    expect(judgeScan(enhanced, "INFORMATIONAL")).toEqual({ state: "passed", counts: { UNTRIAGED: 3, UNDEFINED: 1 } });
  });

  it("waits on IN_PROGRESS and PENDING, and has no verdict for a scan that never came", () => {
    expect(judgeScan({ imageScanStatus: { status: "IN_PROGRESS" } }, "CRITICAL")).toEqual({
      state: "running",
      status: "IN_PROGRESS",
    });
    expect(judgeScan({ imageScanStatus: { status: "PENDING" } }, "CRITICAL").state).toBe("running");
    for (const status of ["FAILED", "UNSUPPORTED_IMAGE", "SCAN_ELIGIBILITY_EXPIRED", "FINDINGS_UNAVAILABLE"] as const) {
      expect(judgeScan({ imageScanStatus: { status, description: "why" } }, "CRITICAL")).toEqual({
        state: "unscanned",
        status,
        detail: "why",
      });
    }
    expect(judgeScan(undefined, "CRITICAL")).toMatchObject({ state: "unscanned", status: "NOT_SCANNED" });
  });

  it("refuses with the counts, the vars key, the command that lists the findings and the override", () => {
    const message = scanRefusal(judgeScan(complete({ CRITICAL: 2, HIGH: 1 }), "CRITICAL"), context);
    expect(message).toContain("has CRITICAL 2 scan finding(s) at or above CRITICAL");
    expect(message).toContain(
      "service.delivery.scanFindingsThreshold in environments/prod.yaml; all: CRITICAL 2, HIGH 1",
    );
    expect(message).toContain(
      "aws ecr describe-image-scan-findings --repository-name frontend --image-id imageTag=42-bbbbbbb-7",
    );
    expect(message).toContain('--allow-findings --reason "<why>"');
    expect(scanRefusal(judgeScan(complete({ HIGH: 1 }), "CRITICAL"), context)).toBeUndefined();
  });
});

describe("awaitScan waits for a running scan, within its bound", () => {
  const answers = (...verdicts: ScanVerdict[]) => {
    let call = 0;
    return async () => verdicts[Math.min(call++, verdicts.length - 1)];
  };
  const running: ScanVerdict = { state: "running", status: "IN_PROGRESS" };
  const passed: ScanVerdict = { state: "passed", counts: {} };

  it("returns the verdict once the scan completes, saying once that it waits", async () => {
    const lines: string[] = [];
    const sleeps: number[] = [];
    const verdict = await awaitScan(answers(running, running, passed), {
      waitSeconds: 60,
      pollSeconds: 5,
      log: (line) => lines.push(line),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(verdict).toEqual(passed);
    expect(sleeps).toEqual([5000, 5000]);
    expect(lines).toEqual(["the image's scan is IN_PROGRESS: waiting up to 60s for it"]);
  });

  it("gives up at the bound with the scan still running", async () => {
    const verdict = await awaitScan(answers(running), {
      waitSeconds: 0.03,
      pollSeconds: 0.01,
      log: () => {},
    });
    expect(verdict).toEqual(running);
  });

  it("does not wait for a scan that has a verdict", async () => {
    let slept = false;
    await awaitScan(answers(passed), {
      waitSeconds: 60,
      pollSeconds: 5,
      log: () => {},
      sleep: async () => {
        slept = true;
      },
    });
    expect(slept).toBe(false);
  });
});
