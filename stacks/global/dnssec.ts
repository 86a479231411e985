/**
 * DNSSEC for the zones the platform signs: one customer-managed KMS key in us-east-1 (Route 53 takes
 * key-signing keys only from there: ECC_NIST_P256, SIGN_VERIFY) that Route 53's DNSSEC service may
 * use for this account's hosted zones only; per zone a key-signing key made from it and signing
 * switched on after it; per delegated zone a DS record in its parent, written once the child signs.
 */
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Route53HostedZoneDnssec } from "@cdktf/provider-aws/lib/route53-hosted-zone-dnssec";
import { Route53KeySigningKey } from "@cdktf/provider-aws/lib/route53-key-signing-key";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import type { Construct } from "constructs";
import { accountAdministersKey } from "../constructs/account-key";

/** Route 53 reads key-signing keys' KMS keys in this region only, whatever region the stack is in. */
export const DNSSEC_KEY_REGION = "us-east-1";

/** Every zone's key-signing key: names are unique per zone, so one name serves all (a rollover adds another). */
export const DNSSEC_KSK_NAME = "platform_ksk";

/** A DS record's TTL: after deleting one, resolvers may hold it this long; signing must outlive it. */
const DS_TTL_SECONDS = 3600;

export interface DnssecKeyProps {
  readonly partition: string;
  readonly accountId: string;
}

/** The KMS key every zone's key-signing key is made from (one key may back many KSKs). */
export function dnssecKey(scope: Construct, id: string, props: DnssecKeyProps): KmsKey {
  const { partition, accountId } = props;
  return new KmsKey(scope, id, {
    region: DNSSEC_KEY_REGION,
    description: "DNSSEC key-signing key of the platform's Route 53 zones",
    customerMasterKeySpec: "ECC_NIST_P256",
    keyUsage: "SIGN_VERIFY",
    // Asymmetric keys cannot rotate automatically: a KSK rollover is a new key (docs/runbook.md).
    deletionWindowInDays: 30,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        accountAdministersKey(`arn:${partition}:iam::${accountId}:root`),
        {
          // Only for this account's hosted zones (confused deputy).
          Sid: "Route53DnssecSignsForThisAccount",
          Effect: "Allow",
          Principal: { Service: "dnssec-route53.amazonaws.com" },
          Action: ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"],
          Resource: "*",
          Condition: {
            StringEquals: { "aws:SourceAccount": accountId },
            ArnLike: { "aws:SourceArn": `arn:${partition}:route53:::hostedzone/*` },
          },
        },
        {
          Sid: "Route53DnssecGrantsForItsResources",
          Effect: "Allow",
          Principal: { Service: "dnssec-route53.amazonaws.com" },
          Action: "kms:CreateGrant",
          Resource: "*",
          Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
      ],
    }),
  });
}

export interface SignedZoneProps {
  readonly zoneId: string;
  /** The KMS key from `dnssecKey`. */
  readonly keyArn: string;
  /** The key-signing key's name, unique within the zone. */
  readonly keyName: string;
}

export interface SignedZone {
  readonly keySigningKey: Route53KeySigningKey;
  readonly signing: Route53HostedZoneDnssec;
}

/** Signs one zone: `<id>_ksk`, then `<id>_dnssec` once the key is active (Route 53 refuses signing without one). */
export function signZone(scope: Construct, id: string, props: SignedZoneProps): SignedZone {
  const keySigningKey = new Route53KeySigningKey(scope, `${id}_ksk`, {
    hostedZoneId: props.zoneId,
    keyManagementServiceArn: props.keyArn,
    name: props.keyName,
    status: "ACTIVE",
  });
  const signing = new Route53HostedZoneDnssec(scope, `${id}_dnssec`, {
    hostedZoneId: props.zoneId,
    signingStatus: "SIGNING",
    dependsOn: [keySigningKey],
  });
  return { keySigningKey, signing };
}

export interface DelegationSignerProps {
  /** The parent zone, where the DS record goes. */
  readonly parentZoneId: string;
  /** The child zone's name, e.g. dev.connected.express. */
  readonly name: string;
  readonly child: SignedZone;
}

/**
 * The DS record for a signed child in its parent: `<id>_ds`. Written only after the child signs (a DS
 * pointing at an unsigned zone makes validating resolvers refuse every name in it), and destroyed
 * before signing stops, which Terraform's reverse order gives.
 */
export function delegationSigner(scope: Construct, id: string, props: DelegationSignerProps): Route53Record {
  return new Route53Record(scope, `${id}_ds`, {
    zoneId: props.parentZoneId,
    name: props.name,
    type: "DS",
    ttl: DS_TTL_SECONDS,
    records: [props.child.keySigningKey.dsRecord],
    dependsOn: [props.child.signing],
  });
}
