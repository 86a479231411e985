/**
 * global: what every environment shares. The images (./images.ts: the frontend's ECR repository,
 * scanned on push, immutable build tags, old builds expired but never one an environment runs; the
 * Docker Hub pull-through cache) and the DNS: one hosted zone per environment
 * (`mgmt.`, `dev.`, `prod.<domain>`), delegated from the apex zone, so each environment owns its records;
 * the apex and every environment zone signed with DNSSEC, each child vouched for by a DS record (./dnssec.ts).
 */
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import type { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import type { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import type { Vars } from "../../config/schema";
import { zoneName } from "../../lib/naming";
import { AccessLogsBucket, accessLogsBucketPrefix } from "../constructs/access-logs-bucket";
import { LayerStack } from "../layer-stack";
import { DNSSEC_KSK_NAME, delegationSigner, dnssecKey, signZone } from "./dnssec";
import { dockerHubCache, frontendRepository } from "./images";

export interface GlobalStackProps {
  readonly vars: Vars;
}

export interface EnvironmentZone {
  readonly zoneId: string;
  /** e.g. dev.connected.express */
  readonly name: string;
}

export class GlobalStack extends LayerStack {
  /** The frontend image repository; Jenkins pushes here, ECS pulls from here. */
  readonly repository: EcrRepository;
  /** Environment name → its hosted zone; later layers put their records there. */
  readonly zones: Readonly<Record<string, EnvironmentZone>>;
  /** Where every load balancer writes its access logs, each under the prefix `<stack id>/`. */
  readonly accessLogsBucket: S3Bucket;

  constructor(scope: Construct, id: string, props: GlobalStackProps) {
    super(scope, id, { vars: props.vars });
    this.repository = frontendRepository(this, props.vars);
    dockerHubCache(this, props.vars);

    const partition = new DataAwsPartition(this, "partition").partition;
    const accountId = new DataAwsCallerIdentity(this, "account").accountId;
    // DNSSEC: every zone below is signed with a key-signing key from this one us-east-1 key.
    const signingKey = dnssecKey(this, "dnssec_key", { partition, accountId });
    const sign = (id: string, zoneId: string) =>
      signZone(this, id, { zoneId, keyArn: signingKey.arn, keyName: DNSSEC_KSK_NAME });

    // The apex zone is the registrar's delegation target: looked up by default, created if vars say so.
    // Either way it is in this account, and signed from here: the registrar's DS record for it is the
    // one manual step of the chain of trust (docs/runbook.md#dnssec), these outputs give its values.
    let apexZoneId: string;
    if (props.vars.dns.createApexZone) {
      apexZoneId = new Route53Zone(this, "apex_zone", { name: props.vars.domain }).zoneId;
      amazonOnlyCaa(this, "apex_zone_caa", apexZoneId, props.vars.domain);
    } else {
      apexZoneId = new DataAwsRoute53Zone(this, "apex_zone", { name: props.vars.domain, privateZone: false }).zoneId;
    }
    const apex = sign("apex_zone", apexZoneId);
    new TerraformOutput(this, "apex_zone_id", { value: apexZoneId });
    new TerraformOutput(this, "apex_ds_record", {
      value: apex.keySigningKey.dsRecord,
      description: "The DS record to give the registrar for the apex (key tag, algorithm, digest type, digest)",
    });
    new TerraformOutput(this, "apex_ksk_public_key", {
      value: apex.keySigningKey.publicKey,
      description: "The apex KSK's public key (flags 257, algorithm 13), for registrars that take the key",
    });

    const zones: Record<string, EnvironmentZone> = {};
    for (const environment of Object.keys(props.vars.environments)) {
      const name = zoneName(props.vars, environment);
      const zone = new Route53Zone(this, `${environment}_zone`, {
        name,
        comment: `${environment} environment of ${props.vars.project}; delegated from ${props.vars.domain}`,
      });
      new Route53Record(this, `${environment}_zone_delegation`, {
        zoneId: apexZoneId,
        name,
        type: "NS",
        ttl: 172800,
        records: zone.nameServers,
      });
      amazonOnlyCaa(this, `${environment}_zone_caa`, zone.zoneId, name);
      // Signed, and vouched for by a DS record in the apex once it signs.
      delegationSigner(this, `${environment}_zone`, {
        parentZoneId: apexZoneId,
        name,
        child: sign(`${environment}_zone`, zone.zoneId),
      });
      zones[environment] = { zoneId: zone.zoneId, name };
    }
    this.zones = zones;

    this.accessLogsBucket = new AccessLogsBucket(this, "access_logs", {
      namePrefix: accessLogsBucketPrefix(props.vars.project),
      region: props.vars.region,
      accountId,
    }).bucket;
  }
}

/** Certificate authorities ACM issues through; a CAA record naming them lets no other CA issue. */
export const AMAZON_CAA_DOMAINS = ["amazon.com", "amazontrust.com", "awstrust.com", "amazonaws.com"] as const;

/** Only Amazon (ACM) may issue certificates for `name` and its subdomains, wildcards included. */
function amazonOnlyCaa(scope: Construct, id: string, zoneId: string, name: string): Route53Record {
  return new Route53Record(scope, id, {
    zoneId,
    name,
    type: "CAA",
    ttl: 3600,
    records: AMAZON_CAA_DOMAINS.flatMap((domain) => [`0 issue "${domain}"`, `0 issuewild "${domain}"`]),
  });
}
