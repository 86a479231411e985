/**
 * docs/runbook.md read as data: one entry per `### <entry>` heading under `## Alarms`, each with what
 * the alarm means, exactly three things to look at, and a command that fixes the common cause.
 */

export interface RunbookEntry {
  readonly name: string;
  readonly body: string;
}

/** The entries under `## Alarms`, in their order. */
export function runbookEntries(markdown: string): RunbookEntry[] {
  const section = /^## Alarms\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(markdown)?.[1] ?? "";
  return section
    .split(/^### /m)
    .slice(1)
    .map((chunk) => {
      const [heading, ...rest] = chunk.split("\n");
      return { name: heading.trim(), body: rest.join("\n") };
    });
}

/** What an entry lacks of the runbook's shape. */
export function entryProblems(entry: RunbookEntry): string[] {
  const problems: string[] = [];
  if (!/^\*\*Means:\*\* \S/m.test(entry.body)) problems.push(`${entry.name}: no "**Means:**" paragraph`);
  const lookAt = /^\*\*Look at:\*\*\n((?:\d+\. .*\n)+)/m.exec(entry.body)?.[1] ?? "";
  const things = lookAt.split("\n").filter((line) => /^\d+\. /.test(line)).length;
  if (things !== 3) problems.push(`${entry.name}: ${things} things to look at; list the first three`);
  if (!/^\*\*Fix:\*\* .*\n\n```sh\n.+\n```$/m.test(entry.body)) {
    problems.push(`${entry.name}: no "**Fix:**" with the command that fixes the common cause in a sh block`);
  }
  return problems;
}

/** Entries the alarms need and the runbook lacks, and entries no alarm links to. */
export function coverageProblems(entries: readonly string[], linked: ReadonlySet<string>): string[] {
  const present = new Set(entries);
  return [
    ...[...linked]
      .filter((name) => !present.has(name))
      .map((name) => `${name}: an alarm links to it, the runbook has no entry`),
    ...entries.filter((name) => !linked.has(name)).map((name) => `${name}: an entry no alarm links to`),
    ...entries.filter((name, index) => entries.indexOf(name) !== index).map((name) => `${name}: two entries`),
  ];
}
