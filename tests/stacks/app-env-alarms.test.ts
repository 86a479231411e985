import { describe, expect, it } from "vitest";
import { deploymentAlarmNames } from "../../lib/naming";
import { vars } from "../../stacks/global/vars";
import { copyVars, type Json, platform, synthPlatform } from "../support/synth";

const prod = platform().stack("prod");
const alarmNamed = (stack: typeof prod, suffix: string): Json => {
  const found = stack.resourceList("aws_cloudwatch_metric_alarm").filter((alarm) => alarm.alarm_name.endsWith(suffix));
  expect(found).toHaveLength(1);
  return found[0];
};

describe("application environments: the alarms that guard each rollout", () => {
  it("names each alarm as the deploy script reads them, and the service watches exactly those", () => {
    const names = Object.values(deploymentAlarmNames(vars, "prod", "frontend")).sort();
    const alarms = prod.resourceList("aws_cloudwatch_metric_alarm");
    expect(alarms.map((alarm) => alarm.alarm_name)).toEqual(expect.arrayContaining(names));
    const watched = prod.resource("aws_ecs_service").alarms.alarm_names.map((reference: string) => {
      const id = /^\$\{aws_cloudwatch_metric_alarm\.([^.]+)\.alarm_name\}$/.exec(reference)?.[1] ?? "";
      return prod.resources("aws_cloudwatch_metric_alarm")[id]?.alarm_name;
    });
    expect(watched.sort()).toEqual(names);
  });

  it("takes every threshold and the evaluation window from vars", () => {
    const changed = copyVars();
    const service = changed.environments.prod?.service;
    if (!service) throw new Error("prod has no service");
    service.alarms = {
      ...service.alarms,
      target5xxPercent: 2.5,
      loadBalancer5xxPerMinute: 25,
      unhealthyTargets: 3,
      p99ResponseTimeMs: 750,
      evaluationMinutes: 4,
    };
    const stack = synthPlatform(changed).stack("prod");

    expect(alarmNamed(stack, "-target-5xx-rate").threshold).toBe(2.5);
    expect(alarmNamed(stack, "-load-balancer-5xx").threshold).toBe(25);
    expect(alarmNamed(stack, "-unhealthy-targets").threshold).toBe(3);
    expect(alarmNamed(stack, "-p99-response-time")).toMatchObject({ threshold: 0.75, extended_statistic: "p99" });
    for (const name of Object.values(deploymentAlarmNames(vars, "prod", "frontend"))) {
      const alarm = alarmNamed(stack, name);
      expect(alarm).toMatchObject({ evaluation_periods: 4, datapoints_to_alarm: 4 });
      // One-minute periods, so evaluationMinutes counts minutes.
      const periods = alarm.metric_query
        ? alarm.metric_query.flatMap((query: Json) => query.metric?.period ?? [])
        : [alarm.period];
      expect(new Set(periods)).toEqual(new Set([60]));
    }
  });

  it("measures the target 5xx rate as a share of the load balancer's requests", () => {
    const queries: Json[] = alarmNamed(prod, "-target-5xx-rate").metric_query;
    const rate = queries.find((query) => query.return_data === true);
    expect(rate?.expression).toBe("100 * FILL(errors, 0) / FILL(requests, 1)");
    expect(queries.map((query) => query.metric?.metric_name).filter(Boolean)).toEqual([
      "HTTPCode_Target_5XX_Count",
      "RequestCount",
    ]);
  });

  it("notifies the environment's own encrypted topic, whose key CloudWatch may use", () => {
    const topic = prod.resource("aws_sns_topic");
    expect(topic.name).toBe("connected-express-prod-alarms");
    const keyId = /^\$\{aws_kms_key\.([^.]+)\.arn\}$/.exec(topic.kms_master_key_id)?.[1] ?? "";
    const key = prod.resources("aws_kms_key")[keyId];
    expect(key?.enable_key_rotation).toBe(true);
    const cloudwatch = JSON.parse(key.policy).Statement.find(
      (s: Json) => s.Principal?.Service === "cloudwatch.amazonaws.com",
    );
    expect(cloudwatch.Action).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    for (const alarm of prod.resourceList("aws_cloudwatch_metric_alarm")) {
      expect(alarm.alarm_actions).toEqual([expect.stringMatching(/^\$\{aws_sns_topic\.[^.]+\.arn\}$/)]);
    }
  });

  it("counts unhealthy targets in the green target group too under blue/green", () => {
    const blueGreen = copyVars();
    for (const environment of Object.values(blueGreen.environments)) {
      if (environment.service) environment.service = { ...environment.service, deployment: "blue-green" };
    }
    const alarm = alarmNamed(synthPlatform(blueGreen).stack("prod"), "-unhealthy-targets");
    const groups = alarm.metric_query.filter((query: Json) => query.metric).map((query: Json) => query.id);
    expect(groups).toEqual(["blue", "green"]);
    expect(alarm.metric_query.find((query: Json) => query.return_data).expression).toBe(
      "FILL(blue, 0) + FILL(green, 0)",
    );
  });
});
