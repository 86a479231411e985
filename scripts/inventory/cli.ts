/**
 * pnpm inventory --outputs FILE [--out FILE] [--stack NAME] [--dry-run]: see ./command.ts.
 */
import { runMain } from "../../lib/cli";
import { inventoryCommand } from "./command";

await runMain(inventoryCommand);
