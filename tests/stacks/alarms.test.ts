import { describe, expect, it } from "vitest";
import { alarmTopicName } from "../../lib/naming";
import { vars } from "../../stacks/global/vars";
import { type AlarmExpectations, alarmProblems } from "../support/alarm-rules";
import { type Json, platform } from "../support/synth";

const app = platform();
const expectationsFor = (environment: string): AlarmExpectations => ({
  topicName: alarmTopicName(vars, environment),
  runbookUrl: vars.notifications.runbookUrl,
});
const prod = app.stack("prod").json;
const firstAlarm = (stack: Json): Json => Object.values<Json>(stack.resource.aws_cloudwatch_metric_alarm)[0];
/** prod's synthesized JSON with its first alarm changed by `breakIt`. */
function brokenProd(breakIt: (alarm: Json, stack: Json) => void): Json {
  const copy = structuredClone(prod);
  breakIt(firstAlarm(copy), copy);
  return copy;
}

describe("every alarm of every stack keeps the platform's rules", () => {
  it("raises alarms in mgmt and in every application environment; global and network have none of their own", () => {
    const withAlarms = Object.entries(app.stacks)
      .filter(([, stack]) => Object.keys(stack.resources("aws_cloudwatch_metric_alarm")).length > 0)
      .map(([name]) => name);
    expect(withAlarms.sort()).toEqual(["dev", "mgmt", "prod"]);
  });

  for (const [name, stack] of Object.entries(app.stacks)) {
    it(`${name}: each alarm notifies its own environment's topic on alarm and OK, links the runbook, and treats missing data on purpose`, () => {
      expect(alarmProblems(stack.json, expectationsFor(name))).toEqual([]);
    });
  }
});

describe("the alarm rules fail on a deliberately broken copy", () => {
  const problemsOf = (stack: Json) => alarmProblems(stack, expectationsFor("prod"));

  it("reports an alarm that does not tell when it clears", () => {
    const broken = brokenProd((alarm) => {
      alarm.ok_actions = [];
    });
    expect(problemsOf(broken)).toEqual([expect.stringMatching(/OK actions are not this environment's topic/)]);
  });

  it("reports an alarm that notifies another environment's topic", () => {
    const broken = brokenProd((alarm) => {
      alarm.alarm_actions = [`\${data.terraform_remote_state.mgmt.outputs.alarm_topic_arn}`];
      alarm.ok_actions = alarm.alarm_actions;
    });
    expect(problemsOf(broken)).toEqual([
      expect.stringMatching(/no alarm action on this environment's topic connected-express-prod-alarms/),
      expect.stringMatching(/alarm actions beside the topic/),
      expect.stringMatching(/OK actions are not/),
    ]);
  });

  it("reports alarms whose stack's topic belongs to another environment", () => {
    const broken = brokenProd((_, stack) => {
      for (const topic of Object.values<Json>(stack.resource.aws_sns_topic))
        topic.name = "connected-express-dev-alarms";
    });
    const unrouted = problemsOf(broken).filter((problem) =>
      /no alarm action on this environment's topic/.test(problem),
    );
    expect(unrouted).toHaveLength(Object.keys(prod.resource.aws_cloudwatch_metric_alarm).length);
  });

  it("reports an alarm with its actions disabled", () => {
    const broken = brokenProd((alarm) => {
      alarm.actions_enabled = false;
    });
    expect(problemsOf(broken)).toEqual([expect.stringMatching(/actions are disabled/)]);
  });

  it("reports a description without its runbook link", () => {
    const broken = brokenProd((alarm) => {
      alarm.alarm_description = String(alarm.alarm_description).replace(/ Runbook: .*$/, "");
    });
    expect(problemsOf(broken)).toEqual([expect.stringMatching(/description does not end with "Runbook: /)]);
  });

  it("reports an alarm that leaves missing data to CloudWatch's default", () => {
    const broken = brokenProd((alarm) => {
      delete alarm.treat_missing_data;
    });
    expect(problemsOf(broken)).toEqual([expect.stringMatching(/treat_missing_data is not set/)]);
  });

  it("reports an alarm that treats missing data otherwise than its description says", () => {
    const broken = brokenProd((alarm) => {
      alarm.treat_missing_data = alarm.treat_missing_data === "breaching" ? "notBreaching" : "breaching";
    });
    expect(problemsOf(broken)).toEqual([expect.stringMatching(/description does not say why missing data/)]);
  });
});
