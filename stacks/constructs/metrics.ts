/**
 * CloudWatch metrics defined once, read two ways: as an alarm's metric (a single metric, or metric
 * math over named metrics) and as a dashboard widget's lines. An alarm and the graph that shows it
 * come from the same definition, so they cannot drift apart.
 */
import type { CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";

/** One CloudWatch metric with its statistic and period. */
export interface MetricDefinition {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Sum, Average, Minimum, Maximum, or a percentile such as p99. */
  readonly stat: string;
  readonly periodSeconds: number;
  /** What the line means, on the dashboard. */
  readonly label: string;
}

/** Metric math over named metrics (a rate, a sum over target groups). */
export interface ExpressionDefinition {
  /** The expression's own id (other queries may name it). */
  readonly id: string;
  /** Names the inputs by their ids, e.g. "100 * FILL(errors, 0) / FILL(requests, 1)". */
  readonly expression: string;
  readonly label: string;
  /** The metrics the expression names, by id (lower-case first letter, as CloudWatch requires). */
  readonly inputs: Readonly<Record<string, MetricDefinition>>;
}

export type Measure = MetricDefinition | ExpressionDefinition;

export function isExpression(measure: Measure): measure is ExpressionDefinition {
  return "expression" in measure;
}

/** The same metric with another statistic (p50 beside the alarm's p99). */
export function withStat(metric: MetricDefinition, stat: string, label: string): MetricDefinition {
  return { ...metric, stat, label };
}

/** Percentiles go to `extendedStatistic`, the rest to `statistic`. */
const PERCENTILE = /^p\d+(\.\d+)?$/;

/** The metric part of an alarm's configuration. */
export function alarmMetric(measure: Measure): Partial<CloudwatchMetricAlarmConfig> {
  if (isExpression(measure)) {
    return {
      metricQuery: [
        ...Object.entries(measure.inputs).map(([id, metric]) => ({
          id,
          returnData: false,
          metric: {
            namespace: metric.namespace,
            metricName: metric.metricName,
            stat: metric.stat,
            period: metric.periodSeconds,
            dimensions: { ...metric.dimensions },
          },
        })),
        { id: measure.id, label: measure.label, expression: measure.expression, returnData: true },
      ],
    };
  }
  return {
    namespace: measure.namespace,
    metricName: measure.metricName,
    period: measure.periodSeconds,
    dimensions: { ...measure.dimensions },
    ...(PERCENTILE.test(measure.stat) ? { extendedStatistic: measure.stat } : { statistic: measure.stat }),
  };
}

/** A dashboard widget's `metrics` rows for a measure: an expression's inputs are drawn hidden. */
export function widgetMetrics(measure: Measure): unknown[][] {
  const row = (metric: MetricDefinition, options: Record<string, unknown>) => [
    metric.namespace,
    metric.metricName,
    ...Object.entries(metric.dimensions).flat(),
    { stat: metric.stat, period: metric.periodSeconds, ...options },
  ];
  if (!isExpression(measure)) return [row(measure, { label: measure.label })];
  return [
    ...Object.entries(measure.inputs).map(([id, metric]) => row(metric, { id, visible: false })),
    [{ id: measure.id, expression: measure.expression, label: measure.label }],
  ];
}
