/**
 * The zero-downtime invariants, checked over synthesized Terraform JSON: for every
 * aws_ecs_service, anything that could let a deployment drop traffic is reported, and a rollout
 * that fails users while its tasks pass the health check not being rolled back (deployment alarms
 * with rollback, each alarm in the same stack and notifying one of its SNS topics).
 * The stack tests hold every stack to them; `pnpm diff` and `pnpm plan-summary` name a change
 * that breaks one of them an `availability` hazard.
 */

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is untyped by nature.
type Json = Record<string, any>;

const list = (value: unknown): Json[] => (value === undefined ? [] : Array.isArray(value) ? value : [value as Json]);

/** `${aws_lb_target_group.NAME.arn}` → the resource NAME of `type` in the same stack, if any. */
function referenced(stack: Json, type: string, expression: unknown, attribute = "arn"): Json | undefined {
  const match = new RegExp(`^\\$\\{${type}\\.([^.}]+)\\.${attribute}\\}$`).exec(String(expression ?? ""));
  return match ? stack.resource?.[type]?.[match[1]] : undefined;
}

/** A deployment alarm name (a reference or a literal name) → the stack's alarm, if it defines it. */
function alarmNamed(stack: Json, name: unknown): Json | undefined {
  const alarms: Record<string, Json> = stack.resource?.aws_cloudwatch_metric_alarm ?? {};
  return (
    referenced(stack, "aws_cloudwatch_metric_alarm", name, "alarm_name") ??
    Object.values(alarms).find((alarm) => alarm.alarm_name === name)
  );
}

/** What is wrong with a service's deployment alarms: each must exist in the stack and notify one of its topics. */
function deploymentAlarmProblems(stack: Json, service: Json): string[] {
  const alarms = list(service.alarms)[0];
  const names: unknown[] = alarms?.alarm_names ?? [];
  if (alarms?.enable !== true || alarms?.rollback !== true || names.length === 0) {
    return ["no deployment alarms with rollback: a rollout that fails users while passing health checks completes"];
  }
  return names.flatMap((name) => {
    const alarm = alarmNamed(stack, name);
    if (!alarm)
      return [`deployment alarm ${name} is not defined in this stack: its rule and actions cannot be verified`];
    const topics = list(alarm.alarm_actions).filter((action) => referenced(stack, "aws_sns_topic", action));
    return alarm.actions_enabled === false || topics.length === 0
      ? [`deployment alarm ${alarm.alarm_name} notifies no SNS topic of this stack: a rollback would go unnoticed`]
      : [];
  });
}

/** Fargate's default when a container sets no stopTimeout. */
const DEFAULT_STOP_TIMEOUT_SECONDS = 30;

function shortestStopTimeout(taskDefinition: Json): number {
  const containers: Json[] = JSON.parse(taskDefinition.container_definitions);
  return Math.min(...containers.map((container) => container.stopTimeout ?? DEFAULT_STOP_TIMEOUT_SECONDS));
}

/** Every way a service in `stack` could drop traffic during a deployment; empty when none. */
export function zeroDowntimeViolations(stackName: string, stack: Json): string[] {
  const violations: string[] = [];
  const services: Record<string, Json> = stack.resource?.aws_ecs_service ?? {};
  const scalingTargets = Object.values<Json>(stack.resource?.aws_appautoscaling_target ?? {});

  for (const [id, service] of Object.entries(services)) {
    const where = `${stackName}/aws_ecs_service.${id}`;
    const report = (problem: string) => violations.push(`${where}: ${problem}`);
    const strategy = list(service.deployment_configuration)[0]?.strategy ?? "ROLLING";

    const minimum = service.deployment_minimum_healthy_percent;
    if (typeof minimum !== "number" || minimum < 100) {
      report(`deployment_minimum_healthy_percent is ${minimum ?? "unset"}: old tasks may stop before new ones serve`);
    }
    const maximum = service.deployment_maximum_percent;
    if (strategy === "ROLLING" && (typeof maximum !== "number" || maximum < 200)) {
      report(`deployment_maximum_percent is ${maximum ?? "unset"}: a rolling deploy cannot start a full new set first`);
    }
    const breaker = list(service.deployment_circuit_breaker)[0];
    if (breaker?.enable !== true || breaker?.rollback !== true) {
      report("deployment circuit breaker without rollback: a failing deployment is not undone");
    }
    for (const problem of deploymentAlarmProblems(stack, service)) report(problem);
    const ignored: string[] = list(service.lifecycle)[0]?.ignore_changes ?? [];
    if (!ignored.includes("task_definition")) {
      report("task_definition is not in lifecycle.ignore_changes: terraform apply would revert the deployed image");
    }
    const autoscaled = scalingTargets.some((target) => String(target.resource_id).includes(`aws_ecs_service.${id}.`));
    if (autoscaled && !ignored.includes("desired_count")) {
      report("autoscaled but desired_count is not in lifecycle.ignore_changes: terraform apply would reset the count");
    }

    const taskDefinition = referenced(stack, "aws_ecs_task_definition", service.task_definition);
    const stopSeconds = taskDefinition ? shortestStopTimeout(taskDefinition) : DEFAULT_STOP_TIMEOUT_SECONDS;

    const loadBalancers = list(service.load_balancer);
    if (loadBalancers.length === 0) report("no load balancer: nothing waits for new tasks to be healthy");
    for (const loadBalancer of loadBalancers) {
      const arns = [
        loadBalancer.target_group_arn,
        ...list(loadBalancer.advanced_configuration).map((advanced) => advanced.alternate_target_group_arn),
      ];
      for (const arn of arns) {
        const group = referenced(stack, "aws_lb_target_group", arn);
        if (!group) {
          report(`target group ${arn} is not defined in this stack: its health check cannot be verified`);
          continue;
        }
        const health = list(group.health_check)[0];
        if (!health || health.enabled === false || !health.path) {
          report(`target group ${group.name} has no HTTP health check: unready tasks would get traffic`);
        }
        const delay = group.deregistration_delay;
        if (delay === undefined) {
          report(`target group ${group.name} leaves deregistration_delay at AWS's 300 s default; size it explicitly`);
        } else if (Number(delay) > stopSeconds) {
          report(
            `target group ${group.name} drains for ${delay} s but tasks are killed after ${stopSeconds} s: in-flight requests are cut`,
          );
        }
      }
    }
  }
  return violations;
}
