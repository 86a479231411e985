/**
 * What a service's task definition may start: an image in this account's ECR, pinned by digest
 * (`<repository>@sha256:<64 hex>`), run as a user other than root. The stacks add the registry
 * (`<account>.dkr.ecr.<region>.amazonaws.com/`); no image comes from outside ECR, so tasks never
 * need the internet. Checked across the files: the repository is the service repository
 * (`ecr.repositoryName`) or lies under the Docker Hub pull-through cache (`ecr.dockerHubCachePrefix`).
 */
import { z } from "zod";
import type { CommonVars, EnvironmentVars } from "./schema";

/** traefik/whoami v1.12.0 (a static Go binary that writes nothing and answers with its host name and
 *  address), through the Docker Hub pull-through cache. The digest is the one public references give
 *  for v1.12.0 (it cannot be looked up offline): verify it before the first apply (README, Images). */
export const SAMPLE_IMAGE =
  "docker-hub/traefik/whoami@sha256:c4717a8d1f0134a7444e24f881160e033991f23027c6c5a9a3f8fd22e70d1d44";

/** ECR repository names: lower-case path components separated by `/`. */
const REPOSITORY = "[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*";
const ECR_IMAGE_BY_DIGEST = new RegExp(`^(${REPOSITORY})@(sha256:[0-9a-f]{64})$`);

/** `service.image`: a repository of this account's ECR and a digest. */
export const ImageSchema = z.string().superRefine((image, ctx) => {
  // Docker's reference grammar: a first component with a dot or a colon, before a slash, is a registry host.
  const host = image.includes("/") && /[.:]/.test(image.split("/")[0]);
  if (ECR_IMAGE_BY_DIGEST.test(image) && !host) return;
  const hint = host
    ? "drop the registry host: the stacks add this account's ECR registry"
    : /^[^@]+:[^/@]+$/.test(image)
      ? "a tag moves; pin the digest"
      : "expected <repository>@sha256:<64 hex digits>";
  ctx.addIssue({
    code: "custom",
    message:
      `"${image}" is not an ECR image pinned by digest (${hint}), e.g. ${SAMPLE_IMAGE}; ` +
      "read a digest with: docker buildx imagetools inspect <image>:<tag> (README, Images)",
  });
});

/** `service.user`: the container's `uid[:gid]`, numeric (images such as scratch have no /etc/passwd), never root. */
export const UserSchema = z
  .string()
  .regex(/^\d+(:\d+)?$/, "use a numeric uid or uid:gid such as 65534:65534")
  .refine((user) => Number(user.split(":")[0]) !== 0, { message: "uid 0 is root; use an unprivileged uid" });

/** The repository of `service.image` (validated by ImageSchema). */
function imageRepository(image: string): string {
  return image.slice(0, image.indexOf("@"));
}

/** Each service's image lies in the service repository or under the Docker Hub cache prefix. */
export function imageProblems(
  common: Pick<CommonVars, "ecr">,
  environments: readonly EnvironmentVars[],
  show: (file: string) => string,
  commonFile: string,
): string[] {
  const { repositoryName, dockerHubCachePrefix } = common.ecr;
  return environments.flatMap((environment) => {
    const image = environment.service?.image;
    if (!image || !ECR_IMAGE_BY_DIGEST.test(image)) return [];
    const repository = imageRepository(image);
    if (repository === repositoryName || repository.startsWith(`${dockerHubCachePrefix}/`)) return [];
    return [
      `${show(`${environment.name}.yaml`)}: service.image: repository "${repository}" is neither the service repository ` +
        `"${repositoryName}" nor under the Docker Hub cache "${dockerHubCachePrefix}/" (${show(commonFile)} ecr); ` +
        `use ${repositoryName}@sha256:<digest> or ${dockerHubCachePrefix}/<owner>/<name>@sha256:<digest>`,
    ];
  });
}
