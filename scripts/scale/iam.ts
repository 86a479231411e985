/**
 * IAM policy sizes as AWS counts them, from synthesized Terraform JSON. The policy documents hold
 * Terraform interpolations (`${data.aws_caller_identity.account.account_id}`); each is replaced by
 * the longest value it can take, so the size is an upper bound of what AWS will see. AWS counts
 * characters without white space; JSON.stringify writes none.
 */
import type { Vars } from "../../config/schema";

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is untyped by nature.
type TerraformJson = Record<string, any>;

/** AWS's limits: all inline policies of a role together, and one managed policy. */
export const IAM_POLICY_LIMITS = { aws_iam_role_policy: 10_240, aws_iam_policy: 6_144 } as const;

export interface PolicySize {
  readonly stack: string;
  /** `<type>.<name>`; for inline policies, the total over every inline policy of the same role. */
  readonly address: string;
  readonly characters: number;
  readonly limit: number;
}

/** The longest value of each interpolation the stacks put into policy documents. */
function worstCaseValues(vars: Vars, stack: TerraformJson): [RegExp, (match: string, name: string) => string][] {
  const account = "123456789012";
  const partition = "aws-us-gov";
  const logGroups: Record<string, TerraformJson> = stack.resource?.aws_cloudwatch_log_group ?? {};
  const roles: Record<string, TerraformJson> = stack.resource?.aws_iam_role ?? {};
  return [
    [
      /\$\{aws_iam_role\.([^.}]+)\.arn\}/g,
      // IAM role names are at most 64 characters.
      (_, name) => `arn:${partition}:iam::${account}:role/${roles[name]?.name ?? "x".repeat(64)}`,
    ],
    [
      /\$\{aws_cloudwatch_log_group\.([^.}]+)\.arn\}/g,
      (_, name) =>
        `arn:${partition}:logs:${vars.region}:${account}:log-group:${logGroups[name]?.name ?? "x".repeat(512)}`,
    ],
    // A key's id is a UUID (36 characters); multi-Region keys prefix it with `mrk-`.
    [
      /\$\{aws_kms_key\.[^.}]+\.arn\}/g,
      () => `arn:${partition}:kms:${vars.region}:${account}:key/mrk-${"x".repeat(32)}`,
    ],
    [/\$\{data\.aws_caller_identity\.[^}]+\.account_id\}/g, () => account],
    [/\$\{data\.aws_partition\.[^}]+\.partition\}/g, () => partition],
    [
      /\$\{data\.terraform_remote_state\.[^}]+aws_ecr_repository[^}]+arn\}/g,
      () => `arn:${partition}:ecr:${vars.region}:${account}:repository/${vars.ecr.repositoryName}`,
    ],
  ];
}

/** The size AWS would count for `policy` of `stack`; throws on an interpolation this module cannot bound. */
export function renderedPolicySize(policy: string, vars: Vars, stack: TerraformJson = {}): number {
  let rendered = policy;
  for (const [pattern, value] of worstCaseValues(vars, stack)) rendered = rendered.replace(pattern, value);
  const unknown = /\$\{[^}]+\}/.exec(rendered);
  if (unknown) {
    throw new Error(`no upper bound for ${unknown[0]} in an IAM policy; add its longest value to scripts/scale/iam.ts`);
  }
  return JSON.stringify(JSON.parse(rendered)).length;
}

/** Every IAM policy of every stack with its size and limit, largest share of its limit first. */
export function policySizes(stacks: Record<string, TerraformJson>, vars: Vars): PolicySize[] {
  const sizes: PolicySize[] = [];
  for (const [stack, json] of Object.entries(stacks)) {
    const inlineByRole = new Map<string, { address: string; characters: number }>();
    for (const [name, body] of Object.entries<TerraformJson>(json.resource?.aws_iam_role_policy ?? {})) {
      const role = String(body.role);
      const current = inlineByRole.get(role);
      const characters = renderedPolicySize(body.policy, vars, json);
      inlineByRole.set(role, {
        address: current ? `${current.address}+${name}` : `aws_iam_role_policy.${name}`,
        characters: (current?.characters ?? 0) + characters,
      });
    }
    for (const { address, characters } of inlineByRole.values()) {
      sizes.push({ stack, address, characters, limit: IAM_POLICY_LIMITS.aws_iam_role_policy });
    }
    for (const [name, body] of Object.entries<TerraformJson>(json.resource?.aws_iam_policy ?? {})) {
      sizes.push({
        stack,
        address: `aws_iam_policy.${name}`,
        characters: renderedPolicySize(body.policy, vars, json),
        limit: IAM_POLICY_LIMITS.aws_iam_policy,
      });
    }
  }
  return sizes.sort((a, b) => b.characters / b.limit - a.characters / a.limit);
}

/**
 * `vars` with no environment asking for approval: every application environment is then the build
 * agent's to deploy, and its policy (one rollout statement per environment) at its largest. Deploy
 * agents' policies name one environment each and do not grow with the count.
 */
export function withoutApprovals(vars: Vars): Vars {
  const copy = structuredClone(vars);
  for (const environment of Object.values(copy.environments)) {
    if (environment.service) environment.service.delivery.approval = false;
  }
  return copy;
}

/** AWS's default quota of managed policies attached to one role (adjustable up to 20). */
export const MANAGED_POLICIES_PER_ROLE = 10;

/** How many managed policies each role of each stack has attached, by `<stack>: <role reference>`. */
export function managedPolicyCounts(stacks: Record<string, TerraformJson>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [stack, json] of Object.entries(stacks)) {
    for (const attachment of Object.values<TerraformJson>(json.resource?.aws_iam_role_policy_attachment ?? {})) {
      const key = `${stack}: ${attachment.role}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}
