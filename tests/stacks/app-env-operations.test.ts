import { describe, expect, it } from "vitest";
import type { ServiceVars } from "../../config/schema";
import { DEPLOYMENT_ALARM_KINDS } from "../../lib/naming";
import { copyVars, type Json, platform, type SynthesizedStack, synthPlatform } from "../support/synth";

const prod = platform().stack("prod");
const alarmNamed = (kind: string, stack = prod): Json => {
  const name = `connected-express-${stack.name}-frontend-${kind}`;
  const found = stack.resourceList("aws_cloudwatch_metric_alarm").filter((alarm) => alarm.alarm_name === name);
  expect(found, name).toHaveLength(1);
  return found[0];
};
/** prod synthesized from vars whose prod service `change` edits. */
function prodWith(change: (service: ServiceVars) => void): SynthesizedStack {
  const changed = copyVars();
  const service = changed.environments.prod?.service;
  if (!service) throw new Error("prod has no service");
  change(service);
  return synthPlatform(changed).stack("prod");
}
const widgetsOf = (stack: Json): Json[] =>
  JSON.parse(Object.values<Json>(stack.resource.aws_cloudwatch_dashboard)[0].dashboard_body).widgets;

const key = (namespace: string, name: string, dimensions: Record<string, string>, stat: string) =>
  `${namespace} ${name} ${JSON.stringify(Object.entries(dimensions).sort())} ${stat}`;

/** What each alarm reads: its metrics (with their statistic) and its expression. */
function alarmReads(alarm: Json): string[] {
  if (!alarm.metric_query) {
    return [key(alarm.namespace, alarm.metric_name, alarm.dimensions, alarm.statistic ?? alarm.extended_statistic)];
  }
  return alarm.metric_query.map((query: Json) =>
    query.expression
      ? `expression ${query.expression}`
      : key(query.metric.namespace, query.metric.metric_name, query.metric.dimensions, query.metric.stat),
  );
}

/** What the dashboard's graphs draw, in the same form. */
function dashboardDraws(stack: Json): Set<string> {
  const rows = widgetsOf(stack).flatMap((widget) => (widget.type === "metric" ? widget.properties.metrics : []));
  return new Set(
    rows.map((row: unknown[]) => {
      const options = row.at(-1) as Json;
      if (options.expression) return `expression ${options.expression}`;
      const [namespace, name, ...pairs] = row.slice(0, -1) as string[];
      const dimensions = Object.fromEntries(pairs.flatMap((_, i) => (i % 2 === 0 ? [[pairs[i], pairs[i + 1]]] : [])));
      return key(namespace, name, dimensions, options.stat);
    }),
  );
}

/** Alarms of the stack whose metric the dashboard does not draw. */
function undrawnAlarms(stack: Json): string[] {
  const drawn = dashboardDraws(stack);
  return Object.values<Json>(stack.resource.aws_cloudwatch_metric_alarm)
    .filter((alarm) => !alarmReads(alarm).every((read) => drawn.has(read)))
    .map((alarm) => alarm.alarm_name);
}

describe("application environments: the service's alarms besides its deployment alarms", () => {
  it("rolls back only on its deployment alarms; the other alarms tell and leave the rollout alone", () => {
    const watched = prod.resource("aws_ecs_service").alarms.alarm_names.map((reference: string) => {
      const id = /^\$\{aws_cloudwatch_metric_alarm\.([^.]+)\.alarm_name\}$/.exec(reference)?.[1] ?? "";
      return prod.resources("aws_cloudwatch_metric_alarm")[id]?.alarm_name;
    });
    expect(watched.sort()).toEqual(
      DEPLOYMENT_ALARM_KINDS.map((kind) => `connected-express-prod-frontend-${kind}`).sort(),
    );
    expect(prod.resourceList("aws_cloudwatch_metric_alarm")).toHaveLength(8);
  });

  it("tells when fewer tasks run than autoscaling's minimum, counting silence as failing", () => {
    expect(alarmNamed("tasks-below-minimum")).toMatchObject({
      namespace: "ECS/ContainerInsights",
      metric_name: "RunningTaskCount",
      dimensions: { ClusterName: "connected-express-prod", ServiceName: "frontend" },
      statistic: "Minimum",
      comparison_operator: "LessThanThreshold",
      threshold: 2,
      evaluation_periods: 5,
      treat_missing_data: "breaching",
    });
  });

  it("counts the minimum as desiredCount for a service without autoscaling", () => {
    const stack = prodWith((service) => {
      delete service.autoscaling;
      service.desiredCount = 3;
    });
    expect(alarmNamed("tasks-below-minimum", stack).threshold).toBe(3);
  });

  it("takes the CPU, memory, task and web ACL thresholds and windows from vars", () => {
    const stack = prodWith((service) => {
      service.alarms = {
        ...service.alarms,
        cpuPercent: 70,
        memoryPercent: 75,
        utilizationMinutes: 15,
        tasksBelowMinimumMinutes: 4,
        wafBlockedRequestsPerFiveMinutes: 900,
      };
    });
    expect(alarmNamed("cpu-high", stack)).toMatchObject({
      metric_name: "CPUUtilization",
      threshold: 70,
      evaluation_periods: 15,
    });
    expect(alarmNamed("memory-high", stack)).toMatchObject({
      metric_name: "MemoryUtilization",
      threshold: 75,
      evaluation_periods: 15,
    });
    expect(alarmNamed("tasks-below-minimum", stack).evaluation_periods).toBe(4);
    expect(alarmNamed("waf-blocked-spike", stack).threshold).toBe(900);
  });

  it("counts what the environment's web ACL blocks over all its rules, per five minutes", () => {
    expect(alarmNamed("waf-blocked-spike")).toMatchObject({
      namespace: "AWS/WAFV2",
      metric_name: "BlockedRequests",
      dimensions: { WebACL: "connected-express-prod", Region: "eu-central-1", Rule: "ALL" },
      period: 300,
      evaluation_periods: 1,
    });
    expect(prod.resource("aws_wafv2_web_acl").visibility_config.metric_name).toBe("connected-express-prod");
  });
});

describe("application environments: a dashboard from the alarms' own metric definitions", () => {
  const titles = (stack: SynthesizedStack) => widgetsOf(stack.json).map((widget) => widget.properties.title);

  it("gives each application environment a dashboard named after its cluster", () => {
    for (const name of ["dev", "prod"]) {
      expect(platform().stack(name).resource("aws_cloudwatch_dashboard").dashboard_name).toBe(
        `connected-express-${name}`,
      );
    }
  });

  it("draws requests, 5xx, p50/p99 response time, targets, tasks, deployments, CPU and memory, and the web ACL", () => {
    expect(titles(prod)).toEqual([
      "Requests per minute",
      "5xx per minute",
      "Target 5xx rate (%)",
      "Target response time (s)",
      "Targets",
      "Tasks",
      "Deployments",
      "CPU and memory (%)",
      "Web ACL (requests per 5 minutes)",
      "Alarms",
    ]);
    const drawn = dashboardDraws(prod.json);
    const loadBalancer = { LoadBalancer: `\${aws_lb.load_balancer_5CB6B27E.arn_suffix}` };
    expect(drawn).toContain(key("AWS/ApplicationELB", "TargetResponseTime", loadBalancer, "p50"));
    const service = { ClusterName: "connected-express-prod", ServiceName: "frontend" };
    expect(drawn).toContain(key("ECS/ContainerInsights", "DeploymentCount", service, "Maximum"));
  });

  it("draws every metric each alarm watches, with the same statistic", () => {
    expect(undrawnAlarms(prod.json)).toEqual([]);
  });

  it("would see an alarm whose metric the dashboard does not draw", () => {
    const broken = structuredClone(prod.json);
    const dashboard = Object.values<Json>(broken.resource.aws_cloudwatch_dashboard)[0];
    const body = JSON.parse(dashboard.dashboard_body);
    body.widgets = body.widgets.filter((widget: Json) => widget.properties.title !== "CPU and memory (%)");
    dashboard.dashboard_body = JSON.stringify(body);
    expect(undrawnAlarms(broken)).toEqual([
      "connected-express-prod-frontend-cpu-high",
      "connected-express-prod-frontend-memory-high",
    ]);
  });

  it("draws each alarm's threshold on the graph of its metric", () => {
    const lines = Object.fromEntries(
      widgetsOf(prod.json)
        .filter((widget) => widget.type === "metric")
        .map((widget) => [widget.properties.title, widget.properties.annotations.horizontal]),
    );
    expect(lines["Target 5xx rate (%)"]).toEqual([{ label: "target-5xx-rate", value: 5 }]);
    expect(lines["Target response time (s)"]).toEqual([{ label: "p99-response-time", value: 2 }]);
    expect(lines.Tasks).toEqual([{ label: "tasks-below-minimum", value: 2 }]);
    expect(lines["CPU and memory (%)"]).toEqual([
      { label: "cpu-high", value: 85 },
      { label: "memory-high", value: 85 },
    ]);
  });

  it("shows the state of every alarm of the environment", () => {
    const widget = widgetsOf(prod.json).find((w) => w.type === "alarm");
    const alarms = Object.keys(prod.resources("aws_cloudwatch_metric_alarm")).map(
      (name) => `\${aws_cloudwatch_metric_alarm.${name}.arn}`,
    );
    expect([...(widget?.properties.alarms ?? [])].sort()).toEqual(alarms.sort());
  });
});
