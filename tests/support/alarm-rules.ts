/**
 * The platform's rules for alarms, checked over synthesized Terraform JSON: every
 * aws_cloudwatch_metric_alarm notifies its own environment's topic when it fires and when it
 * clears, ends its description with a link to its runbook entry, and treats missing data on purpose
 * (set explicitly, and said in the description). Tests hold every stack to them and prove each rule
 * on a broken copy.
 */
import { MISSING_DATA, type MissingData } from "../../stacks/constructs/alarm";
import type { Json } from "./synth";

export interface AlarmExpectations {
  /** The environment's topic (lib/naming.ts alarmTopicName). */
  readonly topicName: string;
  /** `notifications.runbookUrl` in vars. */
  readonly runbookUrl: string;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `${aws_sns_topic.NAME.arn}` → NAME, if the action is a reference to a topic. */
function topicReference(action: unknown): string | undefined {
  return /^\$\{aws_sns_topic\.([^.}]+)\.arn\}$/.exec(String(action))?.[1];
}

/** The runbook entry an alarm's description links to, if it ends with `Runbook: <url>#<entry>`. */
export function runbookEntryOf(alarm: Json, runbookUrl: string): string | undefined {
  return new RegExp(` Runbook: ${escapeRegExp(runbookUrl)}#([a-z0-9]+(?:-[a-z0-9]+)*)$`).exec(
    String(alarm.alarm_description ?? ""),
  )?.[1];
}

/** What breaks the rules, one line per problem, naming the alarm. */
export function alarmProblems(stack: Json, expected: AlarmExpectations): string[] {
  const topics: Record<string, Json> = stack.resource?.aws_sns_topic ?? {};
  const ownTopic = (action: unknown) => {
    const name = topicReference(action);
    return name !== undefined && topics[name]?.name === expected.topicName;
  };
  const alarms: Record<string, Json> = stack.resource?.aws_cloudwatch_metric_alarm ?? {};
  return Object.entries(alarms).flatMap(([address, alarm]) => {
    const problems: string[] = [];
    const report = (problem: string) => problems.push(`${address}: ${problem}`);
    const alarmActions = list(alarm.alarm_actions);
    if (alarm.actions_enabled === false) report("actions are disabled");
    if (!alarmActions.some(ownTopic)) report(`no alarm action on this environment's topic ${expected.topicName}`);
    const others = alarmActions.filter((action) => !ownTopic(action) && !/:automate:/.test(String(action)));
    if (others.length > 0) report(`alarm actions beside the topic and EC2 automation: ${others.join(", ")}`);
    const okActions = list(alarm.ok_actions);
    if (okActions.length === 0 || !okActions.every(ownTopic)) {
      report(`OK actions are not this environment's topic ${expected.topicName} alone`);
    }
    if (runbookEntryOf(alarm, expected.runbookUrl) === undefined) {
      report(`description does not end with "Runbook: ${expected.runbookUrl}#<entry>"`);
    }
    const treatment = alarm.treat_missing_data as MissingData | undefined;
    if (treatment === undefined || !(treatment in MISSING_DATA)) {
      report(`treat_missing_data is ${treatment ?? "not set"}: choose one of ${Object.keys(MISSING_DATA).join(", ")}`);
    } else if (!String(alarm.alarm_description).includes(`Missing data ${MISSING_DATA[treatment]}: `)) {
      report(`description does not say why missing data ${MISSING_DATA[treatment]} (treat_missing_data ${treatment})`);
    }
    return problems;
  });
}
