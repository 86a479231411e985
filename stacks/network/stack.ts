/**
 * network: the VPC every other layer lives in. Subnets per environment and AZ, NAT, network ACLs
 * that keep application environments apart, the default security group and ACL emptied, VPC flow
 * logs to an encrypted log group, interface endpoints for the AWS services the platform calls, and
 * an S3 gateway endpoint limited to the buckets the platform uses (ECR image layers come from S3
 * without crossing NAT).
 */
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import type { Construct } from "constructs";
import { applicationEnvironmentNames, managementEnvironmentName } from "../../config/roles";
import type { Vars } from "../../config/schema";
import { zoneSlot, zoneSlotCount } from "../../lib/zones";
import { accessLogsBucketPrefix } from "../constructs/access-logs-bucket";
import { EncryptedLogGroup } from "../constructs/encrypted-log-group";
import { LayerStack } from "../layer-stack";
import { InterfaceEndpoints, s3EndpointPolicy } from "./endpoints";
import { type EnvironmentSubnets, Network } from "./network";

/** The slot of a zone that `pnpm vars` has accepted; throws for one it could not have. */
function mustZoneSlot(region: string, zone: string): number {
  const slot = zoneSlot(region, zone);
  if (slot === undefined)
    throw new Error(`"${zone}" is not a zone of ${region}; fix network.availabilityZones and run \`pnpm vars\``);
  return slot;
}

export interface NetworkStackProps {
  readonly vars: Vars;
}

export class NetworkStack extends LayerStack {
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Environment name → its subnet IDs; later layers read these through remote state. */
  readonly subnets: Readonly<Record<string, EnvironmentSubnets>>;
  /** The interface endpoints' security group: what tasks may send HTTPS to instead of the internet. */
  readonly endpointSecurityGroupId: string;
  /** The S3 gateway endpoint's prefix list (S3's addresses in the region): tasks fetch image layers there. */
  readonly s3PrefixListId: string;
  /** Zone → the NAT gateway there (one zone with `natGateways: single`); mgmt alarms on them. */
  readonly natGatewayIds: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, { vars: props.vars });
    const { vars } = props;

    const network = new Network(this, "network", {
      namePrefix: vars.project,
      cidr: vars.network.cidr,
      availabilityZones: vars.network.availabilityZones,
      zoneSlots: { count: zoneSlotCount(vars.region), of: (zone) => mustZoneSlot(vars.region, zone) },
      natCidr: vars.network.natCidr,
      endpointCidr: vars.network.endpointCidr,
      isolatedEnvironments: applicationEnvironmentNames(vars),
      // The bastion's public subnet: SSH from the admin networks passes its network ACL.
      sshFrom: { environment: managementEnvironmentName(vars), cidrs: vars.adminCidrs },
      environmentCidrs: Object.fromEntries(
        Object.values(vars.environments).map((environment) => [environment.name, environment.cidr]),
      ),
      natGateways: vars.network.natGateways,
    });
    this.vpcId = network.vpc.id;
    this.vpcCidr = vars.network.cidr;
    this.subnets = network.subnets;
    this.natGatewayIds = Object.fromEntries(Object.entries(network.natGateways).map(([zone, nat]) => [zone, nat.id]));

    const partition = new DataAwsPartition(this, "partition").partition;
    const accountId = new DataAwsCallerIdentity(this, "account").accountId;

    const flowLogs = new EncryptedLogGroup(this, "flow_logs", {
      name: `/${vars.project}/vpc-flow-logs`,
      region: vars.region,
      retentionDays: vars.network.flowLogRetentionDays,
    });
    const flowLogRole = new IamRole(this, "flow_log_role", {
      name: this.name("vpc-flow-logs"),
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "vpc-flow-logs.amazonaws.com" },
            Action: "sts:AssumeRole",
            // Only this account's flow logs may have the service assume the role (confused deputy).
            Condition: {
              StringEquals: { "aws:SourceAccount": accountId },
              ArnLike: { "aws:SourceArn": `arn:${partition}:ec2:${vars.region}:${accountId}:vpc-flow-log/*` },
            },
          },
        ],
      }),
    });
    new IamRolePolicy(this, "flow_log_role_policy", {
      role: flowLogRole.id,
      name: "write-flow-logs",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [flowLogs.logGroup.arn, `${flowLogs.logGroup.arn}:*`],
          },
        ],
      }),
    });
    new FlowLog(this, "flow_log", {
      vpcId: network.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: flowLogs.logGroup.arn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
    });

    const s3 = new VpcEndpoint(this, "s3_gateway_endpoint", {
      vpcId: network.vpc.id,
      serviceName: `com.amazonaws.${vars.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: [
        network.publicRouteTable.id,
        ...Object.values(network.privateRouteTables).map((table) => table.id),
      ],
      policy: s3EndpointPolicy({
        partition,
        region: vars.region,
        platformBuckets: [vars.stateBucket, `${accessLogsBucketPrefix(vars.project)}*`],
      }),
      tags: { Name: this.name("s3") },
    });
    this.s3PrefixListId = s3.prefixListId;

    const endpoints = new InterfaceEndpoints(this, "endpoints", {
      namePrefix: vars.project,
      region: vars.region,
      vpcId: network.vpc.id,
      subnetIds: network.endpointSubnetIds,
      privateRanges: network.privateRanges,
    });
    this.endpointSecurityGroupId = endpoints.securityGroup.id;
  }
}
