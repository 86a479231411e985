/**
 * JenkinsServer: the Jenkins host in a private subnet. SSH only from the bastion; JENKINS_HOME on
 * its own encrypted EBS volume that outlives the instance (replace the host, keep jobs and
 * credentials), snapshotted daily by Data Lifecycle Manager.
 */
import { DlmLifecyclePolicy } from "@cdktf/provider-aws/lib/dlm-lifecycle-policy";
import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { VolumeAttachment } from "@cdktf/provider-aws/lib/volume-attachment";
import { Construct } from "constructs";
import { allowSshFromBastion, allowWebOut } from "../constructs/security-rules";
import { HardenedInstance, type HostPlacementProps, placementOf } from "./hardened-instance";

/** `subnetId` is a private subnet (outbound through NAT only). Sizes and counts come from
 *  `management.jenkins` in vars: the schema owns their defaults and bounds. */
export interface JenkinsServerProps extends HostPlacementProps {
  /** The only group allowed to SSH in. */
  readonly bastionSecurityGroupId: string;
  readonly rootVolumeGiB: number;
  /** Size of the JENKINS_HOME volume. */
  readonly dataVolumeGiB: number;
  /** Daily snapshots of JENKINS_HOME kept (DLM keeps at most 1000). */
  readonly snapshotRetainCount: number;
  /** Refuse `terraform destroy` of the JENKINS_HOME volume (the environment's `deletionProtection`). */
  readonly protectDataVolume: boolean;
  /** ARN partition (aws, aws-cn ...) for the DLM managed policy. */
  readonly partition: string;
  /** The account and region whose DLM policies alone may have the service assume the snapshot role. */
  readonly accountId: string;
  readonly region: string;
}

/** Device name the data volume is attached as; Nitro hosts show it as an NVMe disk whose serial is the volume id. */
export const JENKINS_DATA_DEVICE = "/dev/sdf";

export class JenkinsServer extends Construct {
  readonly host: HardenedInstance;
  readonly dataVolume: EbsVolume;

  constructor(scope: Construct, id: string, props: JenkinsServerProps) {
    super(scope, id);
    const { dataVolumeGiB, snapshotRetainCount, partition } = props;

    this.host = new HardenedInstance(this, "host", {
      ...placementOf(props),
      rootVolumeGiB: props.rootVolumeGiB,
      securityGroupDescription: "Jenkins: SSH from the bastion, the UI from its load balancer",
    });
    const groupId = this.host.securityGroup.id;

    allowSshFromBastion(this, {
      securityGroupId: groupId,
      bastionSecurityGroupId: props.bastionSecurityGroupId,
      bastionRuleId: "bastion_ssh_to_jenkins",
      bastionRuleDescription: "SSH from the bastion on to Jenkins",
    });
    allowWebOut(this, groupId, "HTTPS to Git, ECR, ECS, Docker Hub, Slack and package mirrors");

    this.dataVolume = new EbsVolume(this, "data_volume", {
      availabilityZone: props.availabilityZone,
      size: dataVolumeGiB,
      type: "gp3",
      encrypted: true,
      kmsKeyId: props.kmsKeyArn,
      tags: { Name: `${props.name}-home`, "dlm-snapshot": `${props.name}-home` },
      lifecycle: { preventDestroy: props.protectDataVolume },
    });
    new VolumeAttachment(this, "data_volume_attachment", {
      deviceName: JENKINS_DATA_DEVICE,
      volumeId: this.dataVolume.id,
      instanceId: this.host.instance.id,
      // Stop the old host first when replacing it, so the file system is unmounted cleanly.
      stopInstanceBeforeDetaching: true,
    });

    const dlmRole = new IamRole(this, "snapshot_role", {
      name: `${props.name}-snapshots`,
      description: `Lets Data Lifecycle Manager snapshot ${props.name}'s JENKINS_HOME`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "dlm.amazonaws.com" },
            Action: "sts:AssumeRole",
            // Only this account's lifecycle policies (confused deputy); the policy's own ARN would be a cycle.
            Condition: {
              StringEquals: { "aws:SourceAccount": props.accountId },
              ArnLike: { "aws:SourceArn": `arn:${partition}:dlm:${props.region}:${props.accountId}:policy/*` },
            },
          },
        ],
      }),
    });
    new IamRolePolicyAttachment(this, "snapshot_role_policy", {
      role: dlmRole.name,
      policyArn: `arn:${partition}:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole`,
    });
    new DlmLifecyclePolicy(this, "snapshots", {
      description: `Daily snapshots of ${props.name} JENKINS_HOME`,
      executionRoleArn: dlmRole.arn,
      state: "ENABLED",
      policyDetails: {
        resourceTypes: ["VOLUME"],
        targetTags: { "dlm-snapshot": `${props.name}-home` },
        schedule: [
          {
            name: `daily, keep ${snapshotRetainCount}`,
            createRule: { interval: 24, intervalUnit: "HOURS", times: ["03:00"] },
            retainRule: { count: snapshotRetainCount },
            copyTags: true,
          },
        ],
      },
    });
  }
}
