/** Synthesizes the platform into a temporary folder and reads back each stack's cdk.tf.json. */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Vars } from "../../config/schema";
import { buildPlatform, createApp } from "../../stacks/app";
import { vars as renderedVars } from "../../stacks/global/vars";

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is untyped by nature.
export type Json = Record<string, any>;

export class SynthesizedStack {
  constructor(
    readonly name: string,
    readonly json: Json,
  ) {}

  /** Every resource of a type, keyed by its logical name. */
  resources(type: string): Record<string, Json> {
    const all = this.json.resource?.[type] ?? {};
    return all;
  }

  resourceList(type: string): Json[] {
    return Object.values(this.resources(type));
  }

  /** The logical name of the one resource of `type` whose construct path ends with `pathSuffix` (or of
   *  the only one). */
  logicalName(type: string, pathSuffix?: string): string {
    const matches = Object.entries(this.resources(type))
      .filter(([, body]) => pathSuffix === undefined || String(body["//"]?.metadata?.path ?? "").endsWith(pathSuffix))
      .map(([name]) => name);
    if (matches.length !== 1) {
      throw new Error(
        `${this.name}: expected one ${type}${pathSuffix ? ` at */${pathSuffix}` : ""}, found ${matches.length}`,
      );
    }
    return matches[0];
  }

  /** The one resource of `type` whose construct path ends with `pathSuffix` (or the only one). */
  resource(type: string, pathSuffix?: string): Json {
    return this.resources(type)[this.logicalName(type, pathSuffix)];
  }

  /** `${<type>.<name>.`: how other resources begin a reference to that one resource; the caller adds
   *  the attribute and the closing brace (`${stack.referenceTo("aws_iam_role", "x/role")}arn}`). */
  referenceTo(type: string, pathSuffix: string): string {
    return `\${${type}.${this.logicalName(type, pathSuffix)}.`;
  }

  data(type: string): Record<string, Json> {
    return this.json.data?.[type] ?? {};
  }
}

export class SynthesizedApp {
  constructor(
    readonly outdir: string,
    readonly stacks: Record<string, SynthesizedStack>,
  ) {}

  stack(name: string): SynthesizedStack {
    const stack = this.stacks[name];
    if (!stack) throw new Error(`no stack "${name}"; synthesized: ${Object.keys(this.stacks).join(", ")}`);
    return stack;
  }
}

/**
 * Synthesizes the platform for `vars`. Results are cached per vars content within the worker (test
 * files share a worker's modules, see vitest.config.ts) and deep-frozen, so a test that needs to
 * change a stack works on `structuredClone(...)` and can never alter what another test reads.
 */
export function synthPlatform(vars: Vars = renderedVars): SynthesizedApp {
  const key = JSON.stringify(vars);
  let app = synthesized.get(key);
  if (!app) {
    app = deepFreeze(synthesizeInto(mkdtempSync(join(tmpdir(), "cdktf-test-")), vars));
    synthesized.set(key, app);
  }
  return app;
}

const synthesized = new Map<string, SynthesizedApp>();

function synthesizeInto(outdir: string, vars: Vars): SynthesizedApp {
  const app = createApp(outdir);
  buildPlatform(app, vars);
  app.synth();
  const stacksDir = join(outdir, "stacks");
  const stacks: Record<string, SynthesizedStack> = {};
  for (const name of readdirSync(stacksDir)) {
    stacks[name] = new SynthesizedStack(name, JSON.parse(readFileSync(join(stacksDir, name, "cdk.tf.json"), "utf8")));
  }
  return new SynthesizedApp(outdir, stacks);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A deep copy of the rendered vars to change in a test without touching the others. */
export function copyVars(): Vars {
  return structuredClone(renderedVars);
}

/** The real platform, synthesized once per worker. */
export function platform(): SynthesizedApp {
  return synthPlatform();
}
