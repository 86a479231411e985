// Types of scripts/synth-bundle.mjs (plain JavaScript, so that `pnpm synth` needs no TypeScript loader).
export declare const root: string;
export declare const defaultCacheDir: string;
export declare function bundleKey(inputs: readonly string[]): string | undefined;
export declare function ensureBundle(options?: {
  cacheDir?: string;
  rebuild?: boolean;
}): Promise<{ outfile: string; manifestFile: string; rebuilt: boolean }>;
