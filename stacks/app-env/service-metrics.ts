/**
 * Every metric an application environment's alarms watch and its dashboard draws, defined once:
 * the load balancer's requests, errors and response times, its target groups' health, the ECS
 * service's tasks, deployments, CPU and memory, and the web ACL's decisions.
 */
import type { ExpressionDefinition, MetricDefinition } from "../constructs/metrics";

export interface ServiceMetricsProps {
  /** `arn_suffix` of the service's load balancer (the `LoadBalancer` dimension). */
  readonly loadBalancerArnSuffix: string;
  /** `arn_suffix` of each target group the service registers in, by colour: `blue`, and `green` for blue/green. */
  readonly targetGroupArnSuffixes: Readonly<Record<string, string>>;
  readonly clusterName: string;
  readonly serviceName: string;
  /** The web ACL's metric name (its `visibility_config.metric_name`). */
  readonly webAclMetricName: string;
  readonly region: string;
}

export interface ServiceMetrics {
  readonly requests: MetricDefinition;
  readonly target5xx: MetricDefinition;
  readonly loadBalancer5xx: MetricDefinition;
  /** Per cent of requests the tasks answer with a 5xx. */
  readonly target5xxRate: ExpressionDefinition;
  /** p99; the dashboard adds p50 of the same metric. */
  readonly responseTime: MetricDefinition;
  /** By colour. */
  readonly healthyTargets: Readonly<Record<string, MetricDefinition>>;
  /** Summed over the target groups. */
  readonly unhealthyTargets: ExpressionDefinition;
  readonly runningTasks: MetricDefinition;
  readonly desiredTasks: MetricDefinition;
  readonly deployments: MetricDefinition;
  readonly cpu: MetricDefinition;
  readonly memory: MetricDefinition;
  readonly wafBlocked: MetricDefinition;
  readonly wafAllowed: MetricDefinition;
}

/** One-minute periods: the deployment alarms count minutes, and ECS watches them during a rollout. */
const MINUTE = 60;
/** WAF's counts are read per five minutes, the window its rate-based rule counts in too. */
const FIVE_MINUTES = 300;

export function serviceMetrics(props: ServiceMetricsProps): ServiceMetrics {
  if (Object.keys(props.targetGroupArnSuffixes).length === 0) {
    throw new Error("serviceMetrics needs the service's target groups");
  }
  const loadBalancer = { LoadBalancer: props.loadBalancerArnSuffix };
  const elb = (metricName: string, stat: string, label: string, dimensions: Record<string, string> = loadBalancer) => ({
    namespace: "AWS/ApplicationELB",
    metricName,
    dimensions,
    stat,
    periodSeconds: MINUTE,
    label,
  });
  const byColour = (metricName: string, stat: string, what: string) =>
    Object.fromEntries(
      Object.entries(props.targetGroupArnSuffixes).map(([colour, suffix]) => [
        colour,
        elb(metricName, stat, `${what} (${colour})`, { ...loadBalancer, TargetGroup: suffix }),
      ]),
    );
  const service = { ClusterName: props.clusterName, ServiceName: props.serviceName };
  const ecs = (namespace: string, metricName: string, stat: string, label: string) => ({
    namespace,
    metricName,
    dimensions: service,
    stat,
    periodSeconds: MINUTE,
    label,
  });
  const waf = (metricName: string, label: string) => ({
    namespace: "AWS/WAFV2",
    metricName,
    dimensions: { WebACL: props.webAclMetricName, Region: props.region, Rule: "ALL" },
    stat: "Sum",
    periodSeconds: FIVE_MINUTES,
    label,
  });

  const requests = elb("RequestCount", "Sum", "Requests");
  const target5xx = elb("HTTPCode_Target_5XX_Count", "Sum", "5xx from the tasks");
  const unhealthy = byColour("UnHealthyHostCount", "Maximum", "Unhealthy targets");
  return {
    requests,
    target5xx,
    loadBalancer5xx: elb("HTTPCode_ELB_5XX_Count", "Sum", "5xx from the load balancer itself"),
    target5xxRate: {
      id: "rate",
      expression: "100 * FILL(errors, 0) / FILL(requests, 1)",
      label: "Per cent of requests answered 5xx by the targets",
      inputs: { errors: target5xx, requests },
    },
    responseTime: elb("TargetResponseTime", "p99", "p99 response time"),
    healthyTargets: byColour("HealthyHostCount", "Minimum", "Healthy targets"),
    unhealthyTargets: {
      id: "unhealthy",
      expression: Object.keys(unhealthy)
        .map((colour) => `FILL(${colour}, 0)`)
        .join(" + "),
      label: "Unhealthy targets in the service's target groups",
      inputs: unhealthy,
    },
    // Container Insights (enabled on the cluster) counts tasks and deployments per service.
    runningTasks: ecs("ECS/ContainerInsights", "RunningTaskCount", "Minimum", "Running tasks"),
    desiredTasks: ecs("ECS/ContainerInsights", "DesiredTaskCount", "Maximum", "Desired tasks"),
    deployments: ecs(
      "ECS/ContainerInsights",
      "DeploymentCount",
      "Maximum",
      "Deployments (over 1: a rollout in progress)",
    ),
    cpu: ecs("AWS/ECS", "CPUUtilization", "Average", "CPU (% of the tasks' share)"),
    memory: ecs("AWS/ECS", "MemoryUtilization", "Average", "Memory (% of the tasks' limit)"),
    wafBlocked: waf("BlockedRequests", "Blocked by the web ACL"),
    wafAllowed: waf("AllowedRequests", "Allowed by the web ACL"),
  };
}
