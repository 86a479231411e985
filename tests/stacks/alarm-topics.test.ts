import { describe, expect, it } from "vitest";
import type { Vars } from "../../config/schema";
import { PUBLISHING_SERVICES } from "../../stacks/constructs/alarm-topic";
import { copyVars, type Json, platform, type SynthesizedStack, synthPlatform } from "../support/synth";

const ENVIRONMENTS = ["dev", "mgmt", "prod"];
const app = platform();

/** The one statement of a policy document with `sid`. */
const statement = (policy: string, sid: string): Json => {
  const found = JSON.parse(policy).Statement.filter((s: Json) => s.Sid === sid);
  expect(found, sid).toHaveLength(1);
  return found[0];
};
const actionsOf = (s: Json): string[] => [s.Action].flat();

/** What lets anyone but this account's CloudWatch, Budgets and EventBridge publish to the topic. */
function publishProblems(policy: string, accountReference: string): string[] {
  return JSON.parse(policy).Statement.flatMap((s: Json) => {
    if (s.Effect !== "Allow" || !actionsOf(s).some((action) => /^sns:(Publish|\*)$/i.test(action))) return [];
    const services = [s.Principal?.Service].flat().filter(Boolean);
    const problems: string[] = [];
    if (s.Principal?.AWS !== undefined || s.Principal === "*") problems.push(`${s.Sid}: an AWS principal may publish`);
    const strangers = services.filter((service: string) => !PUBLISHING_SERVICES.includes(service));
    if (strangers.length > 0) problems.push(`${s.Sid}: ${strangers.join(", ")} may publish`);
    if (s.Condition?.StringEquals?.["aws:SourceAccount"] !== accountReference) {
      problems.push(`${s.Sid}: publishing is not limited to this account (aws:SourceAccount)`);
    }
    return problems;
  });
}

const topicOf = (stack: SynthesizedStack) => stack.resource("aws_sns_topic", "notifications/topic");
const policyOf = (stack: SynthesizedStack) => stack.resource("aws_sns_topic_policy", "notifications/topic_policy");
const accountOf = (stack: SynthesizedStack) =>
  `\${data.aws_caller_identity.${Object.keys(stack.data("aws_caller_identity"))[0]}.account_id}`;

/** The real vars with Slack set up: a workspace, a default channel, and prod's own channel. */
function withSlack(): Vars {
  const changed = copyVars();
  changed.notifications = { ...changed.notifications, slackWorkspaceId: "T0123ABCDEF", slackChannelId: "C0DEFAULT01" };
  const prod = changed.environments.prod;
  if (!prod) throw new Error("no prod environment");
  prod.notifications = { slackChannelId: "C0PROD00001" };
  return changed;
}

describe("alarm topics: one notification path per environment", () => {
  for (const name of ENVIRONMENTS) {
    it(`${name} has its own topic, encrypted with its own rotated key`, () => {
      const stack = app.stack(name);
      const topic = topicOf(stack);
      expect(topic.name).toBe(`connected-express-${name}-alarms`);
      const keyId = /^\$\{aws_kms_key\.([^.]+)\.arn\}$/.exec(topic.kms_master_key_id)?.[1] ?? "";
      expect(stack.resources("aws_kms_key")[keyId]?.enable_key_rotation).toBe(true);
    });

    it(`${name}'s topic takes messages only from CloudWatch, Budgets and EventBridge of this account`, () => {
      const stack = app.stack(name);
      const policy = policyOf(stack);
      expect(policy.arn).toMatch(/^\$\{aws_sns_topic\.notifications_topic_[^.]+\.arn\}$/);
      expect(publishProblems(policy.policy, accountOf(stack))).toEqual([]);
      expect([statement(policy.policy, "ServicesOfThisAccountPublish").Principal.Service].flat().sort()).toEqual(
        [...PUBLISHING_SERVICES].sort(),
      );
      expect(actionsOf(statement(policy.policy, "AccountManagesTopic"))).not.toContain("sns:Publish");
    });
  }

  it("would see a topic policy that lets an AWS principal, another service or any account publish", () => {
    const policy = policyOf(app.stack("prod")).policy;
    const account = accountOf(app.stack("prod"));
    const document = JSON.parse(policy);
    const open = structuredClone(document);
    open.Statement.push({ Sid: "Anyone", Effect: "Allow", Principal: "*", Action: "sns:Publish", Resource: "*" });
    expect(publishProblems(JSON.stringify(open), account)).toEqual([
      "Anyone: an AWS principal may publish",
      "Anyone: publishing is not limited to this account (aws:SourceAccount)",
    ]);
    const stranger = structuredClone(document);
    const services = stranger.Statement.find((s: Json) => s.Sid === "ServicesOfThisAccountPublish");
    services.Principal.Service.push("s3.amazonaws.com");
    delete services.Condition;
    expect(publishProblems(JSON.stringify(stranger), account)).toEqual([
      "ServicesOfThisAccountPublish: s3.amazonaws.com may publish",
      "ServicesOfThisAccountPublish: publishing is not limited to this account (aws:SourceAccount)",
    ]);
  });

  it("lets the publishing services use the topic's key, CloudWatch only for this account", () => {
    const stack = app.stack("prod");
    const keyId = /^\$\{aws_kms_key\.([^.]+)\.arn\}$/.exec(topicOf(stack).kms_master_key_id)?.[1] ?? "";
    const policy = stack.resources("aws_kms_key")[keyId].policy;
    const cloudwatch = statement(policy, "CloudWatchPublishesAlarms");
    expect(cloudwatch).toMatchObject({
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Condition: { StringEquals: { "aws:SourceAccount": accountOf(stack) } },
    });
    // EventBridge's requests to KMS carry no source account: a condition there would drop every event.
    const others = statement(policy, "BudgetsAndEventBridgePublish");
    expect(others.Principal.Service).toEqual(["budgets.amazonaws.com", "events.amazonaws.com"]);
    expect(others.Action).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(others.Condition).toBeUndefined();
  });
});

describe("alarm topics: the route to Slack through AWS Chatbot", () => {
  it("makes no Chatbot configuration while no Slack workspace is set: the topics have no subscriber", () => {
    for (const name of ENVIRONMENTS) {
      expect(app.stack(name).resources("aws_chatbot_slack_channel_configuration")).toEqual({});
      expect(app.stack(name).resources("aws_sns_topic")).not.toEqual({});
    }
  });

  const slack = synthPlatform(withSlack());
  const channelOf = (name: string) => slack.stack(name).resource("aws_chatbot_slack_channel_configuration");

  it("posts each environment's topic to its channel, prod's own and the default for the others", () => {
    expect(channelOf("prod")).toMatchObject({ slack_team_id: "T0123ABCDEF", slack_channel_id: "C0PROD00001" });
    expect(channelOf("dev").slack_channel_id).toBe("C0DEFAULT01");
    expect(channelOf("mgmt").slack_channel_id).toBe("C0DEFAULT01");
    for (const name of ENVIRONMENTS) {
      const topic = Object.keys(slack.stack(name).resources("aws_sns_topic"))[0];
      expect(channelOf(name)).toMatchObject({
        configuration_name: `connected-express-${name}-alarms`,
        sns_topic_arns: [`\${aws_sns_topic.${topic}.arn}`],
      });
    }
  });

  it("makes the configurations where Chatbot's API answers (eu-west-1 by default), not in the platform's region", () => {
    expect(channelOf("prod").region).toBe("eu-west-1");
  });

  it("holds Chatbot and every channel member's commands to CloudWatch's read-only policy", () => {
    const stack = slack.stack("prod");
    const readOnly = `arn:\${data.aws_partition.partition.partition}:iam::aws:policy/CloudWatchReadOnlyAccess`;
    expect(channelOf("prod").guardrail_policy_arns).toEqual([readOnly]);
    const role = stack.resource("aws_iam_role", "notifications/chatbot_role");
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal).toEqual({ Service: "chatbot.amazonaws.com" });
    expect(channelOf("prod").iam_role_arn).toMatch(/^\$\{aws_iam_role\.notifications_chatbot_role_[^.]+\.arn\}$/);
    const attachments = stack.resourceList("aws_iam_role_policy_attachment").filter((a) => /chatbot/.test(a.role));
    expect(attachments.map((a) => a.policy_arn)).toEqual([readOnly]);
  });
});
