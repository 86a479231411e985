/**
 * VPC endpoints: the AWS services the platform calls, reached without NAT. One interface endpoint
 * per service, in the network layer's own endpoint subnets (one per zone), private DNS on, behind
 * one security group that admits HTTPS from the environments' private subnets and nothing else; and
 * the policy of the S3 gateway endpoint, which lets through the platform's buckets, ECR's layer
 * bucket and the SSM agent's packages, and no other bucket.
 */
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Construct } from "constructs";
import { allowTcpIn } from "../constructs/security-rules";

/** Each interface endpoint (`com.amazonaws.<region>.<service>`) and who calls it. */
export const INTERFACE_ENDPOINT_SERVICES = {
  "ecr.api": "ECR's API: the tasks' image pulls (auth, manifests) and Jenkins' pushes",
  "ecr.dkr": "ECR's registry: docker pull and push",
  logs: "CloudWatch Logs: the tasks' awslogs driver",
  sts: "STS: Jenkins assumes the read-only plan role",
  ecs: "ECS: deploy-service on Jenkins registers task definitions and updates services",
  ssm: "Systems Manager: the SSM agent on the hosts",
  ssmmessages: "Session Manager's sessions",
  ec2messages: "the SSM agent's commands",
} as const;
export type InterfaceEndpointService = keyof typeof INTERFACE_ENDPOINT_SERVICES;

export interface InterfaceEndpointsProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly vpcId: string;
  /** The endpoint subnets, one per zone: each endpoint gets a network interface in every one. */
  readonly subnetIds: readonly string[];
  /** Environment name → the range of its private subnets: the only networks admitted. */
  readonly privateRanges: Readonly<Record<string, string>>;
}

export class InterfaceEndpoints extends Construct {
  /** The group the endpoints' network interfaces are in: tasks send HTTPS to it. */
  readonly securityGroup: SecurityGroup;
  readonly endpoints: Record<InterfaceEndpointService, VpcEndpoint>;

  constructor(scope: Construct, id: string, props: InterfaceEndpointsProps) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, "security_group", {
      name: `${props.namePrefix}-endpoints`,
      description: "Interface endpoints: HTTPS from the environments' private subnets only",
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-endpoints` },
    });
    // One rule per environment, named after it: adding an environment adds its rule, changes none.
    for (const [environment, range] of Object.entries(props.privateRanges)) {
      allowTcpIn(this, `ingress_443_from_${environment}_private`, {
        securityGroupId: this.securityGroup.id,
        port: 443,
        cidr: range,
        description: `HTTPS from the private subnets of ${environment}`,
      });
    }

    const services = Object.keys(INTERFACE_ENDPOINT_SERVICES) as InterfaceEndpointService[];
    this.endpoints = Object.fromEntries(
      services.map((service) => [
        service,
        new VpcEndpoint(this, service.replace(".", "_"), {
          vpcId: props.vpcId,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: "Interface",
          subnetIds: [...props.subnetIds],
          securityGroupIds: [this.securityGroup.id],
          // The service's usual name resolves to the endpoint inside the VPC: no client changes.
          privateDnsEnabled: true,
          tags: { Name: `${props.namePrefix}-${service}` },
        }),
      ]),
    ) as Record<InterfaceEndpointService, VpcEndpoint>;
  }
}

export interface S3EndpointPolicyProps {
  readonly partition: string;
  readonly region: string;
  /** Bucket names, or name prefixes ending in `*`, that the platform owns (state, access logs). */
  readonly platformBuckets: readonly string[];
}

/**
 * The S3 gateway endpoint's policy: everything on the platform's own buckets (IAM decides what each
 * role may do there), reads of ECR's layer bucket (every image pull fetches its layers from it) and
 * of the SSM agent's packages; every other bucket, anyone's, is out of reach from inside the VPC.
 */
export function s3EndpointPolicy(props: S3EndpointPolicyProps): string {
  const bucket = (name: string) => `arn:${props.partition}:s3:::${name}`;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PlatformBuckets",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:*",
        Resource: props.platformBuckets.flatMap((name) => [bucket(name), `${bucket(name)}/*`]),
      },
      {
        Sid: "EcrImageLayers",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `${bucket(`prod-${props.region}-starport-layer-bucket`)}/*`,
      },
      {
        Sid: "SsmAgentPackages",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `${bucket(`amazon-ssm-${props.region}`)}/*`,
      },
    ],
  });
}
