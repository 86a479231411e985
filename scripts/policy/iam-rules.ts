/**
 * IAM rules of the Jenkins trust boundary (issue 15), over every stack:
 * - CX_IAM_2: every grant of ecs:UpdateService names services (no wildcard in the cluster or service)
 *   and carries the task definition family condition (`ecs:task-definition` ArnLike
 *   `…:task-definition/<family>:*`, the family literal), so that no role can point a service at
 *   another family's revision.
 * - CX_IAM_3: no role reads the Terraform state (objects of the stack's backend bucket) but the
 *   read-only plan role (`<project>-terraform-plan`, lib/naming.ts), neither through its own policies
 *   nor through an AWS-managed policy that reads every bucket.
 */
import {
  allowsAction,
  iamGlob,
  type Json,
  list,
  type Rule,
  referenced,
  resourcesOf,
  result,
  statementsOf,
} from "./rule-kit";

/** Every IAM policy document of the stack: inline role policies and managed policies. */
function policyDocuments(stack: Json): Array<[string, Json[]]> {
  return resourcesOf(stack, "aws_iam_role_policy", "aws_iam_policy").map(
    ([address, body]) => [address, statementsOf(body.policy)] as [string, Json[]],
  );
}

const SERVICE_ARN = /:service\/[^*?/]+\/[^*?/]+$/;
const FAMILY_PATTERN = /:task-definition\/[^*?:/]+:\*$/;

const updateServiceFamily: Rule = {
  id: "CX_IAM_2",
  title: "Every ecs:UpdateService grant names its services and only their own task definition family",
  check: (stack) =>
    policyDocuments(stack).flatMap(([address, statements]) => {
      const rollouts = statements.filter((statement) => allowsAction(statement, "ecs:UpdateService"));
      if (rollouts.length === 0) return [];
      const problems = rollouts.flatMap((statement) => {
        const where = statement.Sid ? `statement ${statement.Sid}` : "a statement";
        const families = [
          ...list(statement.Condition?.ArnLike?.["ecs:task-definition"]),
          ...list(statement.Condition?.ArnEquals?.["ecs:task-definition"]),
        ];
        return [
          ...(statement.NotResource !== undefined || list(statement.Resource).some((r) => !SERVICE_ARN.test(r))
            ? [
                `${where} grants UpdateService beyond named services (${list(statement.Resource).join(", ") || "NotResource"})`,
              ]
            : []),
          ...(families.length === 0
            ? [`${where} grants UpdateService without the ecs:task-definition family condition`]
            : families
                .filter((family) => !FAMILY_PATTERN.test(family))
                .map((family) => `${where} lets any family through: ${family}`)),
        ];
      });
      return [
        result(
          "CX_IAM_2",
          address,
          problems.length === 0,
          problems.length === 0
            ? `${rollouts.length} UpdateService grant(s), each to its own family`
            : problems.join("; "),
        ),
      ];
    }),
};

/** AWS-managed policies that read every S3 bucket of the account. */
const READS_EVERY_BUCKET =
  /:iam::aws:policy\/(ReadOnlyAccess|AdministratorAccess|PowerUserAccess|AmazonS3ReadOnlyAccess|AmazonS3FullAccess)$/;
/** The one role that may read the state besides the operators': `<project>-terraform-plan`. */
const PLAN_ROLE = /-terraform-plan$/;

const stateReaders: Rule = {
  id: "CX_IAM_3",
  title: "No role of the platform reads the Terraform state but the plan role",
  check: (stack) => {
    const bucket = stack.terraform?.backend?.s3?.bucket;
    if (typeof bucket !== "string") return [];
    const stateObject = `arn:aws:s3:::${bucket}/${String(stack.terraform.backend.s3.key ?? "state")}`;
    const documents = new Map(policyDocuments(stack));
    return resourcesOf(stack, "aws_iam_role").flatMap(([address, role]) => {
      if (PLAN_ROLE.test(String(role.name))) return [];
      const reference = `\${${address}.name}`;
      const inline = resourcesOf(stack, "aws_iam_role_policy")
        .filter(([, policy]) => policy.role === reference)
        .map(([policyAddress]) => policyAddress);
      const attached = resourcesOf(stack, "aws_iam_role_policy_attachment")
        .filter(([, attachment]) => attachment.role === reference)
        .map(([, attachment]) => String(attachment.policy_arn));
      const local = attached
        .map((arn) => referenced(arn, "aws_iam_policy", "arn"))
        .filter((name): name is string => name !== undefined)
        .map((name) => `aws_iam_policy.${name}`);
      const readers = [...inline, ...local].filter((policy) =>
        (documents.get(policy) ?? []).some(
          (statement) =>
            allowsAction(statement, "s3:GetObject") &&
            (statement.NotResource !== undefined || list(statement.Resource).some((r) => iamGlob(r).test(stateObject))),
        ),
      );
      const everyBucket = attached.filter((arn) => READS_EVERY_BUCKET.test(arn));
      const problems = [...readers.map((policy) => `${policy} reads ${bucket}`), ...everyBucket];
      return [
        result(
          "CX_IAM_3",
          address,
          problems.length === 0,
          problems.length === 0 ? `reads no state in ${bucket}` : `reads the state: ${problems.join(", ")}`,
        ),
      ];
    });
  },
};

export const IAM_RULES: readonly Rule[] = [updateServiceFamily, stateReaders];
