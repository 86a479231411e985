/**
 * The bootstrap-state command for a set of vars: the CLI file runs it on the rendered vars, and a
 * test can run it in-process (lib/cli.ts runCommand) on vars of its own.
 */
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import type { Vars } from "../../../config/schema";
import { defineCommand } from "../../../lib/cli";
import { stateKeyAlias, terraformPlanRoleName } from "../../../lib/naming";
import { clientConfig, s3ClientConfig } from "../aws/config";
import { bootstrapStateBucket } from "./bootstrap";

/** The roles that run Terraform: the plan role the build agent assumes, and vars' terraformRoles. */
export function terraformRolesOf(vars: Vars): string[] {
  return [terraformPlanRoleName(vars), ...vars.terraformRoles];
}

export function bootstrapStateCommand(vars: Vars) {
  const roles = terraformRolesOf(vars);
  return defineCommand({
    name: "bootstrap-state",
    usage: `usage: pnpm --filter pipelines bootstrap-state [--dry-run]

Creates the Terraform state bucket "${vars.stateBucket}" in ${vars.region} (stateBucket and region in
environments/common.yaml) and its KMS key ${stateKeyAlias(vars)}, and brings them to: versioning on,
default encryption with that key (rotation on), all four public-access blocks, noncurrent versions
expiring after 90 days, and policies that deny non-TLS access and let only the roles that run Terraform
read or write the state and use the key: ${roles.join(", ")} (the plan role and terraformRoles).
The bucket must belong to the account of the credentials: one of another account is refused (exit 2)
and nothing is changed. Prints each change; a second run changes nothing.

  --dry-run   print what would change, change nothing
  --help      show this help`,
    flags: { "dry-run": { type: "boolean", default: false } },
    run: async ({ flags, out }) => {
      await bootstrapStateBucket(
        {
          s3: new S3Client(s3ClientConfig(vars.region)),
          kms: new KMSClient(clientConfig(vars.region)),
          sts: new STSClient(clientConfig(vars.region)),
        },
        { bucket: vars.stateBucket, region: vars.region, keyAlias: stateKeyAlias(vars), terraformRoles: roles },
        { dryRun: flags["dry-run"], log: out },
      );
    },
  });
}
