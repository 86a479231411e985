/**
 * ServiceDashboard: one CloudWatch dashboard per application environment. Requests, 5xx, p50/p99
 * response time, healthy and unhealthy targets, running tasks, deployments, CPU and memory, the web
 * ACL's decisions, and the state of every alarm. Its lines are the service's metric definitions
 * (./service-metrics.ts), the same the alarms watch, and each alarm's threshold is drawn on the
 * graph that shows its metric.
 */
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { Construct } from "constructs";
import type { WatchedAlarm } from "../constructs/alarm";
import { type Measure, widgetMetrics, withStat } from "../constructs/metrics";
import type { ServiceMetrics } from "./service-metrics";

export interface ServiceDashboardProps {
  readonly dashboardName: string;
  readonly region: string;
  readonly metrics: ServiceMetrics;
  /** Every alarm of the environment: its state in one widget, its threshold on its metric's graph. */
  readonly alarms: readonly WatchedAlarm[];
}

const WIDTH = 12;
const HEIGHT = 6;

export class ServiceDashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const { metrics } = props;
    const graphs: [title: string, measures: Measure[]][] = [
      ["Requests per minute", [metrics.requests]],
      ["5xx per minute", [metrics.target5xx, metrics.loadBalancer5xx]],
      ["Target 5xx rate (%)", [metrics.target5xxRate]],
      ["Target response time (s)", [withStat(metrics.responseTime, "p50", "p50 response time"), metrics.responseTime]],
      ["Targets", [...Object.values(metrics.healthyTargets), metrics.unhealthyTargets]],
      ["Tasks", [metrics.runningTasks, metrics.desiredTasks]],
      ["Deployments", [metrics.deployments]],
      ["CPU and memory (%)", [metrics.cpu, metrics.memory]],
      ["Web ACL (requests per 5 minutes)", [metrics.wafBlocked, metrics.wafAllowed]],
    ];
    const drawn = new Set(graphs.flatMap(([, measures]) => measures));
    const undrawn = props.alarms.filter((alarm) => !drawn.has(alarm.measure));
    if (undrawn.length > 0) {
      throw new Error(`ServiceDashboard draws no graph of ${undrawn.map((a) => a.runbookEntry).join(", ")}; add one`);
    }
    const widgets: object[] = graphs.map(([title, measures], index) => ({
      type: "metric",
      x: (index % 2) * WIDTH,
      y: Math.floor(index / 2) * HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      properties: {
        title,
        region: props.region,
        view: "timeSeries",
        stacked: false,
        metrics: measures.flatMap(widgetMetrics),
        annotations: {
          horizontal: props.alarms
            .filter((alarm) => measures.includes(alarm.measure))
            .map((alarm) => ({ label: alarm.runbookEntry, value: alarm.threshold })),
        },
      },
    }));
    widgets.push({
      type: "alarm",
      x: 0,
      y: Math.ceil(graphs.length / 2) * HEIGHT,
      width: 2 * WIDTH,
      height: HEIGHT,
      properties: { title: "Alarms", alarms: props.alarms.map((alarm) => alarm.resource.arn) },
    });

    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.dashboardName,
      dashboardBody: JSON.stringify({ widgets }),
    });
  }
}
