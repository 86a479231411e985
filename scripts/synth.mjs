// pnpm synth (and cdktf.json's app): runs the esbuild bundle of main.ts (scripts/synth-bundle.mjs)
// in this process. Same cdk.tf.json as `node --import tsx main.ts`, faster and in half the memory:
// no per-module resolution, no ESM-to-CJS lexing, no on-the-fly TypeScript transform. The bundle
// is rebuilt only when one of its inputs changed; SYNTH_REBUILD=1 forces it (`pnpm bench:synth`
// measures cold and warm runs).
import { createRequire } from "node:module";
import { ensureBundle } from "./synth-bundle.mjs";

const { outfile } = await ensureBundle({ rebuild: process.env.SYNTH_REBUILD === "1" });
createRequire(import.meta.url)(outfile);
