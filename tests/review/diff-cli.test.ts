/**
 * pnpm diff end to end, on a real git repository: a clone of this one, where a branch adds an
 * environment and renames the ECR repository. The CLI under test is this working tree's; the code it
 * synthesizes is the clone's (its base in a worktree, its branch as checked out).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const cli = join(root, "scripts/diff/cli.ts");

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cwd: string, command: string, args: string[]): Run {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function must(cwd: string, command: string, args: string[]): string {
  const result = run(cwd, command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

const diff = (cwd: string, args: string[]) => run(cwd, process.execPath, ["--import", "tsx", cli, ...args]);

describe("pnpm diff on a real repository", () => {
  const scratch = mkdtempSync(join(tmpdir(), "diff-cli-"));
  const clone = join(scratch, "repository");
  let unchanged: Run;
  let branch: Run;
  let badRef: Run;
  let badStack: Run;

  beforeAll(() => {
    // A clone of this repository's HEAD, on a branch main (CI may have checked out a detached HEAD).
    must(root, "git", ["clone", "--quiet", "--shared", root, clone]);
    must(clone, "git", ["checkout", "--quiet", "-B", "main"]);
    symlinkSync(realpathSync(join(root, "node_modules")), join(clone, "node_modules"), "dir");
    for (const [key, value] of [
      ["user.name", "Review Test"],
      ["user.email", "review@example.com"],
    ]) {
      must(clone, "git", ["config", key, value]);
    }
    unchanged = diff(clone, ["--base", "HEAD", "--format", "json"]);
    badRef = diff(clone, ["--base", "no-such-branch"]);
    badStack = diff(clone, ["--base", "HEAD", "--stack", "qa"]);

    // The pull request: a canary environment, and the repository renamed.
    must(clone, "git", ["checkout", "--quiet", "-b", "canary"]);
    writeFileSync(
      join(clone, "environments/canary.yaml"),
      "# Canary: one task that sees new images first.\ncidr: 10.0.64.0/20\nservice:\n  desiredCount: 1\n",
    );
    const common = join(clone, "environments/common.yaml");
    writeFileSync(common, readFileSync(common, "utf8").replace("repositoryName: frontend", "repositoryName: web"));
    must(clone, process.execPath, ["--import", "tsx", "scripts/vars/cli.ts"]);
    must(clone, "git", ["add", "environments", "stacks/global/vars.ts"]);
    must(clone, "git", ["commit", "--quiet", "-m", "Add canary; rename the repository"]);
    branch = diff(clone, ["--format", "json", "--fail-on", "data-loss"]);
  }, 120_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("calls every stack unchanged against the base with no change, exit 0", () => {
    const report = JSON.parse(unchanged.stdout);

    expect(unchanged.code).toBe(0);
    expect(report.stacks.map((stack: { change: string }) => stack.change)).toEqual(Array(5).fill("unchanged"));
  });

  it("calls the branch's new environment added, against the merge base with main by default", () => {
    const report = JSON.parse(branch.stdout);

    expect(report.base.ref).toBe("the merge base of HEAD and main");
    expect(report.stacks).toContainEqual(expect.objectContaining({ stack: "canary", change: "added" }));
  });

  it("replaces the renamed repository with the hazards replace and data-loss, and exits 3 for --fail-on data-loss", () => {
    const global = JSON.parse(branch.stdout).stacks.find((stack: { stack: string }) => stack.stack === "global");

    expect(global.resources).toContainEqual(
      expect.objectContaining({
        address: "aws_ecr_repository.frontend_repository",
        action: "replace",
        attributes: ["name"],
        hazards: ["replace", "data-loss"],
      }),
    );
    expect(branch.code).toBe(3);
    expect(branch.stderr).toContain("hazards found that --fail-on names: data-loss");
  });

  it("refuses an unknown base ref, listing the valid ones, exit 2", () => {
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toMatch(
      /^pnpm diff: --base no-such-branch: no such commit, branch or tag\. Valid refs: .*main/,
    );
  });

  it("refuses an unknown stack, listing the valid ones, exit 2", () => {
    expect(badStack.code).toBe(2);
    expect(badStack.stderr).toContain("--stack qa: no such stack");
    expect(badStack.stderr).toContain("Valid: global, network, dev, mgmt, prod");
  });

  it("leaves no worktree behind, and the shared node_modules in place", () => {
    expect(must(clone, "git", ["worktree", "list"]).trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(root, "node_modules/.bin/tsx"))).toBe(true);
  });
});
