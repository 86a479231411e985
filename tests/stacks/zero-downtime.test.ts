import { describe, expect, it } from "vitest";
import { zeroDowntimeViolations } from "../../scripts/review/zero-downtime";
import { copyVars, type Json, platform, synthPlatform } from "../support/synth";

const service = (stack: Json): Json => Object.values<Json>(stack.resource.aws_ecs_service)[0];
const targetGroup = (stack: Json): Json => Object.values<Json>(stack.resource.aws_lb_target_group)[0];
const alarm = (stack: Json): Json => Object.values<Json>(stack.resource.aws_cloudwatch_metric_alarm)[0];
const containers = (stack: Json): Json[] =>
  JSON.parse(Object.values<Json>(stack.resource.aws_ecs_task_definition)[0].container_definitions);
const setContainers = (stack: Json, next: Json[]) => {
  Object.values<Json>(stack.resource.aws_ecs_task_definition)[0].container_definitions = JSON.stringify(next);
};

/** A broken copy of the real prod stack: one deliberate change, then the checker's verdict. */
function violationsAfter(breakIt: (stack: Json) => void): string[] {
  const stack = structuredClone(platform().stack("prod").json);
  breakIt(stack);
  return zeroDowntimeViolations("prod", stack);
}

describe("zero downtime: no ECS service in any stack can drop traffic on deploy", () => {
  it("finds services to check in every application stack", () => {
    const withServices = Object.values(platform().stacks).filter((stack) => stack.json.resource?.aws_ecs_service);
    expect(withServices.map((stack) => stack.name).sort()).toEqual(["dev", "prod"]);
  });

  for (const [name, stack] of Object.entries(platform().stacks)) {
    it(`${name} has no service that could drop traffic`, () => {
      expect(zeroDowntimeViolations(name, stack.json)).toEqual([]);
    });
  }

  it("holds for the blue/green variant too", () => {
    const vars = copyVars();
    for (const environment of Object.values(vars.environments)) {
      if (environment.service) environment.service = { ...environment.service, deployment: "blue-green" };
    }
    const app = synthPlatform(vars);
    expect(zeroDowntimeViolations("prod", app.stack("prod").json)).toEqual([]);
    expect(zeroDowntimeViolations("dev", app.stack("dev").json)).toEqual([]);
  });
});

describe("zero downtime: the checker catches each deliberately broken copy", () => {
  const cases: [string, (stack: Json) => void, RegExp][] = [
    [
      "stopping old tasks before new ones serve (minimum healthy below 100)",
      (stack) => {
        service(stack).deployment_minimum_healthy_percent = 50;
      },
      /deployment_minimum_healthy_percent is 50/,
    ],
    [
      "a rolling deploy without room to surge (maximum below 200)",
      (stack) => {
        service(stack).deployment_maximum_percent = 150;
      },
      /deployment_maximum_percent is 150/,
    ],
    [
      "a circuit breaker that does not roll back",
      (stack) => {
        service(stack).deployment_circuit_breaker.rollback = false;
      },
      /circuit breaker without rollback/,
    ],
    [
      "a service without a circuit breaker",
      (stack) => {
        delete service(stack).deployment_circuit_breaker;
      },
      /circuit breaker without rollback/,
    ],
    [
      "a service without a load balancer",
      (stack) => {
        delete service(stack).load_balancer;
      },
      /no load balancer/,
    ],
    [
      "a target group without a health check",
      (stack) => {
        delete targetGroup(stack).health_check;
      },
      /has no HTTP health check/,
    ],
    [
      "a disabled health check",
      (stack) => {
        targetGroup(stack).health_check.enabled = false;
      },
      /has no HTTP health check/,
    ],
    [
      "a deregistration delay left at AWS's 300 s default",
      (stack) => {
        delete targetGroup(stack).deregistration_delay;
      },
      /leaves deregistration_delay at AWS's 300 s default/,
    ],
    [
      "a deregistration delay longer than the container's stop timeout",
      (stack) => {
        targetGroup(stack).deregistration_delay = "60";
      },
      /drains for 60 s but tasks are killed after 30 s/,
    ],
    [
      "a stop timeout shorter than the deregistration delay",
      (stack) => {
        setContainers(
          stack,
          containers(stack).map((container) => ({ ...container, stopTimeout: 5 })),
        );
      },
      /drains for 15 s but tasks are killed after 5 s/,
    ],
    [
      "Terraform owning the task definition (the deploy script's image would be reverted)",
      (stack) => {
        service(stack).lifecycle.ignore_changes = ["desired_count"];
      },
      /task_definition is not in lifecycle.ignore_changes/,
    ],
    [
      "Terraform owning an autoscaled desired count",
      (stack) => {
        service(stack).lifecycle.ignore_changes = ["task_definition"];
      },
      /autoscaled but desired_count is not in lifecycle.ignore_changes/,
    ],
    [
      "a service without deployment alarms",
      (stack) => {
        delete service(stack).alarms;
      },
      /no deployment alarms with rollback/,
    ],
    [
      "deployment alarms that do not roll back",
      (stack) => {
        service(stack).alarms.rollback = false;
      },
      /no deployment alarms with rollback/,
    ],
    [
      "a deployment alarm that no stack resource defines here",
      (stack) => {
        service(stack).alarms.alarm_names.push("someone-elses-alarm");
      },
      /deployment alarm someone-elses-alarm is not defined in this stack/,
    ],
    [
      "a deployment alarm without an action",
      (stack) => {
        delete alarm(stack).alarm_actions;
      },
      /deployment alarm connected-express-prod-frontend-[a-z0-9-]+ notifies no SNS topic of this stack/,
    ],
    [
      "a deployment alarm that notifies a topic outside the stack",
      (stack) => {
        alarm(stack).alarm_actions = ["arn:aws:sns:eu-central-1:123456789012:elsewhere"];
      },
      /notifies no SNS topic of this stack/,
    ],
    [
      "a deployment alarm whose actions are disabled",
      (stack) => {
        alarm(stack).actions_enabled = false;
      },
      /notifies no SNS topic of this stack/,
    ],
  ];

  for (const [what, breakIt, expected] of cases) {
    it(`reports ${what}`, () => {
      const violations = violationsAfter(breakIt);
      expect(violations).toEqual([expect.stringMatching(expected)]);
      expect(violations[0]).toMatch(/^prod\/aws_ecs_service\./);
    });
  }
});
