/**
 * What ECS containers run, read from each task definition's container_definitions (a JSON string
 * checkov does not look into): an image of this account's ECR pinned by digest, as a user other
 * than root, with every Linux capability dropped and none added (FSBP ECS.20; NIST's container guide).
 */
import { eachTaskDefinition, type Json, type Rule } from "./rule-kit";

/** `<account>.dkr.ecr.<region>.<dns suffix>/<repository>@sha256:<64 hex>`; the account and the suffix may
 *  be Terraform references (the stacks read them from data sources). */
export const ECR_IMAGE_PINNED =
  /^(\d{12}|\$\{data\.aws_caller_identity\.[\w-]+\.account_id\})\.dkr\.ecr\.[a-z0-9-]+\.(amazonaws\.com(\.cn)?|\$\{data\.aws_partition\.[\w-]+\.dns_suffix\})\/[a-z0-9]+(?:[._/-][a-z0-9]+)*@sha256:[0-9a-f]{64}$/;

/** Why `container` fails the rule, or nothing. */
export function containerProblems(container: Json): string[] {
  const problems: string[] = [];
  const image = String(container.image);
  if (!ECR_IMAGE_PINNED.test(image)) problems.push(`image ${image} is not an ECR image pinned by digest`);
  const user = container.user === undefined ? "" : String(container.user);
  const uid = user.split(":")[0];
  if (user === "" || uid === "root" || /^0+$/.test(uid))
    problems.push(`runs as ${user || "the image's user (root unless it says)"}`);
  const capabilities = container.linuxParameters?.capabilities ?? {};
  if (!(capabilities.drop ?? []).includes("ALL")) problems.push("keeps Linux capabilities (drop ALL)");
  if ((capabilities.add ?? []).length > 0) problems.push(`adds ${capabilities.add.join(", ")}`);
  return problems;
}

const pinnedNonRoot: Rule = {
  id: "CX_ECS_3",
  title: "ECS containers run an ECR image pinned by digest, as a non-root user, with all Linux capabilities dropped",
  check: (stack) =>
    eachTaskDefinition(stack, "CX_ECS_3", (containers) => {
      const problems = containers.flatMap((container) =>
        containerProblems(container).map((problem) => `${container.name}: ${problem}`),
      );
      return {
        passed: containers.length > 0 && problems.length === 0,
        message: problems.length === 0 ? "pinned ECR images, non-root, no capabilities" : problems.join("; "),
      };
    }),
};

export const WORKLOAD_RULES: readonly Rule[] = [pinnedNonRoot];
