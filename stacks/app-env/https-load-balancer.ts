/**
 * HttpsLoadBalancer: the public front door of one environment. An internet-facing ALB in the
 * public subnets; port 80 only redirects to 443; 443 terminates TLS with a DNS-validated ACM
 * certificate for <zone> and *.<zone>; an alias record <zone> → the ALB. With an alternate
 * target group (blue/green) it adds the production listener rule ECS switches, and optionally a
 * test listener (admin networks only) whose rule ECS points at the green revision first.
 */
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import type { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { TLS_POLICY } from "../constructs/tls-policy";

export interface HttpsLoadBalancerProps {
  /** Name of the load balancer (at most 32 characters). */
  readonly name: string;
  readonly vpcId: string;
  /** Public subnets, one per availability zone (at least two). */
  readonly subnetIds: string[];
  /** Hosted zone that holds the alias and the certificate's validation records. */
  readonly zoneId: string;
  /** The zone's name, e.g. dev.connected.express: the certificate covers it and *.<it>. */
  readonly domainName: string;
  /** Where the HTTPS listener (and the production rule) sends requests. */
  readonly targetGroup: LbTargetGroup;
  /** blue/green: the second target group; adds the production (and test) listener rules ECS switches.
   *  @default - no listener rules: the HTTPS listener forwards to `targetGroup` */
  readonly alternateTargetGroup?: LbTargetGroup;
  /** blue/green: a test listener on this port serves the green revision before the switch.
   *  @default - no test listener */
  readonly testListenerPort?: number;
  /** Networks allowed to reach the test listener.
   *  @default [] (required when testListenerPort is set) */
  readonly testListenerCidrs?: string[];
  /** @default false */
  readonly deletionProtection?: boolean;
  /** S3 bucket and prefix for access logs.
   *  @default - no access logs */
  readonly accessLogs?: { readonly bucket: string; readonly prefix: string };
}

export class HttpsLoadBalancer extends Construct {
  readonly loadBalancer: Lb;
  readonly securityGroup: SecurityGroup;
  readonly certificate: AcmCertificate;
  readonly httpsListener: LbListener;
  /** blue/green only: the rule ECS re-weights from blue to green. */
  readonly productionListenerRule?: LbListenerRule;
  readonly testListenerRule?: LbListenerRule;

  constructor(scope: Construct, id: string, props: HttpsLoadBalancerProps) {
    super(scope, id);
    const testListenerCidrs = props.testListenerCidrs ?? [];
    if (props.name.length > 32) {
      throw new Error(
        `load balancer name "${props.name}" exceeds 32 characters; shorten the project or environment name`,
      );
    }
    if (props.testListenerPort !== undefined && props.alternateTargetGroup === undefined) {
      throw new Error("testListenerPort needs alternateTargetGroup: a test listener only exists for blue/green");
    }
    if (props.testListenerPort !== undefined && testListenerCidrs.length === 0) {
      throw new Error("testListenerPort needs testListenerCidrs: list the admin networks allowed to test");
    }

    this.securityGroup = new SecurityGroup(this, "security_group", {
      name: `${props.name}-alb`,
      description: `Load balancer of ${props.domainName}: HTTP and HTTPS from anywhere`,
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-alb` },
    });
    const publicPorts = [
      { port: 80, why: "HTTP from anywhere (redirected to HTTPS)" },
      { port: 443, why: "HTTPS from anywhere" },
    ];
    for (const { port, why } of publicPorts) {
      new VpcSecurityGroupIngressRule(this, `ingress_${port}`, {
        securityGroupId: this.securityGroup.id,
        description: why,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: "0.0.0.0/0",
      });
    }

    this.loadBalancer = new Lb(this, "load_balancer", {
      name: props.name,
      loadBalancerType: "application",
      internal: false,
      subnets: props.subnetIds,
      securityGroups: [this.securityGroup.id],
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "defensive",
      enableDeletionProtection: props.deletionProtection ?? false,
      accessLogs: props.accessLogs && { ...props.accessLogs, enabled: true },
    });

    this.certificate = new AcmCertificate(this, "certificate", {
      domainName: props.domainName,
      subjectAlternativeNames: [`*.${props.domainName}`],
      validationMethod: "DNS",
      options: { certificateTransparencyLoggingPreference: "ENABLED" },
      lifecycle: { createBeforeDestroy: true },
    });
    // One record per name to validate; the apex and the wildcard share a record, hence allowOverwrite.
    const validationOptions = TerraformIterator.fromComplexList(
      this.certificate.domainValidationOptions,
      "domain_name",
    );
    const validationRecords = new Route53Record(this, "certificate_validation_record", {
      forEach: validationOptions,
      zoneId: props.zoneId,
      name: validationOptions.getString("resource_record_name"),
      type: validationOptions.getString("resource_record_type"),
      records: [validationOptions.getString("resource_record_value")],
      ttl: 60,
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, "certificate_validation", {
      certificateArn: this.certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(validationRecords).pluckProperty("fqdn")),
    });

    new LbListener(this, "http_listener", {
      loadBalancerArn: this.loadBalancer.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });

    // Blue/green needs forward-only actions on its listeners (ECS rejects fixed-response or redirect there).
    this.httpsListener = this.httpsListenerOn(443, "https_listener", validation, props.targetGroup);

    if (props.alternateTargetGroup) {
      this.productionListenerRule = this.switchableRule(
        "production_listener_rule",
        this.httpsListener,
        props.targetGroup,
        props.alternateTargetGroup,
      );
      if (props.testListenerPort !== undefined) {
        const port = props.testListenerPort;
        testListenerCidrs.forEach((cidr, index) => {
          new VpcSecurityGroupIngressRule(this, `ingress_test_${index}`, {
            securityGroupId: this.securityGroup.id,
            description: `Blue/green test listener from admin network ${cidr}`,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            cidrIpv4: cidr,
          });
        });
        const testListener = this.httpsListenerOn(port, "test_listener", validation, props.targetGroup);
        this.testListenerRule = this.switchableRule(
          "test_listener_rule",
          testListener,
          props.targetGroup,
          props.alternateTargetGroup,
        );
      }
    }

    new Route53Record(this, "alias_record", {
      zoneId: props.zoneId,
      name: props.domainName,
      type: "A",
      alias: { name: this.loadBalancer.dnsName, zoneId: this.loadBalancer.zoneId, evaluateTargetHealth: true },
    });
  }

  private httpsListenerOn(
    port: number,
    id: string,
    validation: AcmCertificateValidation,
    targetGroup: LbTargetGroup,
  ): LbListener {
    return new LbListener(this, id, {
      loadBalancerArn: this.loadBalancer.arn,
      port,
      protocol: "HTTPS",
      sslPolicy: TLS_POLICY,
      // The validated ARN: the listener waits until the certificate is issued.
      certificateArn: validation.certificateArn,
      defaultAction: [{ type: "forward", targetGroupArn: targetGroup.arn }],
    });
  }

  /** A forward rule over both target groups; ECS owns the weights during a deployment, so Terraform ignores them. */
  private switchableRule(id: string, listener: LbListener, blue: LbTargetGroup, green: LbTargetGroup): LbListenerRule {
    return new LbListenerRule(this, id, {
      listenerArn: listener.arn,
      priority: 1,
      condition: [{ pathPattern: { values: ["/*"] } }],
      action: [
        {
          type: "forward",
          forward: {
            targetGroup: [
              { arn: blue.arn, weight: 100 },
              { arn: green.arn, weight: 0 },
            ],
          },
        },
      ],
      lifecycle: { ignoreChanges: ["action"] },
    });
  }
}
