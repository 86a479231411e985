/**
 * The frontend image tag <commit count>-<short commit id>-<build number>, computed from real
 * temporary git repositories with known histories.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { vars } from "../../stacks/global/vars";
import { imageName, imageTag } from "../src/image-tag/image-tag";

let work: string;

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  }).trim();
}

function repoWithCommits(count: number): string {
  const dir = join(work, `repo-${count}`);
  mkdirSync(dir);
  git(dir, "init", "--quiet", "--initial-branch=master");
  for (let index = 1; index <= count; index++) {
    writeFileSync(join(dir, "index.html"), `<p>version ${index}</p>\n`);
    git(dir, "add", "index.html");
    git(dir, "commit", "--quiet", "-m", `version ${index}`);
  }
  return dir;
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "image-tag-"));
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

describe("image tag", () => {
  it("is <commit count>-<short commit id>-<build number>", async () => {
    const repo = repoWithCommits(3);
    const sha = git(repo, "rev-parse", "HEAD");
    const tag = await imageTag({ repoDir: repo, buildNumber: "17" });
    expect(tag).toBe(`3-${sha.slice(0, 7)}-17`);
  });

  it("counts the commits reachable from the checked-out commit", async () => {
    const repo = repoWithCommits(5);
    git(repo, "checkout", "--quiet", "HEAD~2");
    expect(await imageTag({ repoDir: repo, buildNumber: "1" })).toMatch(/^3-[0-9a-f]{7}-1$/);
  });

  it("rejects a directory outside any git repository", async () => {
    await expect(imageTag({ repoDir: work, buildNumber: "1" })).rejects.toThrow(
      /is not inside a git repository: pass --repo-dir/,
    );
  });

  it("rejects a repository without commits", async () => {
    const repo = repoWithCommits(0);
    await expect(imageTag({ repoDir: repo, buildNumber: "1" })).rejects.toThrow(/has no commits yet/);
  });

  it("rejects a shallow clone, whose commit count would be wrong", async () => {
    const origin = repoWithCommits(4);
    const shallow = join(work, "shallow");
    git(work, "clone", "--quiet", "--depth=1", `file://${origin}`, shallow);
    await expect(imageTag({ repoDir: shallow, buildNumber: "1" })).rejects.toThrow(/shallow clone/);
  });

  it.each([
    [undefined, /BUILD_NUMBER is not set/],
    ["", /BUILD_NUMBER is not set/],
    ["12a", /BUILD_NUMBER "12a" is not a positive integer/],
    ["0", /BUILD_NUMBER "0" is not a positive integer/],
  ])("rejects BUILD_NUMBER %j", async (buildNumber, message) => {
    const repo = repoWithCommits(1);
    await expect(imageTag({ repoDir: repo, buildNumber })).rejects.toThrow(message);
  });

  it("names the image <ecr repository url>:<tag>", () => {
    expect(imageName("123456789012.dkr.ecr.eu-central-1.amazonaws.com", "frontend", "3-abc1234-17")).toBe(
      "123456789012.dkr.ecr.eu-central-1.amazonaws.com/frontend:3-abc1234-17",
    );
    expect(() => imageName("not a host/", "frontend", "1-a-1")).toThrow(/is not a registry host/);
  });
});

describe("image-tag command", () => {
  const pipelines = resolve(import.meta.dirname, "..");
  const cli = (args: string[], env: Record<string, string | undefined>) =>
    spawnSync(process.execPath, ["--import", "tsx", "bin/image-tag.ts", ...args], {
      cwd: pipelines,
      encoding: "utf8",
      env: { ...process.env, INIT_CWD: undefined, BUILD_NUMBER: undefined, ...env },
    });

  it("prints the full image name with the ECR repository from vars", () => {
    const repo = repoWithCommits(2);
    const sha = git(repo, "rev-parse", "--short=7", "HEAD");
    const result = cli(["--repo-dir", repo, "--registry", "123456789012.dkr.ecr.eu-central-1.amazonaws.com"], {
      BUILD_NUMBER: "9",
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(
      `123456789012.dkr.ecr.eu-central-1.amazonaws.com/${vars.ecr.repositoryName}:2-${sha}-9`,
    );
  });

  it("exits 1 with the fix when BUILD_NUMBER is missing", () => {
    const result = cli(["--repo-dir", repoWithCommits(1)], {});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("image-tag: BUILD_NUMBER is not set");
    expect(result.stdout).toBe("");
  });
});
