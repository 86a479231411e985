/**
 * pnpm vars [--check] [--environments DIR] [--templates DIR] [--out FILE]: see ./command.ts.
 */
import { runMain } from "../../lib/cli";
import { varsCommand } from "./command";

await runMain(varsCommand);
