/** The few lines a deploy ends with: printed, and written with --summary-file for Slack. */
import { formatProbe, type ProbeReport } from "./probe";
import { revisionName } from "./task-definition";

export interface DeploySummary {
  readonly service: string;
  readonly environment: string;
  readonly oldImage: string;
  readonly newImage: string;
  readonly oldTaskDefinition?: string;
  readonly newTaskDefinition?: string;
  /** "deployed", "dry run", "FAILED ..." */
  readonly result: string;
  readonly durationMs: number;
  readonly probe?: ProbeReport;
  readonly probeVerdict?: string;
}

export function formatSummary(summary: DeploySummary): string {
  const lines = [
    `deploy-service ${summary.service} → ${summary.environment}: ${summary.result}`,
    `  image:    ${summary.oldImage} → ${summary.newImage}`,
    `  revision: ${revisionName(summary.oldTaskDefinition)} → ${summary.newTaskDefinition ? revisionName(summary.newTaskDefinition) : "(none registered)"}`,
    `  duration: ${(summary.durationMs / 1000).toFixed(1)}s`,
  ];
  if (summary.probe) lines.push(`  probe:    ${formatProbe(summary.probe)}${summary.probeVerdict ?? ""}`);
  return lines.join("\n");
}
