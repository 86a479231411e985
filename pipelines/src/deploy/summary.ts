/** The few lines a deploy ends with: printed, and written with --summary-file for Slack. */
import { formatProbe, type ProbeReport } from "./probe";
import type { DeployRecord } from "./record";
import { revisionName } from "./task-definition";

export interface DeploySummary {
  readonly service: string;
  readonly environment: string;
  /** "deploy", "promote from dev", "rollback to <family>:12" */
  readonly action: string;
  /** Who and why, as recorded on the new revision. */
  readonly record?: DeployRecord;
  /** Set when --allow-unpromoted deployed an image this promoteFrom environment never ran. */
  readonly unpromotedFrom?: string;
  readonly oldImage: string;
  readonly newImage: string;
  /** What the new image's ECR scan said (and whether --allow-findings let it through). */
  readonly scan?: string;
  readonly oldTaskDefinition?: string;
  readonly newTaskDefinition?: string;
  /** "deployed", "dry run", "FAILED ..." */
  readonly result: string;
  readonly durationMs: number;
  readonly probe?: ProbeReport;
  readonly probeVerdict?: string;
}

export function formatSummary(summary: DeploySummary): string {
  const { record } = summary;
  const lines = [
    `deploy-service ${summary.service} → ${summary.environment}: ${summary.result}`,
    `  action:   ${summary.action}`,
    `  image:    ${summary.oldImage} → ${summary.newImage}`,
    ...(summary.scan ? [`  scan:     ${summary.scan}`] : []),
    `  revision: ${revisionName(summary.oldTaskDefinition)} → ${summary.newTaskDefinition ? revisionName(summary.newTaskDefinition) : "(none registered)"}`,
  ];
  if (record?.by)
    lines.push(`  by:       ${record.by}${record.commit ? ` (commit ${record.commit.slice(0, 12)})` : ""}`);
  if (record?.reason || summary.unpromotedFrom) {
    const overrides = [
      summary.unpromotedFrom && `--allow-unpromoted: not checked against what ${summary.unpromotedFrom} ran`,
      record?.allowedFindings && `--allow-findings: ${record.allowedFindings}`,
    ].filter(Boolean);
    const override = overrides.length > 0 ? ` (${overrides.join("; ")})` : "";
    lines.push(`  reason:   ${record?.reason ?? ""}${override}`);
  }
  lines.push(`  duration: ${(summary.durationMs / 1000).toFixed(1)}s`);
  if (summary.probe) lines.push(`  probe:    ${formatProbe(summary.probe)}${summary.probeVerdict ?? ""}`);
  return lines.join("\n");
}
