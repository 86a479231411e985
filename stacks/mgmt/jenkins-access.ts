/**
 * JenkinsAccess: https://jenkins.<mgmt zone>/ for the admin networks only. An internet-facing ALB
 * in the public subnets terminates TLS (ACM certificate validated in the mgmt zone, TLS 1.2+
 * policy), redirects HTTP to HTTPS, drops malformed headers, and is the only way in to Jenkins' port.
 */
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { LbTargetGroupAttachment } from "@cdktf/provider-aws/lib/lb-target-group-attachment";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Construct } from "constructs";
import { TLS_POLICY } from "../constructs/tls-policy";
import { allowTcpIn, allowTcpOut } from "./security-rules";

export interface JenkinsAccessProps {
  /** Name of the load balancer, its group and target group (at most 32 characters). */
  readonly name: string;
  readonly vpcId: string;
  /** Public subnets in at least two AZs. */
  readonly publicSubnetIds: readonly string[];
  /** Networks allowed to reach the UI. */
  readonly adminCidrs: readonly string[];
  /** The mgmt hosted zone: certificate validation and the alias record go there. */
  readonly zoneId: string;
  /** e.g. jenkins.mgmt.connected.express */
  readonly hostname: string;
  readonly jenkinsInstanceId: string;
  readonly jenkinsSecurityGroupId: string;
  /** The port Jenkins listens on. */
  readonly jenkinsPort: number;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** S3 bucket for the load balancer's access logs.
   *  @default - no access logs */
  readonly accessLogsBucket?: string;
  /** Key prefix of the access logs in `accessLogsBucket`, without slashes at either end (ELB adds them).
   *  @default - the bucket's root */
  readonly accessLogsPrefix?: string;
}

export class JenkinsAccess extends Construct {
  readonly loadBalancer: Lb;
  readonly securityGroup: SecurityGroup;
  readonly record: Route53Record;

  constructor(scope: Construct, id: string, props: JenkinsAccessProps) {
    super(scope, id);
    if (props.name.length > 32)
      throw new Error(`JenkinsAccess: name "${props.name}" is over 32 characters; shorten the project name`);
    if (props.publicSubnetIds.length < 2)
      throw new Error("JenkinsAccess needs public subnets in at least two AZs (an ALB requirement)");
    if (props.adminCidrs.length === 0)
      throw new Error("JenkinsAccess needs at least one admin CIDR to allow the UI from");
    if (props.accessLogsPrefix !== undefined && props.accessLogsBucket === undefined) {
      throw new Error("JenkinsAccess: accessLogsPrefix needs accessLogsBucket, the bucket the logs go to");
    }
    const prefix = props.accessLogsPrefix;
    if (prefix !== undefined && (prefix.startsWith("/") || prefix.endsWith("/") || prefix.includes("AWSLogs"))) {
      throw new Error(
        `JenkinsAccess: accessLogsPrefix "${prefix}" must not start or end with "/" nor contain "AWSLogs"`,
      );
    }

    this.securityGroup = new SecurityGroup(this, "security_group", {
      name: `${props.name}-lb`,
      description: "Jenkins load balancer: HTTPS (and HTTP to redirect) from the admin networks",
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-lb` },
    });
    const groupId = this.securityGroup.id;
    props.adminCidrs.forEach((cidr, index) => {
      allowTcpIn(this, `https_from_admin_${index}`, {
        securityGroupId: groupId,
        port: 443,
        cidr,
        description: `HTTPS to the Jenkins UI from admin network ${cidr}`,
      });
      allowTcpIn(this, `http_from_admin_${index}`, {
        securityGroupId: groupId,
        port: 80,
        cidr,
        description: `HTTP from admin network ${cidr}, redirected to HTTPS`,
      });
    });
    allowTcpOut(this, "to_jenkins", {
      securityGroupId: groupId,
      port: props.jenkinsPort,
      peerSecurityGroupId: props.jenkinsSecurityGroupId,
      description: "Requests and health checks to Jenkins",
    });
    allowTcpIn(this, "jenkins_from_lb", {
      securityGroupId: props.jenkinsSecurityGroupId,
      port: props.jenkinsPort,
      peerSecurityGroupId: groupId,
      description: "Jenkins UI from its load balancer only",
    });

    this.loadBalancer = new Lb(this, "load_balancer", {
      name: props.name,
      loadBalancerType: "application",
      internal: false,
      securityGroups: [groupId],
      subnets: [...props.publicSubnetIds],
      dropInvalidHeaderFields: true,
      desyncMitigationMode: "strictest",
      enableDeletionProtection: props.deletionProtection ?? true,
      accessLogs:
        props.accessLogsBucket === undefined
          ? undefined
          : { bucket: props.accessLogsBucket, prefix: props.accessLogsPrefix, enabled: true },
      tags: { Name: props.name },
    });

    const targetGroup = new LbTargetGroup(this, "target_group", {
      name: props.name,
      vpcId: props.vpcId,
      targetType: "instance",
      protocol: "HTTP",
      port: props.jenkinsPort,
      // Jenkins answers /login with 200 without a session; / redirects or asks for one.
      healthCheck: { enabled: true, path: "/login", matcher: "200", interval: 30, healthyThreshold: 2 },
      deregistrationDelay: "30",
    });
    new LbTargetGroupAttachment(this, "target", {
      targetGroupArn: targetGroup.arn,
      targetId: props.jenkinsInstanceId,
      port: props.jenkinsPort,
    });

    const certificate = new AcmCertificate(this, "certificate", {
      domainName: props.hostname,
      validationMethod: "DNS",
      lifecycle: { createBeforeDestroy: true },
    });
    const validationOption = certificate.domainValidationOptions.get(0);
    const validationRecord = new Route53Record(this, "certificate_validation_record", {
      zoneId: props.zoneId,
      name: validationOption.resourceRecordName,
      type: validationOption.resourceRecordType,
      records: [validationOption.resourceRecordValue],
      ttl: 300,
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, "certificate_validation", {
      certificateArn: certificate.arn,
      validationRecordFqdns: [validationRecord.fqdn],
    });

    new LbListener(this, "https", {
      loadBalancerArn: this.loadBalancer.arn,
      port: 443,
      protocol: "HTTPS",
      sslPolicy: TLS_POLICY,
      certificateArn: validation.certificateArn,
      defaultAction: [{ type: "forward", targetGroupArn: targetGroup.arn }],
    });
    new LbListener(this, "http_redirect", {
      loadBalancerArn: this.loadBalancer.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });

    this.record = new Route53Record(this, "record", {
      zoneId: props.zoneId,
      name: props.hostname,
      type: "A",
      alias: { name: this.loadBalancer.dnsName, zoneId: this.loadBalancer.zoneId, evaluateTargetHealth: false },
    });
  }
}
