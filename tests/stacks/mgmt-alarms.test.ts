import { describe, expect, it } from "vitest";
import { copyVars, type Json, platform, synthPlatform } from "../support/synth";

const mgmt = platform().stack("mgmt");
const alarmNamed = (name: string, stack = mgmt): Json => {
  const found = stack.resourceList("aws_cloudwatch_metric_alarm").filter((alarm) => alarm.alarm_name === name);
  expect(found, name).toHaveLength(1);
  return found[0];
};
const TOPIC = /^\$\{aws_sns_topic\.notifications_topic_[^.]+\.arn\}$/;
/** EC2's recover action, in the stack's region and whatever partition the account is in. */
const RECOVER = /^arn:\$\{data\.aws_partition\.[^.]+\.partition\}:automate:eu-central-1:ec2:recover$/;

describe("mgmt: the hosts recover themselves and say so", () => {
  // [host name after the project, its construct id]: the bastion, the controller and the Jenkins agents.
  for (const [host, construct] of [
    ["bastion", "bastion"],
    ["jenkins", "jenkins"],
    ["jenkins-build-agent", "jenkins_build_agent"],
    ["jenkins-deploy-prod", "jenkins_deploy_agent_prod"],
  ]) {
    const instance = `\${aws_instance.${construct}_host_instance_`;

    it(`recovers ${host} onto other hardware when AWS's system status check fails, and tells the mgmt topic`, () => {
      const alarm = alarmNamed(`connected-express-${host}-system-status-check`);
      expect(alarm).toMatchObject({
        namespace: "AWS/EC2",
        metric_name: "StatusCheckFailed_System",
        statistic: "Maximum",
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        evaluation_periods: 2,
      });
      expect(alarm.dimensions.InstanceId.startsWith(instance)).toBe(true);
      expect(alarm.alarm_actions).toEqual([expect.stringMatching(RECOVER), expect.stringMatching(TOPIC)]);
      expect(alarm.ok_actions).toEqual([expect.stringMatching(TOPIC)]);
    });

    it(`tells about ${host} failing its instance status check, without acting on it`, () => {
      const alarm = alarmNamed(`connected-express-${host}-instance-status-check`);
      expect(alarm).toMatchObject({ metric_name: "StatusCheckFailed_Instance", evaluation_periods: 5 });
      expect(alarm.dimensions.InstanceId.startsWith(instance)).toBe(true);
      expect(alarm.alarm_actions).toEqual([expect.stringMatching(TOPIC)]);
    });
  }

  it("takes the minutes before recovery and before telling from vars", () => {
    const changed = copyVars();
    const management = changed.environments.mgmt?.management;
    if (!management) throw new Error("mgmt has no management section");
    management.alarms = { systemCheckMinutes: 3, instanceCheckMinutes: 7, jenkinsUnhealthyMinutes: 9 };
    const stack = synthPlatform(changed).stack("mgmt");
    expect(alarmNamed("connected-express-jenkins-system-status-check", stack).evaluation_periods).toBe(3);
    expect(alarmNamed("connected-express-bastion-instance-status-check", stack).evaluation_periods).toBe(7);
    expect(alarmNamed("connected-express-jenkins-unhealthy", stack).evaluation_periods).toBe(9);
  });

  it("tells when Jenkins has no healthy target behind its load balancer, counting silence as failing", () => {
    const alarm = alarmNamed("connected-express-jenkins-unhealthy");
    expect(alarm).toMatchObject({
      namespace: "AWS/ApplicationELB",
      metric_name: "HealthyHostCount",
      comparison_operator: "LessThanThreshold",
      threshold: 1,
      treat_missing_data: "breaching",
    });
    expect(alarm.dimensions.TargetGroup).toMatch(
      /^\$\{aws_lb_target_group\.jenkins_access_target_group_[^.]+\.arn_suffix\}$/,
    );
    expect(alarm.dimensions.LoadBalancer).toMatch(/^\$\{aws_lb\.jenkins_access_load_balancer_[^.]+\.arn_suffix\}$/);
  });
});

describe("mgmt: what the account shares", () => {
  it("has a monthly cost budget of 500 USD alerting the mgmt topic at 80 % forecast and at 100 % actual", () => {
    const budget = mgmt.resource("aws_budgets_budget");
    expect(budget).toMatchObject({
      name: "connected-express-monthly",
      budget_type: "COST",
      limit_amount: "500.00",
      limit_unit: "USD",
      time_unit: "MONTHLY",
    });
    expect(budget.notification).toHaveLength(2);
    expect(budget.notification).toEqual([
      expect.objectContaining({ notification_type: "FORECASTED", threshold: 80, threshold_type: "PERCENTAGE" }),
      expect.objectContaining({ notification_type: "ACTUAL", threshold: 100, threshold_type: "PERCENTAGE" }),
    ]);
    for (const notification of budget.notification) {
      expect(notification).toMatchObject({ comparison_operator: "GREATER_THAN" });
      expect(notification.subscriber_sns_topic_arns).toEqual([expect.stringMatching(TOPIC)]);
    }
  });

  it("takes the budget's amount and alert percentages from vars", () => {
    const changed = copyVars();
    changed.budget = { monthlyLimitUsd: 1234.5, forecastPercent: 90, actualPercent: 110 };
    const budget = synthPlatform(changed).stack("mgmt").resource("aws_budgets_budget");
    expect(budget.limit_amount).toBe("1234.50");
    expect(budget.notification.map((n: Json) => n.threshold)).toEqual([90, 110]);
  });

  it("alarms on the state bucket's 4xx errors, with S3 request metrics enabled over the whole bucket", () => {
    const metrics = mgmt.resource("aws_s3_bucket_metric");
    expect(metrics).toMatchObject({ bucket: "connected-express-terraform-state", name: "EntireBucket" });
    expect(alarmNamed("connected-express-state-bucket-4xx")).toMatchObject({
      namespace: "AWS/S3",
      metric_name: "4xxErrors",
      dimensions: { BucketName: "connected-express-terraform-state", FilterId: "EntireBucket" },
      statistic: "Sum",
      period: 300,
      threshold: 25,
    });
  });

  it("watches each NAT gateway of the network layer, one alarm per gateway, per-az too", () => {
    const single = alarmNamed("connected-express-nat-eu-central-1a-port-allocation-errors");
    expect(single).toMatchObject({ namespace: "AWS/NATGateway", metric_name: "ErrorPortAllocation", threshold: 1 });
    expect(single.dimensions.NatGatewayId).toMatch(
      /^\$\{data\.terraform_remote_state\.[^}]+nat_gateway_eu-central-1a[^}]+\}$/,
    );

    const perZone = copyVars();
    perZone.network = { ...perZone.network, natGateways: "per-az" };
    const names = synthPlatform(perZone)
      .stack("mgmt")
      .resourceList("aws_cloudwatch_metric_alarm")
      .map((alarm) => alarm.alarm_name)
      .filter((name) => name.includes("-nat-"));
    expect(names.sort()).toEqual([
      "connected-express-nat-eu-central-1a-port-allocation-errors",
      "connected-express-nat-eu-central-1b-port-allocation-errors",
    ]);
  });
});
