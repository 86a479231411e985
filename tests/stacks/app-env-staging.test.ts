import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadVars } from "../../config/load";
import { zeroDowntimeViolations } from "../../scripts/review/zero-downtime";
import { synthPlatform } from "../support/synth";

/** The real environments/ plus a staging.yaml, as a user would add it: no code change. */
function environmentsWithStaging(): string {
  const dir = mkdtempSync(join(tmpdir(), "environments-"));
  cpSync(join(import.meta.dirname, "../../environments"), dir, { recursive: true });
  writeFileSync(
    join(dir, "staging.yaml"),
    ["# Staging: a prod rehearsal.", "cidr: 10.0.48.0/20", "service:", "  desiredCount: 3", ""].join("\n"),
  );
  return dir;
}

describe("application environments: adding an environment file is enough", () => {
  const app = synthPlatform(loadVars(environmentsWithStaging()));
  const staging = app.stack("staging");

  it("synthesizes a staging stack beside dev and prod", () => {
    expect(Object.keys(app.stacks)).toEqual(expect.arrayContaining(["dev", "prod", "staging"]));
  });

  it("keeps staging's state under its own key", () => {
    expect(staging.json.terraform.backend.s3.key).toBe("connected-express/staging/terraform.tfstate");
  });

  it("gives staging its own cluster, service and task family with its desired count", () => {
    expect(staging.resource("aws_ecs_cluster").name).toBe("connected-express-staging");
    expect(staging.resource("aws_ecs_service")).toMatchObject({ name: "frontend", desired_count: 3 });
    expect(staging.resource("aws_ecs_task_definition").family).toBe("connected-express-staging-frontend");
  });

  it("serves staging.connected.express from staging's zone and subnets", () => {
    expect(staging.resource("aws_route53_record", "alias_record").name).toBe("staging.connected.express");
    expect(staging.resource("aws_acm_certificate").domain_name).toBe("staging.connected.express");
    expect(staging.resource("aws_lb").subnets[0]).toMatch(/network_staging_public_eu-central-1a/);
    expect(staging.json.output.service_url.value).toBe("https://staging.connected.express/");
  });

  it("holds staging to the zero-downtime invariants", () => {
    expect(zeroDowntimeViolations("staging", staging.json)).toEqual([]);
  });
});
