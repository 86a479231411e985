/**
 * pnpm --filter pipelines image-tag [--repo-dir DIR] [--registry HOST]
 * Prints the image tag <commit count>-<short commit id>-<BUILD_NUMBER> of the checkout in DIR, or
 * with --registry the full image name <registry>/<ECR repository from vars>:<tag>. Changes nothing.
 */
import { resolve } from "node:path";
import { runMain } from "../../lib/cli";
import { vars } from "../../stacks/global/vars";
import { imageName, imageTag } from "../src/image-tag/image-tag";

await runMain({
  name: "image-tag",
  usage: `usage: pnpm --filter pipelines image-tag [--repo-dir DIR] [--registry HOST]

Prints <commit count>-<short commit id>-<build number> for the git checkout in DIR (default: the
current directory); the build number comes from BUILD_NUMBER. With --registry, prints the image
name HOST/${vars.ecr.repositoryName}:<tag> (the ECR repository from vars).`,
  flags: { "repo-dir": { type: "string", default: "." }, registry: { type: "string" } },
  run: async ({ flags, out }) => {
    // pnpm --filter runs scripts in pipelines/: a relative --repo-dir means the caller's directory.
    const repoDir = resolve(process.env.INIT_CWD ?? process.cwd(), flags["repo-dir"]);
    const tag = await imageTag({ repoDir, buildNumber: process.env.BUILD_NUMBER });
    out(flags.registry === undefined ? tag : imageName(flags.registry, vars.ecr.repositoryName, tag));
  },
});
