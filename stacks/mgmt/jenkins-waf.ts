/**
 * JenkinsWaf: a web ACL in front of the Jenkins load balancer. The security group already limits
 * callers to the admin networks; the ACL adds AWS's known-bad-inputs rules (Log4j, Java
 * deserialization and similar exploit payloads, the classic Jenkins attack surface) and drops
 * addresses on Amazon's IP reputation list and anonymizers (Tor, open proxies), in case an admin
 * network itself is compromised.
 * The common rule set is left out: its 8 KB body limit blocks Jenkins' own configuration forms.
 * Requests the ACL sees are logged to a KMS-encrypted log group kept for a year.
 */
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { Construct } from "constructs";
import { EncryptedLogGroup } from "../constructs/encrypted-log-group";

export interface JenkinsWafProps {
  /** Name of the ACL and suffix of its log group (`aws-waf-logs-<name>`). */
  readonly name: string;
  /** ARN of the load balancer to protect. */
  readonly loadBalancerArn: string;
  readonly region: string;
  /** Must be one of CloudWatch's retention periods.
   *  @default 365 */
  readonly logRetentionDays?: number;
}

/** AWS managed rule groups evaluated in this order. */
export const JENKINS_WAF_RULE_GROUPS = [
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesAnonymousIpList",
];

/** Rules of those groups that only count: admin VPNs often leave through a hosting provider's addresses. */
const COUNT_ONLY: Record<string, string[]> = { AWSManagedRulesAnonymousIpList: ["HostingProviderIPList"] };

export class JenkinsWaf extends Construct {
  readonly webAcl: Wafv2WebAcl;

  constructor(scope: Construct, id: string, props: JenkinsWafProps) {
    super(scope, id);
    const metrics = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });

    this.webAcl = new Wafv2WebAcl(this, "web_acl", {
      name: props.name,
      description: "Jenkins UI: blocks known exploit payloads and bad-reputation addresses",
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: metrics(props.name),
      rule: JENKINS_WAF_RULE_GROUPS.map((group, priority) => ({
        name: group,
        priority,
        overrideAction: { none: {} },
        // `statement` is untyped in the provider: written in Terraform's own (snake_case) shape.
        statement: {
          managed_rule_group_statement: {
            name: group,
            vendor_name: "AWS",
            rule_action_override: (COUNT_ONLY[group] ?? []).map((rule) => ({
              name: rule,
              action_to_use: { count: {} },
            })),
          },
        },
        visibilityConfig: metrics(`${props.name}-${group}`),
      })),
    });
    new Wafv2WebAclAssociation(this, "association", {
      resourceArn: props.loadBalancerArn,
      webAclArn: this.webAcl.arn,
    });

    const logs = new EncryptedLogGroup(this, "logs", {
      // WAF delivers only to log groups whose name starts with aws-waf-logs-.
      name: `aws-waf-logs-${props.name}`,
      region: props.region,
      retentionDays: props.logRetentionDays ?? 365,
    });
    new Wafv2WebAclLoggingConfiguration(this, "logging", {
      resourceArn: this.webAcl.arn,
      logDestinationConfigs: [logs.logGroup.arn],
    });
  }
}
