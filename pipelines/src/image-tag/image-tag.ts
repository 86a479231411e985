/**
 * The image tag of a frontend build: `<commit count>-<short commit id>-<build number>`, e.g.
 * 42-1a2b3c4-17. The count makes tags sort by history, the commit id names the source, the
 * build number tells rebuilds of one commit apart.
 */
import { existsSync } from "node:fs";
import { $ } from "zx";

export class ImageTagError extends Error {}

export interface ImageTagInput {
  /** The git checkout the image is built from. */
  readonly repoDir: string;
  /** Jenkins' BUILD_NUMBER. */
  readonly buildNumber: string | undefined;
}

export async function imageTag({ repoDir, buildNumber }: ImageTagInput): Promise<string> {
  const build = buildNumber?.trim() ?? "";
  if (!/^[1-9][0-9]*$/.test(build)) {
    throw new ImageTagError(
      build === ""
        ? "BUILD_NUMBER is not set: Jenkins sets it in every build; elsewhere export BUILD_NUMBER=<positive integer>"
        : `BUILD_NUMBER "${build}" is not a positive integer: export BUILD_NUMBER=<positive integer>`,
    );
  }
  if (!existsSync(repoDir)) {
    throw new ImageTagError(`${repoDir} does not exist: pass --repo-dir with the checkout the image is built from`);
  }
  const git = $({ cwd: repoDir, quiet: true, nothrow: true });
  const inside = await git`git rev-parse --is-inside-work-tree`;
  if (inside.exitCode !== 0 || inside.stdout.trim() !== "true") {
    throw new ImageTagError(
      `${repoDir} is not inside a git repository: pass --repo-dir with the checkout the image is built from`,
    );
  }
  const head = await git`git rev-parse --verify --quiet HEAD`;
  if (head.exitCode !== 0) {
    throw new ImageTagError(`${repoDir} has no commits yet: commit the source, then build`);
  }
  if ((await git`git rev-parse --is-shallow-repository`).stdout.trim() === "true") {
    throw new ImageTagError(
      `${repoDir} is a shallow clone, so its commit count is wrong: clone the full history (no --depth, no "shallow clone" in Jenkins)`,
    );
  }
  const count = (await git`git rev-list --count HEAD`).stdout.trim();
  const shortSha = (await git`git rev-parse --short=7 HEAD`).stdout.trim();
  return `${count}-${shortSha}-${build}`;
}

/** `<registry>/<repository>:<tag>`, the image name the frontend job builds and pushes. */
export function imageName(registry: string, repository: string, tag: string): string {
  const host = registry.replace(/^https?:\/\//, "").replace(/\/+$/, "");
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?$/i.test(host)) {
    throw new ImageTagError(
      `registry "${registry}" is not a registry host: pass --registry <account>.dkr.ecr.<region>.amazonaws.com`,
    );
  }
  return `${host}/${repository}:${tag}`;
}
