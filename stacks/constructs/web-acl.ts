/**
 * WebAcl: a regional AWS WAF web ACL in front of a load balancer, built from AWS managed rule
 * groups. Each group blocks on match, or only counts; single rules of a blocking group can be
 * turned to count. Every decision is logged to a KMS-encrypted log group (WAF delivers only to
 * groups named `aws-waf-logs-...`).
 */
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { Construct } from "constructs";
import { EncryptedLogGroup } from "./encrypted-log-group";

export interface ManagedRuleGroup {
  /** An AWS managed rule group, e.g. AWSManagedRulesKnownBadInputsRuleSet. */
  readonly name: string;
  /** block: matching requests are blocked; count: they are only recorded. */
  readonly mode: "block" | "count";
  /** Rules of a blocking group that only count (e.g. HostingProviderIPList for admins on cloud VPNs).
   *  @default - none */
  readonly countOnlyRules?: readonly string[];
}

export interface WebAclProps {
  /** Name of the web ACL and suffix of its log group. */
  readonly name: string;
  readonly description: string;
  /** ARN of the load balancer to protect. */
  readonly resourceArn: string;
  readonly region: string;
  /** Evaluated in this order. */
  readonly ruleGroups: readonly ManagedRuleGroup[];
  /** Must be one of CloudWatch's retention periods.
   *  @default 30 */
  readonly logRetentionDays?: number;
  /** Requests one client IP may send in 5 minutes before it is blocked (`waf.rateLimitPerFiveMinutes`). */
  readonly rateLimitPerFiveMinutes: number;
}

/** Headers that carry credentials (API tokens, sessions): never written to the WAF logs. */
export const REDACTED_HEADERS = ["authorization", "cookie"] as const;

export class WebAcl extends Construct {
  readonly webAcl: Wafv2WebAcl;
  /** The web ACL's CloudWatch metric name (the `WebACL` dimension of its metrics): its name. */
  readonly metricName: string;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    if (props.ruleGroups.length === 0) throw new Error(`WebAcl ${props.name}: list at least one managed rule group`);
    this.metricName = props.name;
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });

    this.webAcl = new Wafv2WebAcl(this, "web_acl", {
      name: props.name,
      description: props.description,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: visibility(this.metricName),
      rule: [
        // First: one client flooding the load balancer is blocked before any other rule runs.
        {
          name: "rate-limit-per-ip",
          priority: 0,
          action: { block: {} },
          statement: {
            rate_based_statement: { limit: props.rateLimitPerFiveMinutes, aggregate_key_type: "IP" },
          },
          visibilityConfig: visibility(`${props.name}-rate-limit-per-ip`),
        },
        ...props.ruleGroups.map(({ name, mode, countOnlyRules = [] }, index) => ({
          name,
          priority: index + 1,
          overrideAction: mode === "count" ? { count: {} } : { none: {} },
          // `statement` is untyped in the provider bindings: Terraform's own snake_case keys.
          statement: {
            managed_rule_group_statement: {
              name,
              vendor_name: "AWS",
              rule_action_override: countOnlyRules.map((rule) => ({ name: rule, action_to_use: { count: {} } })),
            },
          },
          visibilityConfig: visibility(`${props.name}-${name}`),
        })),
      ],
    });
    new Wafv2WebAclAssociation(this, "association", {
      resourceArn: props.resourceArn,
      webAclArn: this.webAcl.arn,
    });

    const logs = new EncryptedLogGroup(this, "logs", {
      name: `aws-waf-logs-${props.name}`,
      region: props.region,
      retentionDays: props.logRetentionDays ?? 30,
    });
    new Wafv2WebAclLoggingConfiguration(this, "logging", {
      resourceArn: this.webAcl.arn,
      logDestinationConfigs: [logs.logGroup.arn],
      redactedFields: REDACTED_HEADERS.map((name) => ({ singleHeader: { name } })),
    });
  }
}
