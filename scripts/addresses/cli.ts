/**
 * pnpm addresses [--check]
 *
 * Synthesizes the platform and writes every stack's Terraform addresses to
 * stacks/addresses/<stack>.txt (the committed address contract). --check writes nothing and exits 1
 * when an address disappeared without a moved block or the lists are stale.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { runMain } from "../../lib/cli";
import { buildPlatform, createApp } from "../../stacks/app";
import { vars } from "../../stacks/global/vars";
import {
  addressProblems,
  readAddressLists,
  readSynthesizedStacks,
  type StackAddresses,
  writeAddressLists,
} from "./addresses";

const root = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const listsDir = join(root, "stacks/addresses");

function synthesizedStacks(): Record<string, StackAddresses> {
  const outdir = mkdtempSync(join(tmpdir(), "addresses-"));
  try {
    const app = createApp(outdir);
    buildPlatform(app, vars);
    app.synth();
    return readSynthesizedStacks(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

await runMain({
  name: "pnpm addresses",
  usage: `usage: pnpm addresses [--check]

Writes every stack's Terraform addresses to stacks/addresses/<stack>.txt, the list a reviewer sees
change in a pull request. An address that disappears needs a moved block (docs/identities.md).
  --check   write nothing; exit 1 if an address disappeared without a moved block or a list is stale`,
  flags: { check: { type: "boolean", default: false } },
  run: ({ flags, out }) => {
    const stacks = synthesizedStacks();
    if (flags.check) {
      const problems = addressProblems(readAddressLists(listsDir), stacks);
      if (problems.length > 0) throw new Error(`\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
      out("stacks/addresses/ matches the synthesized stacks.");
      return;
    }
    const changed = writeAddressLists(listsDir, stacks);
    out(
      changed.length === 0
        ? "stacks/addresses/ is up to date."
        : changed.map((file) => `wrote ${relative(root, file)}`).join("\n"),
    );
  },
});
