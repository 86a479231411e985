/**
 * Where the tasks' images come from, all in this account's ECR: the frontend repository (build tags
 * immutable, only deploy-service's `deployed-` markers move, scanned on push, old builds expired but
 * never one an environment runs) and the Docker Hub pull-through cache the sample image comes through.
 * Resources are made in the caller's scope: their addresses stay those of the global stack.
 */
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrPullThroughCacheRule } from "@cdktf/provider-aws/lib/ecr-pull-through-cache-rule";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import type { Construct } from "constructs";
import type { Vars } from "../../config/schema";
import { DEPLOYED_TAG_PREFIX, dockerHubCredentialName } from "../../lib/naming";

/** Marked images the lifecycle keeps: far above the two markers (current, previous) per environment. */
const MARKED_IMAGES_KEPT = 1000;

/** The frontend repository's lifecycle policy (ECR lifecycle policy JSON, rules in priority order). */
function lifecyclePolicy(keepTaggedImages: number) {
  return {
    rules: [
      {
        rulePriority: 1,
        // ECR: "an image that matches the tagging requirements of a rule cannot be expired by a rule
        // with a lower priority". This rule claims every marked image and expires none of them.
        description: `Keep every image an environment runs or ran before (tags ${DEPLOYED_TAG_PREFIX}<env>, set by deploy-service)`,
        selection: {
          tagStatus: "tagged",
          tagPrefixList: [DEPLOYED_TAG_PREFIX],
          countType: "imageCountMoreThan",
          countNumber: MARKED_IMAGES_KEPT,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: "Expire untagged images (failed or superseded pushes) after one day",
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
        action: { type: "expire" },
      },
      {
        rulePriority: 3,
        description: `Keep the newest ${keepTaggedImages} builds (rollback targets), expire older ones no environment runs`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keepTaggedImages },
        action: { type: "expire" },
      },
    ],
  };
}

export function frontendRepository(scope: Construct, vars: Vars): EcrRepository {
  const repository = new EcrRepository(scope, "frontend_repository", {
    name: vars.ecr.repositoryName,
    // Build tags (<count>-<sha>-<build>) name one build and never move; only deploy-service's
    // markers (deployed-<env>, deployed-<env>-previous) move from image to image.
    imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
    imageTagMutabilityExclusionFilter: [{ filter: `${DEPLOYED_TAG_PREFIX}*`, filterType: "WILDCARD" }],
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfiguration: [{ encryptionType: "KMS" }],
  });
  new EcrLifecyclePolicy(scope, "frontend_repository_lifecycle", {
    repository: repository.name,
    policy: JSON.stringify(lifecyclePolicy(vars.ecr.keepTaggedImages)),
  });
  return repository;
}

/** Docker Hub through ECR: `<prefix>/<owner>/<name>` pulls `docker.io/<owner>/<name>` once and serves it
 *  from ECR after that. Docker Hub needs a credential: the secret is made empty here and filled by an
 *  admin (README, Images); until then a pull of an image not yet cached fails. */
export function dockerHubCache(scope: Construct, vars: Vars): EcrPullThroughCacheRule {
  const credential = new SecretsmanagerSecret(scope, "docker_hub_credential", {
    name: dockerHubCredentialName(vars),
    description:
      'Docker Hub sign-in of the ECR pull-through cache: {"username": ..., "accessToken": ...} (a read-only public-repositories token)',
  });
  return new EcrPullThroughCacheRule(scope, "docker_hub_cache", {
    ecrRepositoryPrefix: vars.ecr.dockerHubCachePrefix,
    upstreamRegistryUrl: "registry-1.docker.io",
    credentialArn: credential.arn,
  });
}
