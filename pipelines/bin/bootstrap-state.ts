/**
 * bootstrap-state: creates and hardens the Terraform state bucket named in the vars (stateBucket),
 * idempotently. Thin CLI over src/state/bootstrap.ts. Exit codes: 0 done, 1 AWS error, 2 bad flags.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { runMain } from "../../lib/cli";
import { vars } from "../../stacks/global/vars";
import { s3ClientConfig } from "../src/aws/config";
import { bootstrapStateBucket } from "../src/state/bootstrap";

await runMain({
  name: "bootstrap-state",
  usage: `usage: pnpm --filter pipelines bootstrap-state [--dry-run]

Creates the Terraform state bucket "${vars.stateBucket}" in ${vars.region} (stateBucket and region in
environments/common.yaml) and brings it to: versioning on, default KMS encryption, all four public-access
blocks, a policy denying non-TLS access, noncurrent versions expiring after 90 days. Prints each change;
a second run changes nothing.

  --dry-run   print what would change, change nothing
  --help      show this help`,
  flags: { "dry-run": { type: "boolean", default: false } },
  run: async ({ flags, out }) => {
    const s3 = new S3Client(s3ClientConfig(vars.region));
    await bootstrapStateBucket(
      s3,
      { bucket: vars.stateBucket, region: vars.region },
      { dryRun: flags["dry-run"], log: out },
    );
  },
});
