/**
 * HardenedInstance: an EC2 host as every management host must be. Its own security group (rules
 * are added separately), its own IAM role and instance profile, IMDSv2 only (hop limit 1, so
 * containers on the host cannot borrow its credentials), an encrypted gp3 root volume, detailed
 * monitoring, EBS-optimized, and no public address of its own.
 */
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Construct } from "constructs";

/** Where a management host runs and what it is made of: the bastion and Jenkins take these as they are. */
export interface HostPlacementProps {
  /** Name of the host's instance, security group, role and profile, e.g. connected-express-bastion. */
  readonly name: string;
  readonly vpcId: string;
  readonly subnetId: string;
  /** The subnet's availability zone (volumes attached later must live there). */
  readonly availabilityZone: string;
  readonly amiId: string;
  readonly instanceType: string;
  /** EC2 key pair for the first SSH login. */
  readonly keyName: string;
  /** Customer-managed key that encrypts the root volume (and Jenkins' data volume). */
  readonly kmsKeyArn: string;
}

/** The placement fields of a host's props, without the host-specific rest. */
export function placementOf(props: HostPlacementProps): HostPlacementProps {
  const { name, vpcId, subnetId, availabilityZone, amiId, instanceType, keyName, kmsKeyArn } = props;
  return { name, vpcId, subnetId, availabilityZone, amiId, instanceType, keyName, kmsKeyArn };
}

export interface HardenedInstanceProps extends HostPlacementProps {
  /** What the host's security group guards, e.g. "Bastion: SSH from the admin networks". */
  readonly securityGroupDescription: string;
  /** @default 8 */
  readonly rootVolumeGiB?: number;
}

/** IAM's limit on role names: the host's role is named after the host. */
const ROLE_NAME_LIMIT = 64;

export class HardenedInstance extends Construct {
  readonly instance: Instance;
  readonly securityGroup: SecurityGroup;
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: HardenedInstanceProps) {
    super(scope, id);
    const rootVolumeGiB = props.rootVolumeGiB ?? 8;
    if (!Number.isInteger(rootVolumeGiB) || rootVolumeGiB < 8) {
      throw new Error(`${props.name}: rootVolumeGiB must be a whole number of at least 8 (the AMI's size)`);
    }
    if (props.name.length > ROLE_NAME_LIMIT) {
      throw new Error(
        `${props.name}: a host's name is its IAM role's, at most ${ROLE_NAME_LIMIT} characters; shorten the project or environment name`,
      );
    }

    this.securityGroup = new SecurityGroup(this, "security_group", {
      name: props.name,
      description: props.securityGroupDescription,
      vpcId: props.vpcId,
      // Rules live in their own resources; the group starts empty (Terraform drops AWS's allow-all egress).
      tags: { Name: props.name },
    });

    this.role = new IamRole(this, "role", {
      name: props.name,
      description: `Instance role of ${props.name}`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    const profile = new IamInstanceProfile(this, "instance_profile", { name: props.name, role: this.role.name });

    this.instance = new Instance(this, "instance", {
      ami: props.amiId,
      instanceType: props.instanceType,
      subnetId: props.subnetId,
      availabilityZone: props.availabilityZone,
      vpcSecurityGroupIds: [this.securityGroup.id],
      keyName: props.keyName,
      iamInstanceProfile: profile.name,
      associatePublicIpAddress: false,
      ebsOptimized: true,
      monitoring: true,
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      rootBlockDevice: {
        volumeType: "gp3",
        volumeSize: rootVolumeGiB,
        encrypted: true,
        kmsKeyId: props.kmsKeyArn,
        deleteOnTermination: true,
      },
      tags: { Name: props.name },
      // A newer AMI must not replace a running host on the next apply; roll hosts deliberately
      // (`cdktf deploy` after `terraform apply -replace`), then re-run Ansible.
      lifecycle: { ignoreChanges: ["ami"] },
    });
  }
}
