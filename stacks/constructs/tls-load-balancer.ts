/**
 * TlsLoadBalancer: an internet-facing Application Load Balancer that serves one name over TLS,
 * built the same way in every layer. Its own security group (80 and 443 from the given networks);
 * hardening (malformed headers dropped, HTTP desync mitigation, deletion protection, access logs);
 * a DNS-validated ACM certificate; HTTPS on 443 with a TLS policy of tls-policy.ts and security
 * headers (HSTS, nosniff, frame options), forwarding to one target group;
 * HTTP on 80 redirected to HTTPS; an alias record; a WAF web ACL. Variants add only their own:
 * the app env its blue/green listener rules, mgmt its Jenkins instance target.
 */
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import type { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { TerraformIterator, Token } from "cdktf";
import { Construct } from "constructs";
import { allowTcpInFromNetworks } from "./security-rules";
import { STRICT_TRANSPORT_SECURITY, TLS_POLICIES, type TlsPolicyName } from "./tls-policy";
import { WebAcl, type WebAclProps } from "./web-acl";

/** The web ACL in front of a load balancer; it takes the load balancer's name. */
export type LoadBalancerFirewall = Omit<WebAclProps, "name" | "resourceArn" | "region">;

export interface TlsLoadBalancerProps {
  /** Name of the load balancer and of its web ACL (at most 32 characters, an ALB limit). */
  readonly name: string;
  readonly vpcId: string;
  /** Public subnets, one per availability zone; at least two (an ALB limit). */
  readonly subnetIds: readonly string[];
  /** Networks that may connect on 80 and 443: `0.0.0.0/0` for a public site, the admin networks for a tool. */
  readonly allowedCidrs: readonly string[];
  /** The name served: the certificate's domain and the alias record's name. */
  readonly domainName: string;
  /** More names on the certificate, validated in the same zone (e.g. `*.<domainName>`).
   *  @default [] */
  readonly subjectAlternativeNames?: readonly string[];
  /** Hosted zone of `domainName`: the alias and the certificate's validation records go there. */
  readonly zoneId: string;
  /** Where HTTPS requests go: a target group, or a function that makes one inside this construct
   *  (for a load balancer that owns its targets). */
  readonly targetGroup: LbTargetGroup | ((scope: Construct) => LbTargetGroup);
  /** Refuse deletion. No default: each environment file's `deletionProtection` decides. */
  readonly deletionProtection: boolean;
  /** How requests that HTTP desync (request smuggling) relies on are treated. `defensive`, AWS's
   *  default, blocks the dangerous ones and lets ambiguous but common ones through, which a public
   *  site needs for clients it does not control; `strictest` also refuses every request that is not
   *  strictly RFC 7230, which a tool used only from admins' browsers can afford.
   *  @default "defensive" */
  readonly desyncMitigationMode?: "defensive" | "strictest";
  /** Access logs: the shared bucket, and this load balancer's prefix in it, without a slash at
   *  either end and without "AWSLogs" (ELB adds both). */
  readonly accessLogs: { readonly bucket: string; readonly prefix: string };
  readonly firewall: LoadBalancerFirewall;
  /** Region of the web ACL's log group. */
  readonly region: string;
  /** Says who may connect. AWS replaces a group whose name or description changes, so both keep
   *  their first value. */
  readonly securityGroupDescription: string;
  /** @default `<name>-alb` */
  readonly securityGroupName?: string;
  /** TLS policy of every HTTPS listener (stacks/constructs/tls-policy.ts): `public` keeps TLS 1.2
   *  (AEAD ciphers only) for clients the platform does not control; `admin` is TLS 1.3 only.
   *  @default "public" */
  readonly tlsPolicy?: TlsPolicyName;
  /** X-Frame-Options on every response: `DENY` for a site nobody frames; `SAMEORIGIN` for a tool
   *  that frames its own pages (Jenkins).
   *  @default "DENY" */
  readonly frameOptions?: "DENY" | "SAMEORIGIN";
}

export class TlsLoadBalancer extends Construct {
  readonly securityGroup: SecurityGroup;
  readonly loadBalancer: Lb;
  readonly certificate: AcmCertificate;
  /** One record per name to validate, keyed by the name (for_each). */
  readonly validationRecords: Route53Record;
  readonly targetGroup: LbTargetGroup;
  readonly httpListener: LbListener;
  readonly httpsListener: LbListener;
  readonly aliasRecord: Route53Record;
  readonly webAcl: WebAcl;
  private readonly validation: AcmCertificateValidation;
  private readonly tlsPolicy: string;
  private readonly frameOptions: "DENY" | "SAMEORIGIN";

  constructor(scope: Construct, id: string, props: TlsLoadBalancerProps) {
    super(scope, id);
    validate(props);
    const { name, domainName, zoneId } = props;
    const sans = props.subjectAlternativeNames ?? [];
    const groupName = props.securityGroupName ?? `${name}-alb`;
    this.tlsPolicy = TLS_POLICIES[props.tlsPolicy ?? "public"];
    this.frameOptions = props.frameOptions ?? "DENY";

    this.securityGroup = new SecurityGroup(this, "security_group", {
      name: groupName,
      description: props.securityGroupDescription,
      vpcId: props.vpcId,
      tags: { Name: groupName },
    });
    const securityGroupId = this.securityGroup.id;
    const cidrs = props.allowedCidrs;
    allowTcpInFromNetworks(this, { securityGroupId, port: 443, cidrs, describe: (from) => `HTTPS from ${from}` });
    allowTcpInFromNetworks(this, {
      securityGroupId,
      port: 80,
      cidrs,
      describe: (from) => `HTTP from ${from} (redirected to HTTPS)`,
    });

    this.loadBalancer = new Lb(this, "load_balancer", {
      name,
      loadBalancerType: "application",
      internal: false,
      subnets: [...props.subnetIds],
      securityGroups: [securityGroupId],
      dropInvalidHeaderFields: true,
      desyncMitigationMode: props.desyncMitigationMode ?? "defensive",
      enableDeletionProtection: props.deletionProtection,
      accessLogs: { ...props.accessLogs, enabled: true },
      tags: { Name: name },
    });

    this.certificate = new AcmCertificate(this, "certificate", {
      domainName,
      subjectAlternativeNames: sans.length > 0 ? [...sans] : undefined,
      validationMethod: "DNS",
      options: { certificateTransparencyLoggingPreference: "ENABLED" },
      lifecycle: { createBeforeDestroy: true },
    });
    // One record per name to validate; a name and its wildcard share a record, hence allowOverwrite.
    // ACM reads it at issue and at each renewal: 60 s lets a corrected record count within a minute.
    const options = TerraformIterator.fromComplexList(this.certificate.domainValidationOptions, "domain_name");
    this.validationRecords = new Route53Record(this, "certificate_validation_record", {
      forEach: options,
      zoneId,
      name: options.getString("resource_record_name"),
      type: options.getString("resource_record_type"),
      records: [options.getString("resource_record_value")],
      ttl: 60,
      allowOverwrite: true,
    });
    this.validation = new AcmCertificateValidation(this, "certificate_validation", {
      certificateArn: this.certificate.arn,
      validationRecordFqdns: Token.asList(
        TerraformIterator.fromResources(this.validationRecords).pluckProperty("fqdn"),
      ),
    });

    this.httpListener = new LbListener(this, "http_listener", {
      loadBalancerArn: this.loadBalancer.arn,
      port: 80,
      protocol: "HTTP",
      defaultAction: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    });
    this.targetGroup = typeof props.targetGroup === "function" ? props.targetGroup(this) : props.targetGroup;
    this.httpsListener = this.httpsListenerOn(443, "https_listener", this.targetGroup);

    // Target health lets a later failover or weighted record route around a load balancer with no
    // healthy target; for this one simple record Route 53 answers either way.
    this.aliasRecord = new Route53Record(this, "alias_record", {
      zoneId,
      name: domainName,
      type: "A",
      alias: { name: this.loadBalancer.dnsName, zoneId: this.loadBalancer.zoneId, evaluateTargetHealth: true },
    });

    this.webAcl = new WebAcl(this, "web_acl", {
      ...props.firewall,
      name,
      resourceArn: this.loadBalancer.arn,
      region: props.region,
    });
  }

  /** An HTTPS listener on `port` with the validated certificate, forwarding to `targetGroup`. */
  protected httpsListenerOn(port: number, id: string, targetGroup: LbTargetGroup): LbListener {
    return new LbListener(this, id, {
      loadBalancerArn: this.loadBalancer.arn,
      port,
      protocol: "HTTPS",
      sslPolicy: this.tlsPolicy,
      // The validated ARN: the listener waits until the certificate is issued.
      certificateArn: this.validation.certificateArn,
      // Browsers keep to HTTPS for a year (subdomains too), sniff no content types, frame nothing
      // (or only the site's own pages); the ALB stops announcing itself in a Server header.
      routingHttpResponseStrictTransportSecurityHeaderValue: STRICT_TRANSPORT_SECURITY,
      routingHttpResponseXContentTypeOptionsHeaderValue: "nosniff",
      routingHttpResponseXFrameOptionsHeaderValue: this.frameOptions,
      routingHttpResponseServerEnabled: false,
      defaultAction: [{ type: "forward", targetGroupArn: targetGroup.arn }],
    });
  }
}

function validate(props: TlsLoadBalancerProps): void {
  const { name } = props;
  if (name.length > 32) {
    throw new Error(`load balancer name "${name}" exceeds 32 characters; shorten the project or environment name`);
  }
  if (props.subnetIds.length < 2) {
    throw new Error(
      `load balancer ${name} needs public subnets in at least two availability zones (an ALB limit); list two in network.availabilityZones`,
    );
  }
  if (props.allowedCidrs.length === 0) {
    throw new Error(
      `load balancer ${name}: allowedCidrs is empty; list the networks that may connect (0.0.0.0/0 for a public site)`,
    );
  }
  const { prefix } = props.accessLogs;
  if (prefix === "" || prefix.startsWith("/") || prefix.endsWith("/") || prefix.includes("AWSLogs")) {
    throw new Error(
      `load balancer ${name}: access log prefix "${prefix}" must be non-empty, with no "/" at either end and no "AWSLogs" (ELB adds them); use the stack id`,
    );
  }
}
