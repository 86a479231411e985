import { describe, expect, it } from "vitest";
import { copyVars, platform, synthPlatform } from "../support/synth";

describe("global: the frontend image repository", () => {
  const global = platform().stack("global");
  const repository = global.resource("aws_ecr_repository");

  it("is named from vars", () => {
    expect(repository.name).toBe("frontend");
  });

  it("scans every pushed image", () => {
    expect(repository.image_scanning_configuration.scan_on_push).toBe(true);
  });

  it("never lets a build tag move to another image; only deploy-service's deployed- markers move", () => {
    expect(repository.image_tag_mutability).toBe("IMMUTABLE_WITH_EXCLUSION");
    expect(repository.image_tag_mutability_exclusion_filter).toEqual([
      { filter: "deployed-*", filter_type: "WILDCARD" },
    ]);
  });

  it("encrypts images with KMS", () => {
    expect(repository.encryption_configuration[0].encryption_type).toBe("KMS");
  });

  it("keeps every marked image first, then expires untagged images and all but the newest tagged ones", () => {
    const lifecycle = global.resource("aws_ecr_lifecycle_policy");
    expect(lifecycle.repository).toMatch(/aws_ecr_repository\..*\.name/);
    const rules = JSON.parse(lifecycle.policy).rules;
    expect(rules).toEqual([
      expect.objectContaining({
        rulePriority: 1,
        selection: expect.objectContaining({ tagStatus: "tagged", tagPrefixList: ["deployed-"] }),
      }),
      expect.objectContaining({
        rulePriority: 2,
        selection: expect.objectContaining({ tagStatus: "untagged", countType: "sinceImagePushed", countNumber: 1 }),
        action: { type: "expire" },
      }),
      expect.objectContaining({
        rulePriority: 3,
        selection: expect.objectContaining({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 50 }),
        action: { type: "expire" },
      }),
    ]);
  });
});

describe("global: the Docker Hub pull-through cache", () => {
  const global = platform().stack("global");

  it("mirrors registry-1.docker.io under docker-hub/, signing in with the ecr-pullthroughcache/ secret", () => {
    const rule = global.resource("aws_ecr_pull_through_cache_rule");
    expect(rule).toMatchObject({ ecr_repository_prefix: "docker-hub", upstream_registry_url: "registry-1.docker.io" });
    expect(rule.credential_arn).toMatch(/aws_secretsmanager_secret\.docker_hub_credential\.arn/);
    expect(global.resource("aws_secretsmanager_secret", "docker_hub_credential").name).toBe(
      "ecr-pullthroughcache/connected-express/docker-hub",
    );
  });

  it("holds no credential in Terraform: the secret has no version (an admin fills it)", () => {
    expect(global.json.resource.aws_secretsmanager_secret_version).toBeUndefined();
  });
});

describe("global: one hosted zone per environment, delegated from the apex", () => {
  const global = platform().stack("global");

  it("creates the mgmt, dev and prod zones under the domain", () => {
    const names = global.resourceList("aws_route53_zone").map((zone) => zone.name);
    expect(names.sort()).toEqual(["dev.connected.express", "mgmt.connected.express", "prod.connected.express"]);
  });

  it("looks the apex zone up by name instead of creating it", () => {
    const apex = Object.values(global.data("aws_route53_zone"));
    expect(apex).toEqual([expect.objectContaining({ name: "connected.express", private_zone: false })]);
  });

  it("delegates each environment zone with an NS record in the apex carrying that zone's name servers", () => {
    const delegations = global.resourceList("aws_route53_record").filter((record) => record.type === "NS");
    expect(delegations).toHaveLength(3);
    for (const record of delegations) {
      expect(record.type).toBe("NS");
      expect(record.zone_id).toMatch(/data\.aws_route53_zone\.apex_zone\.zone_id/);
      const zoneKey = record.name.split(".")[0];
      expect(record.records).toMatch(new RegExp(`aws_route53_zone\\.${zoneKey}_zone\\.name_servers`));
    }
  });

  it("lets only Amazon issue certificates, wildcards too, in every zone it owns", () => {
    const zones = Object.keys(global.resources("aws_route53_zone"));
    const caa = global.resourceList("aws_route53_record").filter((record) => record.type === "CAA");
    expect(caa.map((record) => record.zone_id).sort()).toEqual(
      zones.map((name) => `\${aws_route53_zone.${name}.zone_id}`).sort(),
    );
    for (const record of caa) {
      expect(record.records).toContain('0 issue "amazon.com"');
      expect(record.records).toContain('0 issuewild "amazon.com"');
    }
  });

  it("creates the apex zone when vars ask for it", () => {
    const vars = copyVars();
    vars.dns.createApexZone = true;
    const created = synthPlatform(vars).stack("global");
    expect(created.data("aws_route53_zone")).toEqual({});
    expect(created.resourceList("aws_route53_zone").map((zone) => zone.name)).toContain("connected.express");
  });
});

describe("global: the load balancers' access-log bucket", () => {
  const global = platform().stack("global");

  it("is never public", () => {
    const block = global.resource("aws_s3_bucket_public_access_block");
    expect(block).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("is versioned, encrypted and expires old logs", () => {
    expect(global.resource("aws_s3_bucket_versioning").versioning_configuration.status).toBe("Enabled");
    const encryption = global.resource("aws_s3_bucket_server_side_encryption_configuration");
    expect(encryption.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("AES256");
    const lifecycle = global.resource("aws_s3_bucket_lifecycle_configuration").rule[0];
    expect(lifecycle.expiration[0].days).toBe(90);
  });

  it("lets eu-central-1's load balancer log delivery write, and refuses plain HTTP", () => {
    const statements = JSON.parse(global.resource("aws_s3_bucket_policy").policy).Statement;
    expect(statements[0]).toMatchObject({
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::054676820928:root" },
      Action: "s3:PutObject",
    });
    expect(statements[1]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });
});
