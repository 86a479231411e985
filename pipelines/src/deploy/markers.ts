/**
 * The markers that keep running images from expiring: once a rollout has completed, the image it
 * rolled out carries `deployed-<env>` and the image the environment ran before carries
 * `deployed-<env>-previous` (ECR PutImage of the image's own manifest under the marker: the tag
 * moves, the bytes do not). The repository lets only this prefix move (IMMUTABLE_WITH_EXCLUSION)
 * and its lifecycle policy never expires an image carrying it (stacks/global/images.ts).
 * Why two: a plain `--rollback` puts back the previous image, so that one must still exist; older
 * rollback targets are covered by the newest-builds rule, and a rollback checks its image exists.
 * A rollout that failed moves nothing: the old image still runs and keeps its marker. An image
 * outside the repository (a rollback to the Docker Hub sample Terraform started with) carries none,
 * and `deployed-<env>` then stays on the image that ran before: kept one image longer, never lost.
 */
import { BatchGetImageCommand, type ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { DEPLOYED_TAG_PREFIX, deployedTag, previouslyDeployedTag } from "../../../lib/naming";
import { awsErrorName } from "../aws/config";
import { imageIdOf } from "./scan";

const TAG_TAKEN = ["ImageAlreadyExistsException", "ImageTagAlreadyExistsException"];

/** The tag or digest of `image` when it lies in the repository at `uri`; undefined for any other image. */
export function referenceIn(image: string, uri: string): string | undefined {
  if (image.startsWith(`${uri}:`)) return image.slice(uri.length + 1);
  if (image.startsWith(`${uri}@`)) return image.slice(uri.length + 1);
  return undefined;
}

/** Puts `tag` on the image `reference` names (no-op when it carries it already); returns its digest. */
async function tagImage(ecr: ECRClient, repository: string, reference: string, tag: string): Promise<string> {
  const found = await ecr.send(
    new BatchGetImageCommand({ repositoryName: repository, imageIds: [imageIdOf(reference)] }),
  );
  const image = found.images?.[0];
  if (!image?.imageManifest) {
    const reason = found.failures?.[0]?.failureReason ?? "not found";
    throw new Error(`image ${reference} of ${repository}: ${reason}`);
  }
  try {
    await ecr.send(
      new PutImageCommand({
        repositoryName: repository,
        imageManifest: image.imageManifest,
        imageManifestMediaType: image.imageManifestMediaType,
        imageTag: tag,
      }),
    );
  } catch (error) {
    // ECR answers ImageAlreadyExistsException when the tag already names this very image, and
    // ImageTagAlreadyExistsException when an immutable tag names another one (moto answers the first
    // for both): either way, the image holding the tag says which.
    if (!TAG_TAKEN.includes(awsErrorName(error) ?? "")) throw error;
    const holder = await ecr.send(
      new BatchGetImageCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
    );
    if (holder.images?.[0]?.imageManifest !== image.imageManifest) {
      throw new Error(
        `${tag} is on another image and ECR will not move it: the repository must let ${DEPLOYED_TAG_PREFIX}* move ` +
          "(image_tag_mutability IMMUTABLE_WITH_EXCLUSION, stacks/global/images.ts)",
      );
    }
  }
  return String(image.imageId?.imageDigest);
}

export interface MarkerMove {
  readonly environment: string;
  readonly repository: string;
  /** The repository's URI: images outside it (the Docker Hub sample) carry no marker. */
  readonly uri: string;
  /** What the environment runs now. */
  readonly newImage: string;
  /** What it ran before the rollout. */
  readonly oldImage: string;
}

/** Moves the markers after a completed rollout; returns what it did, one line each. */
export async function moveMarkers(ecr: ECRClient, move: MarkerMove): Promise<string[]> {
  const done: string[] = [];
  const current = deployedTag(move.environment);
  const previous = previouslyDeployedTag(move.environment);
  const oldReference = referenceIn(move.oldImage, move.uri);
  const newReference = referenceIn(move.newImage, move.uri);
  // The previous marker first: while it moves, the old image still carries the current one.
  if (oldReference !== undefined && move.oldImage !== move.newImage) {
    await tagImage(ecr, move.repository, oldReference, previous);
    done.push(`${previous} → ${oldReference}`);
  }
  if (newReference !== undefined) {
    await tagImage(ecr, move.repository, newReference, current);
    done.push(`${current} → ${newReference}`);
  }
  return done;
}
