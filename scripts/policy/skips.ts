/** Reads the skip list of .checkov.yaml, which must stay empty: waivers are per resource (policy-waivers.yaml). */

/** The ids under `skip-check:`, one "- ID" line each. */
export function skippedIds(config: string): string[] {
  const section = /^skip-check:\n((?:[ \t]*(?:#.*|- .*)?\n?)*)/m.exec(config)?.[1] ?? "";
  return [...section.matchAll(/^[ \t]*- (\S+)/gm)].map((match) => match[1]);
}
