/**
 * Stable identities, checked over synthesized Terraform JSON: which resources that existed before
 * a change are gone or different afterwards. A resource is its Terraform address in its stack
 * (`<stack>: <type>.<name>`); "different" means its JSON is not byte-identical.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Json, SynthesizedApp } from "./synth";

const environmentsDir = join(import.meta.dirname, "../../environments");

/** Every resource of every stack, by `<stack>: <type>.<name>`, as the JSON text Terraform reads. */
export function resourcesByAddress(app: SynthesizedApp): Map<string, string> {
  const resources = new Map<string, string>();
  for (const [stackName, stack] of Object.entries(app.stacks)) {
    for (const [type, byName] of Object.entries<Record<string, Json>>(stack.json.resource ?? {})) {
      for (const [name, body] of Object.entries(byName))
        resources.set(`${stackName}: ${type}.${name}`, JSON.stringify(body));
    }
  }
  return resources;
}

/** Resources of `before` that `after` no longer has ("removed") or has with other JSON ("changed"), sorted. */
export function resourceChanges(before: SynthesizedApp, after: SynthesizedApp): string[] {
  const next = resourcesByAddress(after);
  const changes: string[] = [];
  for (const [address, body] of resourcesByAddress(before)) {
    if (!next.has(address)) changes.push(`removed ${address}`);
    else if (next.get(address) !== body) changes.push(`changed ${address}`);
  }
  return changes.sort();
}

/** A copy of the real environments/ in a temporary folder, changed by `change`; returns the folder. */
export function environmentsCopy(change: (dir: string) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), "environments-"));
  cpSync(environmentsDir, dir, { recursive: true });
  change(dir);
  return dir;
}

/** Rewrites one file of an environments folder. */
export function editFile(dir: string, file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, change(readFileSync(path, "utf8")));
}

export function removeFile(dir: string, file: string): void {
  rmSync(join(dir, file));
}
