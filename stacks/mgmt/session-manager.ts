/**
 * SessionManager: shell access to the management hosts without port 22, every session recorded.
 * The account's Session Manager preferences (the `SSM-SessionManagerRunShell` document every
 * `aws ssm start-session` uses) stream each session to a KMS-encrypted log group kept for
 * `management.sessionLogRetentionDays` and encrypt the session's data with a key of its own; each
 * host's role gets only what the SSM agent needs for that: no `ssm:GetParameter*` on `*`, unlike
 * AWS's AmazonSSMManagedInstanceCore.
 */
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { Construct } from "constructs";
import { accountKey } from "../constructs/account-key";
import { EncryptedLogGroup } from "../constructs/encrypted-log-group";

/** The document Session Manager reads its account-wide preferences from (a fixed name). */
export const SESSION_PREFERENCES_DOCUMENT = "SSM-SessionManagerRunShell";

/** What the SSM agent calls to register itself and carry a session (AWS's minimal Session Manager
 *  policy), and Run Command's message channel. None of these actions takes a narrower resource. */
export const SSM_AGENT_ACTIONS = {
  register: ["ssm:UpdateInstanceInformation"],
  sessions: [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
  ],
  commands: [
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
  ],
} as const;

export interface SessionManagerProps {
  /** Name of the SSM agent's managed policy, e.g. connected-express-ssm-agent. */
  readonly policyName: string;
  /** Name of the session log group, e.g. /connected-express/session-manager. */
  readonly logGroupName: string;
  /** One of CloudWatch's retention periods (`management.sessionLogRetentionDays`). */
  readonly retentionDays: number;
  readonly region: string;
  readonly partition: string;
  readonly accountId: string;
  /** Host name (bastion, jenkins) → the name of its instance role: each gets the agent's policy. */
  readonly hostRoles: Readonly<Record<string, string>>;
}

export class SessionManager extends Construct {
  readonly logs: EncryptedLogGroup;
  /** Encrypts each session's data between the client and the agent (beyond TLS). */
  readonly sessionKey: KmsKey;
  readonly preferences: SsmDocument;
  /** The SSM agent's policy, attached to every host role. */
  readonly agentPolicy: IamPolicy;

  constructor(scope: Construct, id: string, props: SessionManagerProps) {
    super(scope, id);
    if (Object.keys(props.hostRoles).length === 0) {
      throw new Error("SessionManager needs at least one host role to give the SSM agent's policy to");
    }
    this.logs = new EncryptedLogGroup(this, "logs", {
      name: props.logGroupName,
      region: props.region,
      retentionDays: props.retentionDays,
    });
    // No service grant: the agent and the admins' clients use the key through IAM (the policy below,
    // the admins' own), which the account's statement delegates to.
    this.sessionKey = accountKey(this, "session_key", {
      description: "Encrypts Session Manager sessions' data between the client and the hosts",
      accountRootArn: `arn:${props.partition}:iam::${props.accountId}:root`,
      grants: [],
    });

    this.preferences = new SsmDocument(this, "preferences", {
      name: SESSION_PREFERENCES_DOCUMENT,
      documentType: "Session",
      documentFormat: "JSON",
      content: JSON.stringify({
        schemaVersion: "1.0",
        description: "Session Manager preferences: sessions logged to an encrypted log group, data encrypted with KMS",
        sessionType: "Standard_Stream",
        inputs: {
          s3BucketName: "",
          s3KeyPrefix: "",
          s3EncryptionEnabled: true,
          cloudWatchLogGroupName: this.logs.logGroup.name,
          // The agent refuses to log into a group that is not encrypted.
          cloudWatchEncryptionEnabled: true,
          // Sent as it happens, not when the session ends: a session cut short is logged too.
          cloudWatchStreamingEnabled: true,
          kmsKeyId: this.sessionKey.keyId,
          runAsEnabled: false,
          runAsDefaultUser: "",
          idleSessionTimeout: "20",
          maxSessionDuration: "",
          shellProfile: { windows: "", linux: "" },
        },
      }),
    });

    // One managed policy for every host (a host added later attaches the same one); it counts
    // against no role's 10,240 characters of inline policy.
    this.agentPolicy = new IamPolicy(this, "agent_policy", {
      name: props.policyName,
      description: "The SSM agent on the management hosts: Session Manager, Run Command, session logs",
      policy: ssmAgentPolicy({
        logGroupArn: this.logs.logGroup.arn,
        sessionKeyArn: this.sessionKey.arn,
        partition: props.partition,
        region: props.region,
        accountId: props.accountId,
      }),
    });
    for (const [host, role] of Object.entries(props.hostRoles)) {
      new IamRolePolicyAttachment(this, `agent_policy_${host}`, { role, policyArn: this.agentPolicy.arn });
    }
  }
}

interface SsmAgentPolicyProps {
  readonly logGroupArn: string;
  readonly sessionKeyArn: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/** The SSM agent's permissions on a host: register, carry sessions and commands, log sessions into
 *  their group, use the session key. Nothing that reads parameters, documents or other logs. */
function ssmAgentPolicy(props: SsmAgentPolicyProps): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "RegisterWithSystemsManager", Effect: "Allow", Action: SSM_AGENT_ACTIONS.register, Resource: "*" },
      { Sid: "CarrySessions", Effect: "Allow", Action: SSM_AGENT_ACTIONS.sessions, Resource: "*" },
      { Sid: "ReceiveCommands", Effect: "Allow", Action: SSM_AGENT_ACTIONS.commands, Resource: "*" },
      {
        Sid: "WriteSessionLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [props.logGroupArn, `${props.logGroupArn}:*`],
      },
      {
        // The agent checks that the group is encrypted before it logs; DescribeLogGroups is a listing,
        // authorized on the account's log-group namespace, never on one group.
        Sid: "CheckSessionLogGroupEncryption",
        Effect: "Allow",
        Action: "logs:DescribeLogGroups",
        Resource: `arn:${props.partition}:logs:${props.region}:${props.accountId}:log-group:*`,
      },
      {
        Sid: "UseSessionKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: props.sessionKeyArn,
      },
    ],
  });
}
