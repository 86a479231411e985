/**
 * pnpm --filter pipelines image-tag [--repo-dir DIR] [--registry HOST]
 * Prints the image tag <commit count>-<short commit id>-<BUILD_NUMBER> of the checkout in DIR, or
 * with --registry the full image name <registry>/<ECR repository from vars>:<tag>. Changes nothing.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { vars } from "../../stacks/global/vars";
import { ImageTagError, imageName, imageTag } from "../src/image-tag/image-tag";

const USAGE = `usage: pnpm --filter pipelines image-tag [--repo-dir DIR] [--registry HOST]

Prints <commit count>-<short commit id>-<build number> for the git checkout in DIR (default: the
current directory); the build number comes from BUILD_NUMBER. With --registry, prints the image
name HOST/${vars.ecr.repositoryName}:<tag> (the ECR repository from vars).`;

async function main(): Promise<number> {
  let flags: { "repo-dir"?: string; registry?: string; help: boolean };
  try {
    flags = parseArgs({
      options: {
        "repo-dir": { type: "string" },
        registry: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`image-tag: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  // pnpm --filter runs scripts in pipelines/: a relative --repo-dir means the caller's directory.
  const repoDir = resolve(process.env.INIT_CWD ?? process.cwd(), flags["repo-dir"] ?? ".");
  try {
    const tag = await imageTag({ repoDir, buildNumber: process.env.BUILD_NUMBER });
    console.log(flags.registry === undefined ? tag : imageName(flags.registry, vars.ecr.repositoryName, tag));
    return 0;
  } catch (error) {
    if (!(error instanceof ImageTagError)) throw error;
    console.error(`image-tag: ${error.message}`);
    return 1;
  }
}

process.exitCode = await main();
