/**
 * AlarmTopic: an environment's notification path. An SNS topic encrypted with its own KMS key,
 * which only CloudWatch (alarms), AWS Budgets and EventBridge of this account may publish to, and,
 * once a Slack workspace is authorized for AWS Chatbot, the Chatbot configuration that posts every
 * message to the environment's Slack channel. Without Slack the topic exists with no subscriber.
 */
import { ChatbotSlackChannelConfiguration } from "@cdktf/provider-aws/lib/chatbot-slack-channel-configuration";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { Construct } from "constructs";
import { accountKey } from "./account-key";

/** The services that publish to an alarm topic: alarms, budget alerts and event rules. */
export const PUBLISHING_SERVICES = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com", "events.amazonaws.com"];

export interface SlackRoute {
  /** The workspace (team) id AWS Chatbot is authorized for (`notifications.slackWorkspaceId`). */
  readonly workspaceId: string;
  readonly channelId: string;
  /** A region where Chatbot's API answers (`notifications.chatbotRegion`). */
  readonly apiRegion: string;
}

export interface AlarmTopicProps {
  /** The topic's name (lib/naming.ts alarmTopicName); the Chatbot configuration and role share it. */
  readonly topicName: string;
  readonly accountId: string;
  /** ARN partition (aws, aws-cn ...). */
  readonly partition: string;
  /** @default - no Slack route: the topic has no subscriber */
  readonly slack?: SlackRoute;
}

export class AlarmTopic extends Construct {
  readonly topic: SnsTopic;
  readonly slackChannel?: ChatbotSlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const { accountId, partition, topicName } = props;
    const fromThisAccount = { StringEquals: { "aws:SourceAccount": accountId } };

    const key = accountKey(this, "topic_key", {
      description: `Encrypts the ${topicName} topic`,
      accountRootArn: `arn:${partition}:iam::${accountId}:root`,
      grants: [
        {
          Sid: "CloudWatchPublishesAlarms",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: fromThisAccount,
        },
        // No source condition here: EventBridge's requests to KMS carry none (a condition would drop
        // every event silently), and Budgets documents none. The topic policy admits only this account's.
        {
          Sid: "BudgetsAndEventBridgePublish",
          Effect: "Allow",
          Principal: { Service: ["budgets.amazonaws.com", "events.amazonaws.com"] },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
        },
      ],
    });
    this.topic = new SnsTopic(this, "topic", { name: topicName, kmsMasterKeyId: key.arn });

    new SnsTopicPolicy(this, "topic_policy", {
      arn: this.topic.arn,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            // The account manages the topic and its subscriptions (Chatbot's among them) but publishes nothing itself.
            Sid: "AccountManagesTopic",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
            Action: [
              "sns:GetTopicAttributes",
              "sns:SetTopicAttributes",
              "sns:AddPermission",
              "sns:RemovePermission",
              "sns:DeleteTopic",
              "sns:Subscribe",
              "sns:ListSubscriptionsByTopic",
            ],
            Resource: this.topic.arn,
          },
          {
            Sid: "ServicesOfThisAccountPublish",
            Effect: "Allow",
            Principal: { Service: PUBLISHING_SERVICES },
            Action: "sns:Publish",
            Resource: this.topic.arn,
            Condition: fromThisAccount,
          },
        ],
      }),
    });

    if (props.slack) this.slackChannel = this.slackRoute(props, props.slack);
  }

  /** Chatbot posts the topic's messages to the channel. Read-only: the role and every channel member's
   *  commands are held to CloudWatch's read-only policy, not ReadOnlyAccess, which reads the state files. */
  private slackRoute(props: AlarmTopicProps, slack: SlackRoute): ChatbotSlackChannelConfiguration {
    const readOnly = `arn:${props.partition}:iam::aws:policy/CloudWatchReadOnlyAccess`;
    const role = new IamRole(this, "chatbot_role", {
      name: `${props.topicName}-chatbot`,
      description: `AWS Chatbot reads CloudWatch for the ${props.topicName} Slack channel`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "chatbot.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    new IamRolePolicyAttachment(this, "chatbot_role_policy", { role: role.name, policyArn: readOnly });
    return new ChatbotSlackChannelConfiguration(this, "slack_channel", {
      configurationName: props.topicName,
      // Chatbot's API answers in four regions only; the configuration there subscribes this region's topic.
      region: slack.apiRegion,
      slackTeamId: slack.workspaceId,
      slackChannelId: slack.channelId,
      iamRoleArn: role.arn,
      guardrailPolicyArns: [readOnly],
      snsTopicArns: [this.topic.arn],
      loggingLevel: "ERROR",
    });
  }
}
