/** pnpm --filter pipelines review-comment --help: the infrastructure review on a pull request (see src/github/command.ts). */
import { runMain } from "../../lib/cli";
import { reviewCommand } from "../src/github/command";

await runMain(reviewCommand(process.env));
