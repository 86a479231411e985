/**
 * bootstrap-state: creates and hardens the Terraform state bucket named in the vars (stateBucket)
 * and its KMS key, idempotently. Thin CLI over src/state/. Exit codes: 0 done, 1 AWS error, 2 bad
 * flags or a bucket of another account.
 */
import { runMain } from "../../lib/cli";
import { vars } from "../../stacks/global/vars";
import { bootstrapStateCommand } from "../src/state/command";

await runMain(bootstrapStateCommand(vars));
