/**
 * moto does not simulate rollouts: UpdateService keeps the old deployment list. This scripts
 * what ECS would report after the update: every call goes to moto (register, update, describe
 * task definitions ...), and DescribeServices answers come from moto with their deployments
 * (and events) replaced by the script's step for that poll.
 */
import {
  type Deployment,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type ServiceEvent,
  type Task,
  UpdateServiceCommand,
  type UpdateServiceCommandInput,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { vars } from "../../../stacks/global/vars";
import { clientConfig } from "../../src/aws/config";

export interface RolloutContext {
  /** Task definition of each UpdateService call, in order. */
  readonly updates: string[];
  /** The revision the service ran before the first update. */
  readonly previous: string;
  /** DescribeServices calls since the latest update (0 = the first poll after it). */
  readonly poll: number;
}

export interface RolloutStep {
  readonly deployments: Deployment[];
  readonly events?: ServiceEvent[];
}

export type RolloutScript = (context: RolloutContext) => RolloutStep;

export function deployment(
  status: "PRIMARY" | "ACTIVE",
  taskDefinition: string,
  rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED",
  running: number,
  desired: number,
  extra: Partial<Deployment> = {},
): Deployment {
  return {
    id: `ecs-svc/${taskDefinition.split(":").pop()}${status === "PRIMARY" ? "1" : "0"}`,
    status,
    taskDefinition,
    rolloutState,
    runningCount: running,
    desiredCount: desired,
    pendingCount: Math.max(desired - running, 0),
    ...extra,
  };
}

/**
 * Mocks `ecs` (one instance): scripted DescribeServices after an update, and scripted stopped tasks
 * (moto's service starts no tasks), moto for everything else.
 */
export function scriptRollout(
  ecs: ECSClient,
  script: RolloutScript,
  stoppedTasks: (newArn: string) => Task[] = () => [],
) {
  const moto = new ECSClient(clientConfig(vars.region));
  const mock = mockClient(ecs);
  mock.send.callThrough();
  const updates: string[] = [];
  let previous = "";
  let poll = 0;
  mock.on(UpdateServiceCommand).callsFake(async (input: UpdateServiceCommandInput) => {
    updates.push(String(input.taskDefinition));
    poll = 0;
    return moto.send(new UpdateServiceCommand(input));
  });
  mock.on(DescribeServicesCommand).callsFake(async (input) => {
    const real = await moto.send(new DescribeServicesCommand(input));
    const service = real.services?.[0];
    if (!service) return real;
    if (updates.length === 0) {
      previous = String(service.taskDefinition);
      return real;
    }
    const step = script({ updates: [...updates], previous, poll });
    poll += 1;
    const primary = step.deployments.find((entry) => entry.status === "PRIMARY");
    return {
      ...real,
      services: [{ ...service, taskDefinition: primary?.taskDefinition, ...step }],
    };
  });
  mock.on(ListTasksCommand).callsFake(async () => ({
    taskArns: stoppedTasks(updates[0]).map((task) => String(task.taskArn)),
  }));
  mock.on(DescribeTasksCommand).callsFake(async () => ({ tasks: stoppedTasks(updates[0]) }));
  return { mock, updates };
}
