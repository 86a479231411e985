import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadVars } from "../../config/load";
import { DEPLOYMENT_ALARM_KINDS } from "../../lib/naming";
import { zeroDowntimeViolations } from "../../scripts/review/zero-downtime";
import { SERVICE_ALARM_KINDS } from "../../stacks/app-env/service-alarms";
import { alarmProblems } from "../support/alarm-rules";
import { synthPlatform } from "../support/synth";

/** The real environments/ plus a staging.yaml, as a user would add it: no code change. */
function environmentsWithStaging(common: (text: string) => string = (text) => text): string {
  const dir = mkdtempSync(join(tmpdir(), "environments-"));
  cpSync(join(import.meta.dirname, "../../environments"), dir, { recursive: true });
  const commonFile = join(dir, "common.yaml");
  writeFileSync(commonFile, common(readFileSync(commonFile, "utf8")));
  writeFileSync(
    join(dir, "staging.yaml"),
    ["# Staging: a prod rehearsal.", "cidr: 10.0.48.0/20", "service:", "  desiredCount: 3", ""].join("\n"),
  );
  return dir;
}

describe("application environments: adding an environment file is enough", () => {
  const vars = loadVars(environmentsWithStaging());
  const app = synthPlatform(vars);
  const staging = app.stack("staging");

  it("synthesizes a staging stack beside dev and prod", () => {
    expect(Object.keys(app.stacks)).toEqual(expect.arrayContaining(["dev", "prod", "staging"]));
  });

  it("keeps staging's state under its own key", () => {
    expect(staging.json.terraform.backend.s3.key).toBe("connected-express/staging/terraform.tfstate");
  });

  it("gives staging its own cluster, service and task family with its desired count", () => {
    expect(staging.resource("aws_ecs_cluster").name).toBe("connected-express-staging");
    expect(staging.resource("aws_ecs_service")).toMatchObject({ name: "frontend", desired_count: 3 });
    expect(staging.resource("aws_ecs_task_definition").family).toBe("connected-express-staging-frontend");
  });

  it("serves staging.connected.express from staging's zone and subnets", () => {
    expect(staging.resource("aws_route53_record", "alias_record").name).toBe("staging.connected.express");
    expect(staging.resource("aws_acm_certificate").domain_name).toBe("staging.connected.express");
    expect(staging.resource("aws_lb").subnets[0]).toMatch(/network_staging_public_eu-central-1a/);
    expect(staging.json.output.service_url.value).toBe("https://staging.connected.express/");
  });

  it("holds staging to the zero-downtime invariants", () => {
    expect(zeroDowntimeViolations("staging", staging.json)).toEqual([]);
  });

  it("gives staging its own encrypted alarm topic", () => {
    expect(staging.resource("aws_sns_topic")).toMatchObject({
      name: "connected-express-staging-alarms",
      kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\./),
    });
  });

  it("gives staging every alarm of a service, each notifying staging's topic and linking the runbook", () => {
    const names = staging.resourceList("aws_cloudwatch_metric_alarm").map((alarm) => alarm.alarm_name);
    expect(names.sort()).toEqual(
      [...DEPLOYMENT_ALARM_KINDS, ...SERVICE_ALARM_KINDS]
        .map((kind) => `connected-express-staging-frontend-${kind}`)
        .sort(),
    );
    const expected = { topicName: "connected-express-staging-alarms", runbookUrl: vars.notifications.runbookUrl };
    expect(alarmProblems(staging.json, expected)).toEqual([]);
  });

  it("gives staging its own dashboard", () => {
    expect(staging.resource("aws_cloudwatch_dashboard").dashboard_name).toBe("connected-express-staging");
  });

  it("routes staging's alarms to the default Slack channel once Slack is set in common.yaml", () => {
    const slack = (text: string) =>
      `${text}notifications:\n  slackWorkspaceId: T0123ABCDEF\n  slackChannelId: C0DEFAULT01\n`;
    const channel = synthPlatform(loadVars(environmentsWithStaging(slack)))
      .stack("staging")
      .resource("aws_chatbot_slack_channel_configuration");
    expect(channel).toMatchObject({
      configuration_name: "connected-express-staging-alarms",
      slack_channel_id: "C0DEFAULT01",
    });
  });
});
