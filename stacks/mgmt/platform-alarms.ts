/**
 * PlatformAlarms: what the whole account shares, watched from the management layer and told to its
 * topic. The monthly cost budget (forecast and actual alerts), the Terraform state bucket's 4xx
 * errors (S3 request metrics enabled on it for that), and each NAT gateway of the network layer
 * failing to open connections. Thresholds come from `budget` and `alarms` in common.yaml.
 */
import { BudgetsBudget } from "@cdktf/provider-aws/lib/budgets-budget";
import { S3BucketMetric } from "@cdktf/provider-aws/lib/s3-bucket-metric";
import { Construct } from "constructs";
import type { BudgetVars, PlatformAlarmsVars } from "../../config/operations";
import { type AlarmRoute, metricAlarm, type WatchedAlarm } from "../constructs/alarm";

export interface PlatformAlarmsProps {
  /** Prefix of every name (`project` in vars). */
  readonly project: string;
  /** The Terraform state bucket (made by bootstrap-state, not by a stack). */
  readonly stateBucket: string;
  /** Zone → NAT gateway id (the network layer's). */
  readonly natGatewayIds: Readonly<Record<string, string>>;
  readonly budget: BudgetVars;
  readonly thresholds: PlatformAlarmsVars;
  /** The mgmt environment's topic and the runbook. */
  readonly route: AlarmRoute;
}

/** The request-metrics filter over the whole bucket: its id is the `FilterId` dimension. */
const WHOLE_BUCKET = "EntireBucket";
const FIVE_MINUTES = 300;

export class PlatformAlarms extends Construct {
  readonly budget: BudgetsBudget;
  readonly alarms: WatchedAlarm[] = [];

  constructor(scope: Construct, id: string, props: PlatformAlarmsProps) {
    super(scope, id);
    const { budget, thresholds: limits, route } = props;

    // Account-wide: the account holds this platform and nothing else (no cost-allocation tag to activate).
    const alert = (notificationType: "FORECASTED" | "ACTUAL", threshold: number) => ({
      notificationType,
      comparisonOperator: "GREATER_THAN",
      threshold,
      thresholdType: "PERCENTAGE",
      subscriberSnsTopicArns: [route.topicArn],
    });
    this.budget = new BudgetsBudget(this, "monthly_budget", {
      name: `${props.project}-monthly`,
      budgetType: "COST",
      limitAmount: budget.monthlyLimitUsd.toFixed(2),
      limitUnit: "USD",
      timeUnit: "MONTHLY",
      notification: [alert("FORECASTED", budget.forecastPercent), alert("ACTUAL", budget.actualPercent)],
    });

    // S3 publishes 4xxErrors only for buckets with request metrics (about $0.30 a month for one filter).
    new S3BucketMetric(this, "state_bucket_metrics", { bucket: props.stateBucket, name: WHOLE_BUCKET });
    this.alarms.push(
      metricAlarm(this, "state_bucket_4xx", route, {
        alarmName: `${props.project}-state-bucket-4xx`,
        runbookEntry: "state-bucket-4xx",
        summary: `${limits.stateBucket4xxPerFiveMinutes} or more requests to the Terraform state bucket ${props.stateBucket} refused (4xx) in 5 minutes: access denied or a fight over locks.`,
        measure: {
          namespace: "AWS/S3",
          metricName: "4xxErrors",
          dimensions: { BucketName: props.stateBucket, FilterId: WHOLE_BUCKET },
          stat: "Sum",
          periodSeconds: FIVE_MINUTES,
          label: "State bucket 4xx",
        },
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: limits.stateBucket4xxPerFiveMinutes,
        evaluationPeriods: 1,
        missingData: { treatAs: "notBreaching", because: "S3 reports request metrics only for periods with requests" },
      }),
    );

    for (const [zone, natGatewayId] of Object.entries(props.natGatewayIds)) {
      this.alarms.push(
        metricAlarm(this, `nat_${zone}_port_allocation`, route, {
          alarmName: `${props.project}-nat-${zone}-port-allocation-errors`,
          runbookEntry: "nat-port-allocation-errors",
          summary: `The NAT gateway in ${zone} failed to open ${limits.natPortAllocationErrorsPerFiveMinutes} or more connections in 5 minutes for want of source ports: outbound connections from the private subnets fail.`,
          measure: {
            namespace: "AWS/NATGateway",
            metricName: "ErrorPortAllocation",
            dimensions: { NatGatewayId: natGatewayId },
            stat: "Sum",
            periodSeconds: FIVE_MINUTES,
            label: `NAT ${zone} port allocation errors`,
          },
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: limits.natPortAllocationErrorsPerFiveMinutes,
          evaluationPeriods: 1,
          missingData: { treatAs: "notBreaching", because: "a NAT gateway without traffic reports nothing" },
        }),
      );
    }
  }
}
