/** Reads the skip list of .checkov.yaml and the reason comment each skip must carry. */

/** The ids under `skip-check:`, one "- ID" line each. */
export function skippedIds(config: string): string[] {
  const section = /^skip-check:\n((?:[ \t]*(?:#.*|- .*)?\n?)*)/m.exec(config)?.[1] ?? "";
  return [...section.matchAll(/^[ \t]*- (\S+)/gm)].map((match) => match[1]);
}

/** Skipped ids whose line above is not "# <ID>: <a reason of some substance>". */
export function skipsWithoutReason(config: string): string[] {
  const lines = config.split("\n");
  return skippedIds(config).filter((id) => {
    const index = lines.findIndex((line) => line.trim() === `- ${id}`);
    const reason = /^\s*#\s*(\S+):\s*(.+)$/.exec(lines[index - 1] ?? "");
    return reason?.[1] !== id || reason[2].trim().length < 30;
  });
}
