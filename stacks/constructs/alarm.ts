/**
 * The one way this platform makes a CloudWatch alarm: named, with a description that says what it
 * means, how missing data counts and why, and links to its runbook entry; notifying the
 * environment's topic when it fires and when it clears; watching a metric defined once
 * (./metrics.ts) so that dashboards draw the same thing.
 */
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { Construct } from "constructs";
import { alarmMetric, type Measure } from "./metrics";

/** How CloudWatch treats a period without data, in the words the description uses. */
export const MISSING_DATA = {
  notBreaching: "counts as OK",
  breaching: "counts as failing",
  ignore: "keeps the alarm's state",
  missing: "leaves the alarm without data",
} as const;
export type MissingData = keyof typeof MISSING_DATA;

export type ComparisonOperator =
  | "GreaterThanThreshold"
  | "GreaterThanOrEqualToThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold";

/** Where every alarm of an environment sends its state changes and links its runbook entry. */
export interface AlarmRoute {
  /** The environment's alarm topic (./alarm-topic.ts). */
  readonly topicArn: string;
  /** docs/runbook.md as people open it (`notifications.runbookUrl` in vars). */
  readonly runbookUrl: string;
}

export interface AlarmProps {
  readonly alarmName: string;
  /** The runbook entry: a heading of docs/runbook.md, one per kind of alarm (e.g. `cpu-high`). */
  readonly runbookEntry: string;
  /** What it means when it fires, in a sentence or two: the first thing Slack shows. */
  readonly summary: string;
  readonly measure: Measure;
  readonly comparisonOperator: ComparisonOperator;
  /** In the measure's unit. */
  readonly threshold: number;
  /** Consecutive periods over the threshold before it fires. */
  readonly evaluationPeriods: number;
  /** How a period without data counts, and why that is right for this metric. */
  readonly missingData: { readonly treatAs: MissingData; readonly because: string };
  /** Actions besides the topic when it fires, e.g. EC2 recovery.
   *  @default - the topic only */
  readonly automatedActions?: readonly string[];
}

/** An alarm with what it watches: dashboards draw its threshold on the graph of its measure. */
export interface WatchedAlarm {
  readonly resource: CloudwatchMetricAlarm;
  readonly runbookEntry: string;
  readonly measure: Measure;
  readonly threshold: number;
}

/** `Runbook: <url>#<entry>` ends every description; tests and people find the entry by it. */
export function runbookLink(runbookUrl: string, entry: string): string {
  return `Runbook: ${runbookUrl}#${entry}`;
}

export function metricAlarm(scope: Construct, id: string, route: AlarmRoute, props: AlarmProps): WatchedAlarm {
  const { missingData } = props;
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(props.runbookEntry)) {
    throw new Error(`alarm ${props.alarmName}: runbook entry "${props.runbookEntry}" must be a lower-case heading id`);
  }
  const description = [
    props.summary,
    `Missing data ${MISSING_DATA[missingData.treatAs]}: ${missingData.because}.`,
    runbookLink(route.runbookUrl, props.runbookEntry),
  ].join(" ");
  if (description.length > 1024) {
    throw new Error(
      `alarm ${props.alarmName}: its description is ${description.length} characters, CloudWatch takes 1024`,
    );
  }
  const resource = new CloudwatchMetricAlarm(scope, id, {
    alarmName: props.alarmName,
    alarmDescription: description,
    comparisonOperator: props.comparisonOperator,
    threshold: props.threshold,
    evaluationPeriods: props.evaluationPeriods,
    datapointsToAlarm: props.evaluationPeriods,
    treatMissingData: missingData.treatAs,
    actionsEnabled: true,
    alarmActions: [...(props.automatedActions ?? []), route.topicArn],
    okActions: [route.topicArn],
    ...alarmMetric(props.measure),
  });
  return { resource, runbookEntry: props.runbookEntry, measure: props.measure, threshold: props.threshold };
}
