/**
 * DNSSEC in the global stack: one us-east-1 signing key that only Route 53's DNSSEC service of this
 * account may use, every zone the stack owns and the apex signed in order, and a DS record in the
 * apex for each environment zone once it signs.
 */
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadVars } from "../../config/load";
import { DNSSEC_KEY_REGION } from "../../stacks/global/dnssec";
import { copyVars, type Json, platform, type SynthesizedStack, synthPlatform } from "../support/synth";

const global = () => platform().stack("global");

/** The zone ids a stack signs (KSK and signing both present, signing after the KSK), by hosted zone id expression. */
function signedZones(stack: SynthesizedStack): string[] {
  const ksks = stack.resources("aws_route53_key_signing_key");
  return stack
    .resourceList("aws_route53_hosted_zone_dnssec")
    .filter((dnssec) => dnssec.signing_status === "SIGNING")
    .filter((dnssec) =>
      (dnssec.depends_on as string[]).some((dependency) => {
        const ksk = ksks[dependency.replace("aws_route53_key_signing_key.", "")];
        return ksk?.hosted_zone_id === dnssec.hosted_zone_id && ksk.status === "ACTIVE";
      }),
    )
    .map((dnssec) => dnssec.hosted_zone_id)
    .sort();
}

describe("global: DNSSEC", () => {
  it("makes one ECC_NIST_P256 signing key in us-east-1, where Route 53 reads key-signing keys", () => {
    const key = global().resource("aws_kms_key", "dnssec_key");
    expect(key).toMatchObject({
      region: DNSSEC_KEY_REGION,
      customer_master_key_spec: "ECC_NIST_P256",
      key_usage: "SIGN_VERIFY",
    });
    expect(DNSSEC_KEY_REGION).toBe("us-east-1");
    for (const ksk of global().resourceList("aws_route53_key_signing_key")) {
      expect(ksk.key_management_service_arn).toBe(`\${aws_kms_key.dnssec_key.arn}`);
    }
  });

  it("lets Route 53's DNSSEC service use the key only for this account's hosted zones", () => {
    const statements: Json[] = JSON.parse(global().resource("aws_kms_key", "dnssec_key").policy).Statement;
    const service = statements.filter((statement) => statement.Principal?.Service === "dnssec-route53.amazonaws.com");
    expect(service.map((statement) => statement.Sid)).toEqual([
      "Route53DnssecSignsForThisAccount",
      "Route53DnssecGrantsForItsResources",
    ]);
    expect(service[0]).toMatchObject({
      Action: ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"],
      Condition: {
        StringEquals: { "aws:SourceAccount": `\${data.aws_caller_identity.account.account_id}` },
        ArnLike: { "aws:SourceArn": `arn:\${data.aws_partition.partition.partition}:route53:::hostedzone/*` },
      },
    });
    expect(service[1]).toMatchObject({
      Action: "kms:CreateGrant",
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
    const others = statements.filter((statement) => !service.includes(statement));
    expect(others).toEqual([
      expect.objectContaining({
        Principal: {
          AWS: `arn:\${data.aws_partition.partition.partition}:iam::\${data.aws_caller_identity.account.account_id}:root`,
        },
      }),
    ]);
  });

  it("signs every zone it owns and the looked-up apex, each after its active key-signing key", () => {
    const owned = Object.keys(global().resources("aws_route53_zone")).map(
      (name) => `\${aws_route53_zone.${name}.zone_id}`,
    );
    expect(owned).toHaveLength(3);
    expect(signedZones(global())).toEqual([...owned, `\${data.aws_route53_zone.apex_zone.zone_id}`].sort());
  });

  it("signs the apex it creates when vars ask for it", () => {
    const vars = copyVars();
    vars.dns.createApexZone = true;
    const created = synthPlatform(vars).stack("global");
    expect(signedZones(created)).toContain(`\${aws_route53_zone.apex_zone.zone_id}`);
    expect(signedZones(created)).toHaveLength(4);
  });

  it("writes each environment zone's DS record into the apex, beside its NS delegation, only after the zone signs", () => {
    const records = global().resourceList("aws_route53_record");
    const delegations = records.filter((record) => record.type === "NS");
    const ds = records.filter((record) => record.type === "DS");
    expect(ds.map((record) => record.name).sort()).toEqual(delegations.map((record) => record.name).sort());
    for (const record of ds) {
      const zone = `${record.name.split(".")[0]}_zone`;
      expect(record).toMatchObject({
        zone_id: `\${data.aws_route53_zone.apex_zone.zone_id}`,
        records: [`\${aws_route53_key_signing_key.${zone}_ksk.ds_record}`],
        depends_on: [`aws_route53_hosted_zone_dnssec.${zone}_dnssec`],
      });
      expect(record.ttl).toBeLessThanOrEqual(3600);
    }
  });

  it("gives a new environment's zone its key, signing and DS record with no code change", () => {
    // The staging.yaml of app-env-staging.test.ts: the same vars, so a worker synthesizes them once.
    const dir = mkdtempSync(join(tmpdir(), "environments-"));
    cpSync(join(import.meta.dirname, "../../environments"), dir, { recursive: true });
    writeFileSync(
      join(dir, "staging.yaml"),
      ["# Staging: a prod rehearsal.", "cidr: 10.0.48.0/20", "service:", "  desiredCount: 3", ""].join("\n"),
    );
    const staging = synthPlatform(loadVars(dir)).stack("global");
    expect(signedZones(staging)).toContain(`\${aws_route53_zone.staging_zone.zone_id}`);
    expect(staging.resources("aws_route53_record").staging_zone_ds?.name).toBe("staging.connected.express");
  });

  it("exports what the registrar needs for the apex: its DS record and its key", () => {
    const outputs = global().json.output;
    expect(outputs.apex_ds_record.value).toBe(`\${aws_route53_key_signing_key.apex_zone_ksk.ds_record}`);
    expect(outputs.apex_ksk_public_key.value).toBe(`\${aws_route53_key_signing_key.apex_zone_ksk.public_key}`);
    expect(outputs.apex_zone_id.value).toBe(`\${data.aws_route53_zone.apex_zone.zone_id}`);
  });
});
