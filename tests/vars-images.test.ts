import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SAMPLE_IMAGE } from "../config/images";
import { loadVars, VarsError } from "../config/load";

const root = resolve(import.meta.dirname, "..");
let work: string;

function edit(file: string, change: (text: string) => string) {
  const path = join(work, file);
  writeFileSync(path, change(readFileSync(path, "utf8")));
}
/** Adds `lines` under prod's `service:` key. */
const prodService = (...lines: string[]) =>
  edit("prod.yaml", (text) => text.replace("service:\n", `service:\n${lines.map((line) => `  ${line}\n`).join("")}`));

function problems(): string[] {
  try {
    loadVars(work, work);
  } catch (error) {
    if (error instanceof VarsError) return error.problems;
    throw error;
  }
  return [];
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "vars-images-"));
  cpSync(join(root, "environments"), work, { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe("pnpm vars: what a service's task starts, and who approves its findings", () => {
  it("defaults to the sample in the Docker Hub cache by digest, as nobody, refusing CRITICAL findings", () => {
    const prod = loadVars(work, work).environments.prod.service;
    expect(prod?.image).toBe(SAMPLE_IMAGE);
    expect(prod?.user).toBe("65534:65534");
    expect(prod?.delivery.scanFindingsThreshold).toBe("CRITICAL");
  });

  it.each([
    [
      "a Docker Hub tag",
      "nginxdemos/hello:latest",
      /service\.image: "nginxdemos\/hello:latest" is not an ECR image pinned by digest \(a tag moves; pin the digest\)/,
    ],
    [
      "a registry host",
      `123456789012.dkr.ecr.eu-central-1.amazonaws.com/frontend@sha256:${"a".repeat(64)}`,
      /drop the registry host/,
    ],
    ["a short digest", "frontend@sha256:abc", /expected <repository>@sha256:<64 hex digits>/],
  ])("refuses %s with the file, the key and how to read a digest", (_name, image, message) => {
    prodService(`image: "${image}"`);
    const found = problems();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^prod\.yaml: /);
    expect(found[0]).toMatch(message);
    expect(found[0]).toMatch(/docker buildx imagetools inspect/);
  });

  it("refuses a repository that is neither the service repository nor under the Docker Hub cache", () => {
    prodService(`image: "other/thing@sha256:${"b".repeat(64)}"`);
    expect(problems()).toEqual([
      expect.stringMatching(
        /^prod\.yaml: service\.image: repository "other\/thing" is neither the service repository "frontend" nor under the Docker Hub cache "docker-hub\/" \(common\.yaml ecr\)/,
      ),
    ]);
  });

  it("takes a build of the service repository by digest", () => {
    prodService(`image: "frontend@sha256:${"c".repeat(64)}"`);
    expect(problems()).toEqual([]);
  });

  it.each([
    ["root by uid", "0", /service\.user: uid 0 is root/],
    ["root with a group", "0:101", /service\.user: uid 0 is root/],
    ["a name", "nginx", /service\.user: use a numeric uid/],
  ])("refuses the user %s", (_name, user, message) => {
    prodService(`user: "${user}"`);
    expect(problems()).toEqual([expect.stringMatching(message)]);
  });

  it("refuses a severity ECR does not report", () => {
    edit("prod.yaml", (text) => text.replace("  delivery:\n", "  delivery:\n    scanFindingsThreshold: SEVERE\n"));
    expect(problems()).toEqual([expect.stringMatching(/^prod\.yaml: service\.delivery\.scanFindingsThreshold: /)]);
  });
});
