import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { vars } from "../../stacks/global/vars";
import { runbookEntryOf } from "../support/alarm-rules";
import { coverageProblems, entryProblems, runbookEntries } from "../support/runbook";
import { type Json, platform } from "../support/synth";

const runbook = readFileSync(join(import.meta.dirname, "../../docs/runbook.md"), "utf8");
const entries = runbookEntries(runbook);
const names = entries.map((entry) => entry.name);

/** The runbook entry every alarm of every stack links to. */
const linked = new Set(
  Object.values(platform().stacks).flatMap((stack) =>
    stack.resourceList("aws_cloudwatch_metric_alarm").map((alarm: Json) => {
      const entry = runbookEntryOf(alarm, vars.notifications.runbookUrl);
      if (!entry) throw new Error(`${alarm.alarm_name} links no runbook entry`);
      return entry;
    }),
  ),
);

describe("docs/runbook.md and the alarms, both ways", () => {
  it("has an entry for every alarm any stack defines, and none that no alarm links to", () => {
    expect(coverageProblems(names, linked)).toEqual([]);
    expect(names.length).toBeGreaterThanOrEqual(13);
  });

  it("would see an alarm without an entry", () => {
    expect(
      coverageProblems(
        names.filter((name) => name !== "cpu-high"),
        linked,
      ),
    ).toEqual(["cpu-high: an alarm links to it, the runbook has no entry"]);
  });

  it("would see an entry without an alarm", () => {
    expect(coverageProblems([...names, "disk-full"], linked)).toEqual(["disk-full: an entry no alarm links to"]);
  });

  it("reads the entries as GitHub anchors them: a heading of lower-case words and dashes", () => {
    for (const name of names) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("says in every entry what the alarm means, the first three things to look at, and the command that fixes the common cause", () => {
    expect(entries.flatMap(entryProblems)).toEqual([]);
  });

  it("would see an entry that lists two things to look at and no command", () => {
    const entry = entries[0];
    const broken = { name: entry.name, body: entry.body.replace(/^3\. .*\n/m, "").replace(/```sh\n[\s\S]*?```/, "") };
    expect(entryProblems(broken)).toEqual([
      `${entry.name}: 2 things to look at; list the first three`,
      `${entry.name}: no "**Fix:**" with the command that fixes the common cause in a sh block`,
    ]);
  });
});
