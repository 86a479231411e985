// The app bundle behind `pnpm synth`: main.ts and everything it imports in one CommonJS file,
// built by esbuild and reused while its inputs are unchanged. The key is a SHA-256 over esbuild's
// version, the build options and the content of every file the last bundle was built from
// (esbuild's metafile lists them). Any edit to one of them rebuilds it; so does a new import,
// since the importing file changes too.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const defaultCacheDir = join(root, ".cache/synth");
const require = createRequire(import.meta.url);
// esbuild itself is loaded only to build; its version (from its package.json) is part of the key.
const esbuildVersion = require("esbuild/package.json").version;
const options = {
  entryPoints: ["main.ts"],
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node22",
  absWorkingDir: root,
  logLevel: "warning",
};

/** The key of a bundle built from `inputs` (paths relative to the repository), or undefined when one is gone. */
export function bundleKey(inputs) {
  const hash = createHash("sha256").update(JSON.stringify({ esbuildVersion, options }));
  for (const input of inputs) {
    let content;
    try {
      content = readFileSync(resolve(root, input));
    } catch {
      return undefined;
    }
    hash.update(`\0${input}\0`).update(content);
  }
  return hash.digest("hex");
}

/** Writes beside the target, then renames: a concurrent synth never reads a half-written file. */
function writeAtomically(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/**
 * The bundle's path, built unless the one in `cacheDir` has the key of its inputs now.
 * @returns {Promise<{ outfile: string, manifestFile: string, rebuilt: boolean }>}
 */
export async function ensureBundle({ cacheDir = defaultCacheDir, rebuild = false } = {}) {
  const outfile = join(cacheDir, "app.cjs");
  const manifestFile = join(cacheDir, "app.inputs.json");
  if (!rebuild) {
    try {
      const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
      const key = bundleKey(manifest.inputs);
      if (key !== undefined && key === manifest.key) return { outfile, manifestFile, rebuilt: false };
    } catch {
      // no manifest yet, or an unreadable one: build
    }
  }
  const { build } = await import("esbuild");
  const result = await build({ ...options, write: false, metafile: true, outfile });
  const inputs = Object.keys(result.metafile.inputs).sort();
  mkdirSync(cacheDir, { recursive: true });
  writeAtomically(outfile, result.outputFiles[0].contents);
  writeAtomically(manifestFile, JSON.stringify({ key: bundleKey(inputs), inputs }));
  return { outfile, manifestFile, rebuilt: true };
}
