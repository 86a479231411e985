/** Synthesized stacks as `pnpm diff` reads them, to change copies of in the review tests. */
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadVars } from "../../../config/load";
import type { Vars } from "../../../config/schema";
import type { ResourceChange, StackDiff } from "../../../scripts/review/diff";
import type { Json } from "../../../scripts/review/values";
import { type SynthesizedApp, synthPlatform } from "../../support/synth";

/** A changeable copy of every stack's cdk.tf.json (the synth cache is frozen). */
export function stacksOf(app: SynthesizedApp): Record<string, Json> {
  return Object.fromEntries(Object.entries(app.stacks).map(([name, stack]) => [name, structuredClone(stack.json)]));
}

/** The real platform's stacks, copied. */
export function realStacks(vars?: Vars): Record<string, Json> {
  return stacksOf(synthPlatform(vars));
}

/** The stacks with the real environments/ plus `environments/<name>.yaml`. */
export function stacksWithEnvironment(name: string, yaml: string): Record<string, Json> {
  const dir = mkdtempSync(join(tmpdir(), "environments-"));
  cpSync(join(import.meta.dirname, "../../../environments"), dir, { recursive: true });
  writeFileSync(join(dir, `${name}.yaml`), yaml);
  return realStacks(loadVars(dir));
}

/** The one resource of `type` in `stack` (a copy's, to change in place). */
export function only(stacks: Record<string, Json>, stack: string, type: string): [string, Json] {
  const entries = Object.entries<Json>(stacks[stack].resource[type] ?? {});
  if (entries.length !== 1) throw new Error(`${stack}: expected one ${type}, found ${entries.length}`);
  return entries[0];
}

export function changeOf(diff: StackDiff | undefined, address: string): ResourceChange | undefined {
  return diff?.resources.find((resource) => resource.address === address);
}
