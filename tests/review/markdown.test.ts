/** The pull-request comment: verdict first, hazards before the table, details folded. */
import { describe, expect, it } from "vitest";
import { diffStacks } from "../../scripts/review/diff";
import { diffMarkdown } from "../../scripts/review/report";
import { copyVars } from "../support/synth";
import { realStacks, stacksWithEnvironment } from "./support/stacks";

const BASE = { ref: "main", commit: "0123456789abcdef" };

/** Lines of text outside every <details> block: what a reader sees before unfolding anything. */
function visibleLines(markdown: string): string[] {
  let depth = 0;
  return markdown.split("\n").filter((line) => {
    if (line.startsWith("<details>")) depth += 1;
    const visible = depth === 0 && line.trim() !== "";
    if (line.startsWith("</details>")) depth -= 1;
    return visible;
  });
}

describe("pnpm diff's Markdown", () => {
  it("says in its first line that nothing changes, and shows every stack unchanged", () => {
    const markdown = diffMarkdown(diffStacks(realStacks(), realStacks()), BASE);

    expect(markdown.split("\n")[2]).toBe("✅ **No changes**: every stack unchanged (5).");
    expect(markdown).toContain("| `prod` | unchanged | 0 | 0 | 0 | 0 |  |");
    expect(markdown).not.toContain("<details>");
  });

  it("puts the verdict, then each hazard in bold with its reason, before the table", () => {
    const vars = copyVars();
    vars.ecr.repositoryName = "web";
    const lines = diffMarkdown(diffStacks(realStacks(), realStacks(vars)), BASE).split("\n");
    const table = lines.findIndex((line) => line.startsWith("| stack |"));
    const dataLoss = lines.findIndex((line) => line.startsWith("- **data-loss**"));

    expect(lines[2]).toMatch(/^⚠️ \*\*Hazards: replace, data-loss\*\*: /);
    expect(dataLoss).toBeGreaterThan(2);
    expect(dataLoss).toBeLessThan(table);
    expect(lines[dataLoss]).toContain("`aws_ecr_repository.frontend_repository` (replace): an ECR repository");
  });

  it("shows before → after of each changed attribute, marking what forces the replacement", () => {
    const vars = copyVars();
    vars.ecr.repositoryName = "web";
    const markdown = diffMarkdown(diffStacks(realStacks(), realStacks(vars)), BASE);

    expect(markdown).toContain('`name`: `"frontend"` → `"web"` **(forces replacement)**');
  });

  it("stays a verdict, hazards and a table for a change of 300 resources, every stack's details folded", () => {
    const head = stacksWithEnvironment("canary", "# Canary.\ncidr: 10.0.64.0/20\nservice:\n  desiredCount: 1\n");
    for (const name of ["qa", "demo", "uat", "perf", "edu", "beta", "sales", "ops", "lab", "try"]) {
      head[name] = structuredClone(head.canary);
      head[name].terraform.backend.s3.key = `connected-express/${name}/terraform.tfstate`;
    }
    const report = diffStacks(realStacks(), head);
    const markdown = diffMarkdown(report, BASE);
    const resources = report.stacks.reduce((sum, stack) => sum + stack.resources.length, 0);

    expect(resources).toBeGreaterThanOrEqual(300);
    // The verdict, at most 40 hazard lines and one table row per stack: the rest is folded.
    expect(visibleLines(markdown).length).toBeLessThanOrEqual(2 + 41 + 2 + report.stacks.length);
    expect(markdown.match(/<details><summary>/g)).toHaveLength(
      report.stacks.filter((stack) => stack.change !== "unchanged").length,
    );
  });
});
