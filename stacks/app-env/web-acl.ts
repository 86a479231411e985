/**
 * WebAcl: a regional AWS WAF web ACL in front of a load balancer. AWS's managed rule groups
 * (IP reputation, known bad inputs such as Log4Shell probes, the common rule set) block
 * known-bad requests before they reach the tasks (anonymous IPs are only counted); every decision is logged to an encrypted
 * log group (WAF requires the `aws-waf-logs-` prefix).
 */
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { Construct } from "constructs";
import { EncryptedLogGroup } from "../constructs/encrypted-log-group";

/** Evaluated in this order. `count` only records matches: anonymous IPs include corporate VPNs
 *  and cloud-hosted monitors, so they are observed, not blocked. The others block on match. */
export const MANAGED_RULE_GROUPS: readonly { readonly name: string; readonly mode: "block" | "count" }[] = [
  { name: "AWSManagedRulesAmazonIpReputationList", mode: "block" },
  { name: "AWSManagedRulesKnownBadInputsRuleSet", mode: "block" },
  { name: "AWSManagedRulesCommonRuleSet", mode: "block" },
  { name: "AWSManagedRulesAnonymousIpList", mode: "count" },
];

export interface WebAclProps {
  /** Name of the web ACL and suffix of its log group. */
  readonly name: string;
  /** ARN of the load balancer to protect. */
  readonly resourceArn: string;
  readonly region: string;
  /** @default 30 */
  readonly logRetentionDays?: number;
}

export class WebAcl extends Construct {
  readonly webAcl: Wafv2WebAcl;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });

    this.webAcl = new Wafv2WebAcl(this, "web_acl", {
      name: props.name,
      description: `Blocks known-bad requests to ${props.name}`,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      rule: MANAGED_RULE_GROUPS.map(({ name, mode }, priority) => ({
        name,
        priority,
        overrideAction: mode === "count" ? { count: {} } : { none: {} },
        // `statement` is untyped in the provider bindings: Terraform's own snake_case keys.
        statement: { managed_rule_group_statement: { name, vendor_name: "AWS" } },
        visibilityConfig: visibility(name),
      })),
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
    });
  }
}
