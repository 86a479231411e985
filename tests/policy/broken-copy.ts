/**
 * What the project-rule tests share: a copy of a synthesized stack to break on purpose, the results
 * of one rule over it, and ways to reach into it.
 */
import { expect } from "vitest";
import { evaluate } from "../../scripts/policy/rules";
import { type Json, platform } from "../support/synth";

/** A deep copy of one synthesized stack of the platform, to break on purpose. */
export const copyOf = (stack: string): Json => structuredClone(platform().stack(stack).json);

/** The results of rule `id` over `stack`: at least one, so that a rule that checks nothing fails the test. */
export function results(id: string, stack: Json) {
  const found = evaluate(stack).filter((result) => result.id === id);
  expect(found.length).toBeGreaterThan(0);
  return found;
}
/** Every failure of rule `id` over the platform's stacks, as "<stack>: <resource>: <message>". */
export const failuresInPlatform = (id: string): string[] =>
  Object.values(platform().stacks).flatMap((stack) =>
    evaluate(stack.json)
      .filter((result) => result.id === id && !result.passed)
      .map((result) => `${stack.name}: ${result.resource}: ${result.message}`),
  );
export const passes = (id: string, stack: Json) => results(id, stack).every((result) => result.passed);
export const failures = (id: string, stack: Json) => results(id, stack).filter((result) => !result.passed);

/** The one resource of `type` in `stack` whose name contains `part`. */
export function named(stack: Json, type: string, part: string): Json {
  const matches = Object.entries<Json>(stack.resource[type] ?? {}).filter(([name]) => name.includes(part));
  expect(matches, `${type} *${part}*`).toHaveLength(1);
  return matches[0][1];
}

/** Changes the JSON document held as a string in `holder[key]` (a policy, a container list). */
export function editJson(holder: Json, key: string, change: (document: Json) => void): void {
  const document = JSON.parse(holder[key]);
  change(document);
  holder[key] = JSON.stringify(document);
}
