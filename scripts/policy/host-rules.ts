/**
 * Project rules for access to the hosts, which checkov does not look at: no role gets AWS's
 * AmazonSSMManagedInstanceCore (it also reads every SSM parameter, `ssm:GetParameter*` on `*`) or
 * any other grant of every parameter, and Session Manager records every session in an encrypted log
 * group that the hosts accepting sessions may write to.
 */
import { SESSION_PREFERENCES_DOCUMENT } from "../../stacks/mgmt/session-manager";
import {
  allowsAction,
  blocks,
  type Json,
  list,
  parsed,
  type Rule,
  type RuleResult,
  referenced,
  resourcesOf,
  result,
  statementsOf,
} from "./rule-kit";

/** AWS managed policies for the SSM agent that grant reads of every parameter. */
const BROAD_SSM_POLICY = /:iam::aws:policy\/(service-role\/)?(AmazonSSMManagedInstanceCore|AmazonEC2RoleforSSM)$/;
const PARAMETER_READS = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"];

/** Whether `policy` allows `action`, on a resource `resource` accepts when given (a NotResource
 *  statement reads as `*`, which is what it nearly is). */
const grantsAction = (policy: unknown, action: string, resource?: (value: string) => boolean) =>
  statementsOf(policy).some(
    (statement) =>
      allowsAction(statement, action) &&
      (resource === undefined ||
        (statement.NotResource !== undefined ? ["*"] : list(statement.Resource)).some(resource)),
  );

const EVERY_PARAMETER = (resource: string) => resource === "*" || /:parameter\/?\*$/.test(resource);

const noBroadSsm: Rule = {
  id: "CX_SSM_1",
  title: "No role attaches AmazonSSMManagedInstanceCore or otherwise reads every SSM parameter",
  check: (stack) => [
    ...resourcesOf(stack, "aws_iam_role_policy_attachment", "aws_iam_policy_attachment").map(([address, body]) => {
      const broad = BROAD_SSM_POLICY.test(String(body.policy_arn));
      return result(
        "CX_SSM_1",
        address,
        !broad,
        broad
          ? `attaches ${body.policy_arn}, which reads every SSM parameter: give the agent a scoped policy (stacks/mgmt/session-manager.ts)`
          : "not an SSM managed policy",
      );
    }),
    ...resourcesOf(stack, "aws_iam_role")
      .filter(([, role]) => role.managed_policy_arns !== undefined)
      .map(([address, role]) => {
        const broad = blocks(role.managed_policy_arns)
          .map(String)
          .filter((arn) => BROAD_SSM_POLICY.test(arn));
        return result(
          "CX_SSM_1",
          address,
          broad.length === 0,
          broad.length === 0 ? "no SSM managed policy" : `managed_policy_arns holds ${broad.join(", ")}`,
        );
      }),
    ...resourcesOf(stack, "aws_iam_role_policy", "aws_iam_policy").map(([address, body]) => {
      const reads = PARAMETER_READS.filter((action) => grantsAction(body.policy, action, EVERY_PARAMETER));
      return result(
        "CX_SSM_1",
        address,
        reads.length === 0,
        reads.length === 0 ? "reads no parameter it does not name" : `allows ${reads.join(", ")} on every parameter`,
      );
    }),
  ],
};

/** `${aws_cloudwatch_log_group.<name>.<attribute>}` → name. */
const logGroupOf = (value: unknown, attribute: string) => referenced(value, "aws_cloudwatch_log_group", attribute);

/** Why a Session document does not log every session to an encrypted group of the stack; empty when it does. */
function sessionLoggingProblems(stack: Json, document: Json): { problems: string[]; group?: string } {
  const content = document.document_format === "YAML" ? undefined : parsed(document.content);
  if (content === undefined) return { problems: ["content is not literal JSON: its logging cannot be proven"] };
  const inputs: Json = content.inputs ?? {};
  const groups: Record<string, Json> = stack.resource?.aws_cloudwatch_log_group ?? {};
  const named = inputs.cloudWatchLogGroupName;
  const group =
    logGroupOf(named, "name") ?? Object.keys(groups).find((name) => named !== undefined && groups[name].name === named);
  const problems = [
    group === undefined ? "cloudWatchLogGroupName names no log group of this stack" : undefined,
    group !== undefined && !groups[group].kms_key_id ? `log group ${group} has no KMS key` : undefined,
    inputs.cloudWatchEncryptionEnabled === true ? undefined : "cloudWatchEncryptionEnabled is not true",
    inputs.kmsKeyId ? undefined : "no kmsKeyId: session data is not encrypted with KMS",
  ].filter((problem): problem is string => problem !== undefined);
  return { problems, group };
}

const sessionLogging: Rule = {
  id: "CX_SSM_2",
  title:
    "Session Manager logs every session to a KMS-encrypted log group, and every policy that carries sessions may write there",
  check: (stack) => {
    const documents = resourcesOf(stack, "aws_ssm_document").filter(([, body]) => body.document_type === "Session");
    const findings: RuleResult[] = documents.map(([address, body]) => {
      const { problems } = sessionLoggingProblems(stack, body);
      return result(
        "CX_SSM_2",
        address,
        problems.length === 0,
        problems.length === 0 ? "sessions logged to an encrypted group" : problems.join("; "),
      );
    });
    const preferences = documents.find(([, body]) => body.name === SESSION_PREFERENCES_DOCUMENT)?.[1];
    const logGroup = preferences ? sessionLoggingProblems(stack, preferences).group : undefined;
    const writesLogs = (policy: unknown) =>
      grantsAction(policy, "logs:PutLogEvents", (resource) => logGroupOf(resource, "arn") === logGroup) &&
      grantsAction(policy, "logs:CreateLogStream", (resource) => logGroupOf(resource, "arn") === logGroup);
    // A policy that carries sessions (ssmmessages) is a host's: its sessions must land in that group.
    for (const [address, body] of resourcesOf(stack, "aws_iam_role_policy", "aws_iam_policy")) {
      if (!grantsAction(body.policy, "ssmmessages:OpenDataChannel")) continue;
      const ok = logGroup !== undefined && writesLogs(body.policy);
      findings.push(
        result(
          "CX_SSM_2",
          address,
          ok,
          ok
            ? "carries sessions and may write their logs"
            : logGroup === undefined
              ? `carries sessions, but this stack has no ${SESSION_PREFERENCES_DOCUMENT} document logging them`
              : "carries sessions but may not write to the session log group (logs:CreateLogStream, logs:PutLogEvents)",
        ),
      );
    }
    return findings;
  },
};

export const HOST_RULES: readonly Rule[] = [noBroadSsm, sessionLogging];
