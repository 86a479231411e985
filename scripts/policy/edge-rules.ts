/**
 * Project rules for the edge, which checkov does not look at: the security headers of every HTTPS
 * listener, the rate limit and the credential redaction of every web ACL, and CAA records and
 * DNSSEC in every hosted zone the stacks own.
 */
import { blocks, type Json, type Rule, referenced, resourcesOf, result } from "./rule-kit";

const ONE_YEAR_SECONDS = 31_536_000;

/** The credential-carrying headers no WAF log may keep. */
const CREDENTIAL_HEADERS = ["authorization", "cookie"];

/** The zone of a record: a reference to a zone resource of the same stack (`${aws_route53_zone.<name>.zone_id}`). */
const zoneOf = (record: Json) => /\$\{aws_route53_zone\.([^.}]+)\.zone_id\}/.exec(String(record.zone_id))?.[1];

export const EDGE_RULES: readonly Rule[] = [
  {
    id: "CX_ELB_2",
    title: "HTTPS listeners add HSTS (a year or more), X-Content-Type-Options nosniff and X-Frame-Options",
    check: (stack) =>
      resourcesOf(stack, "aws_lb_listener", "aws_alb_listener")
        .filter(([, listener]) => String(listener.protocol) === "HTTPS")
        .map(([address, listener]) => {
          const hsts = String(listener.routing_http_response_strict_transport_security_header_value ?? "");
          const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0);
          const missing = [
            maxAge >= ONE_YEAR_SECONDS ? undefined : `HSTS max-age of at least ${ONE_YEAR_SECONDS}`,
            listener.routing_http_response_x_content_type_options_header_value === "nosniff" ? undefined : "nosniff",
            ["DENY", "SAMEORIGIN"].includes(String(listener.routing_http_response_x_frame_options_header_value))
              ? undefined
              : "X-Frame-Options DENY or SAMEORIGIN",
          ].filter((item) => item !== undefined);
          return result(
            "CX_ELB_2",
            address,
            missing.length === 0,
            missing.length === 0 ? "security headers set" : `missing: ${missing.join(", ")}`,
          );
        }),
  },
  {
    id: "CX_WAF_1",
    title: "Every web ACL blocks a client IP above a request rate (a rate-based rule)",
    check: (stack) =>
      resourcesOf(stack, "aws_wafv2_web_acl").map(([address, acl]) => {
        const limited = blocks(acl.rule).some(
          (rule) => rule.statement?.rate_based_statement !== undefined && blocks(rule.action)[0]?.block !== undefined,
        );
        return result("CX_WAF_1", address, limited, limited ? "rate-based rule blocks" : "no blocking rate-based rule");
      }),
  },
  {
    id: "CX_WAF_2",
    title: "WAF logs redact the Authorization and Cookie headers",
    check: (stack) =>
      resourcesOf(stack, "aws_wafv2_web_acl_logging_configuration").map(([address, logging]) => {
        const redacted = blocks(logging.redacted_fields).flatMap((field) =>
          blocks(field.single_header).map((header) => String(header.name).toLowerCase()),
        );
        const kept = CREDENTIAL_HEADERS.filter((header) => !redacted.includes(header));
        return result(
          "CX_WAF_2",
          address,
          kept.length === 0,
          kept.length === 0 ? "credentials redacted" : `logs keep ${kept.join(", ")}: add them to redacted_fields`,
        );
      }),
  },
  {
    id: "CX_DNS_1",
    title: "Every hosted zone the stack owns has a CAA record letting only Amazon issue, wildcards too",
    check: (stack) => {
      const caa = resourcesOf(stack, "aws_route53_record").filter(([, record]) => record.type === "CAA");
      return resourcesOf(stack, "aws_route53_zone").map(([address]) => {
        const name = address.split(".")[1];
        const values = caa
          .filter(([, record]) => zoneOf(record) === name)
          .flatMap(([, record]) => blocks(record.records).map(String));
        const tags = ["issue", "issuewild"].filter((tag) =>
          values.some((value) => new RegExp(`^\\d+ ${tag} "amazon(trust|aws)?\\.com"$`).test(value)),
        );
        const ok =
          tags.length === 2 && values.every((value) => /"(amazon|amazontrust|awstrust|amazonaws)\.com"$/.test(value));
        return result(
          "CX_DNS_1",
          address,
          ok,
          ok ? "CAA: Amazon only" : "no CAA record with issue and issuewild for Amazon only",
        );
      });
    },
  },
  {
    id: "CX_DNS_2",
    title:
      "Every hosted zone the stack owns signs with DNSSEC (an active KSK from an ECC_NIST_P256 key in us-east-1), and each delegation to it carries a DS record",
    check: (stack) => {
      const keys: Record<string, Json> = stack.resource?.aws_kms_key ?? {};
      const records = resourcesOf(stack, "aws_route53_record").map(([, record]) => record);
      return resourcesOf(stack, "aws_route53_zone").map(([address]) => {
        const name = address.split(".")[1];
        const ofZone = (body: Json) => referenced(body.hosted_zone_id, "aws_route53_zone") === name;
        const ksks = resourcesOf(stack, "aws_route53_key_signing_key")
          .filter(([, ksk]) => ofZone(ksk) && (ksk.status ?? "ACTIVE") === "ACTIVE")
          .filter(([, ksk]) => {
            const key = keys[referenced(ksk.key_management_service_arn, "aws_kms_key") ?? ""];
            return (
              key?.customer_master_key_spec === "ECC_NIST_P256" &&
              key.key_usage === "SIGN_VERIFY" &&
              key.region === "us-east-1"
            );
          })
          .map(([kskAddress]) => kskAddress);
        const signing = resourcesOf(stack, "aws_route53_hosted_zone_dnssec").filter(
          ([, dnssec]) =>
            ofZone(dnssec) &&
            (dnssec.signing_status ?? "SIGNING") === "SIGNING" &&
            blocks(dnssec.depends_on).some((dependency) => ksks.includes(String(dependency))),
        );
        const signingAddresses = signing.map(([signingAddress]) => signingAddress);
        const delegations = records.filter(
          (record) => record.type === "NS" && String(record.records).includes(`aws_route53_zone.${name}.name_servers`),
        );
        const unvouched = delegations.filter(
          (delegation) =>
            !records.some(
              (record) =>
                record.type === "DS" &&
                record.zone_id === delegation.zone_id &&
                record.name === delegation.name &&
                blocks(record.records).some((value) => ksks.some((ksk) => String(value) === `\${${ksk}.ds_record}`)) &&
                blocks(record.depends_on).some((dependency) => signingAddresses.includes(String(dependency))),
            ),
        );
        const problems = [
          ksks.length === 0
            ? "no active key-signing key from an ECC_NIST_P256 SIGN_VERIFY key in us-east-1"
            : undefined,
          signing.length === 0 ? "no DNSSEC signing that waits for its key-signing key" : undefined,
          ...unvouched.map((record) => `the delegation ${record.name} has no DS record written after signing`),
        ].filter((problem) => problem !== undefined);
        return result(
          "CX_DNS_2",
          address,
          problems.length === 0,
          problems.length === 0 ? "signed, delegations vouched for" : problems.join("; "),
        );
      });
    },
  },
];
