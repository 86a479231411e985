/**
 * FargateService: an ECS service behind the load balancer that never drops traffic on deploy.
 * Tasks in private subnets without public IPs, reachable only from the load balancer's security
 * group, and sending only to the VPC's interface endpoints and S3 (images come from ECR only, see
 * config/images.ts); new tasks start and turn healthy before old ones stop (100 % / 200 %); the circuit
 * breaker and the deployment alarms roll a failed deployment back; Terraform owns the service's shape, the deploy script
 * owns its image (and autoscaling its count). Blue/green uses ECS's native BLUE_GREEN strategy.
 */
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import type { LbListenerRule } from "@cdktf/provider-aws/lib/lb-listener-rule";
import type { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

export interface BlueGreenOptions {
  /** The group new revisions (green) register in before the switch. */
  readonly alternateTargetGroup: LbTargetGroup;
  /** The listener rule ECS re-weights from blue to green. */
  readonly productionListenerRule: LbListenerRule;
  /** @default - no test traffic before the switch */
  readonly testListenerRule?: LbListenerRule;
  /** Minutes blue stays ready for an instant rollback after the switch (`blueGreenBakeTimeMinutes` in vars). */
  readonly bakeTimeMinutes: number;
  /** Name of the role ECS assumes to re-weight the listener rules. */
  readonly infrastructureRoleName: string;
}

/** Where the tasks reach AWS without the internet: the network layer's endpoints. */
export interface AwsEgress {
  /** The interface endpoints' security group (ECR, CloudWatch Logs, STS, ...). */
  readonly endpointSecurityGroupId: string;
  /** The S3 gateway endpoint's prefix list: ECR's image layers come from S3. */
  readonly s3PrefixListId: string;
}

export interface FargateServiceProps {
  readonly serviceName: string;
  /** Unique per environment (`<project>-<env>-<service>`): names the tasks' security group. */
  readonly namePrefix: string;
  /** ARN of the ECS cluster. */
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  readonly containerName: string;
  readonly containerPort: number;
  readonly vpcId: string;
  /** Private subnets, one per availability zone: tasks spread over them. */
  readonly subnetIds: string[];
  /** Security group of the load balancer: the only source tasks accept traffic from. */
  readonly loadBalancerSecurityGroupId: string;
  /** The only places tasks send to. */
  readonly awsEgress: AwsEgress;
  /** Production (blue) target group. */
  readonly targetGroup: LbTargetGroup;
  /** Tasks to run (`desiredCount` in vars; the schema owns its default and its bounds). */
  readonly desiredCount: number;
  /** true when Application Auto Scaling owns the count: Terraform then ignores desired_count.
   *  @default false */
  readonly autoscaled?: boolean;
  /** Seconds ECS ignores failing load balancer health checks of a new task (`healthCheckGracePeriodSeconds`). */
  readonly healthCheckGracePeriodSeconds: number;
  /** @default - a rolling deployment */
  readonly blueGreen?: BlueGreenOptions;
  /** CloudWatch alarms ECS watches during each rollout; one in ALARM rolls the rollout back. */
  readonly deploymentAlarmNames: readonly string[];
  /** Listeners the target groups hang off: ECS refuses a target group no listener uses yet. */
  readonly dependsOn?: ITerraformDependable[];
}

export class FargateService extends Construct {
  readonly service: EcsService;
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);
    const { desiredCount } = props;
    if (desiredCount < 1) throw new Error(`desiredCount ${desiredCount} runs no task; use at least 1`);
    if (props.deploymentAlarmNames.length === 0) {
      throw new Error("FargateService needs deployment alarms: without them a rollout that fails users completes");
    }
    if (props.subnetIds.length < 2) {
      throw new Error("FargateService needs private subnets in at least two availability zones to spread its tasks");
    }

    this.securityGroup = new SecurityGroup(this, "security_group", {
      name: `${props.namePrefix}-tasks`,
      description: `Tasks of ${props.serviceName}: only the load balancer may connect`,
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-tasks` },
    });
    new VpcSecurityGroupIngressRule(this, "ingress_from_load_balancer", {
      securityGroupId: this.securityGroup.id,
      description: `Container port ${props.containerPort} from the load balancer only`,
      ipProtocol: "tcp",
      fromPort: props.containerPort,
      toPort: props.containerPort,
      referencedSecurityGroupId: props.loadBalancerSecurityGroupId,
    });
    new VpcSecurityGroupEgressRule(this, "egress_https_to_endpoints", {
      securityGroupId: this.securityGroup.id,
      description: "HTTPS to the VPC's interface endpoints: ECR, CloudWatch Logs, STS",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      referencedSecurityGroupId: props.awsEgress.endpointSecurityGroupId,
    });
    new VpcSecurityGroupEgressRule(this, "egress_https_to_s3", {
      securityGroupId: this.securityGroup.id,
      description: "HTTPS to S3 through the gateway endpoint: ECR's image layers",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      prefixListId: props.awsEgress.s3PrefixListId,
    });
    new VpcSecurityGroupEgressRule(this, "load_balancer_egress_to_tasks", {
      securityGroupId: props.loadBalancerSecurityGroupId,
      description: `Requests and health checks to the ${props.serviceName} tasks`,
      ipProtocol: "tcp",
      fromPort: props.containerPort,
      toPort: props.containerPort,
      referencedSecurityGroupId: this.securityGroup.id,
    });

    const blueGreen = props.blueGreen;
    const ignoreChanges = ["task_definition", ...(props.autoscaled ? ["desired_count"] : [])];
    this.service = new EcsService(this, "service", {
      name: props.serviceName,
      cluster: props.clusterArn,
      taskDefinition: props.taskDefinitionArn,
      desiredCount,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      availabilityZoneRebalancing: "ENABLED",
      networkConfiguration: {
        subnets: props.subnetIds,
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      // Start the new tasks first, stop the old ones only once the new ones are healthy.
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      // Tasks that pass the health check can still fail users (5xx, slow answers): the alarms roll those back.
      alarms: { alarmNames: [...props.deploymentAlarmNames], enable: true, rollback: true },
      deploymentController: { type: "ECS" },
      deploymentConfiguration: blueGreen
        ? { strategy: "BLUE_GREEN", bakeTimeInMinutes: String(blueGreen.bakeTimeMinutes) }
        : { strategy: "ROLLING" },
      healthCheckGracePeriodSeconds: props.healthCheckGracePeriodSeconds,
      loadBalancer: [
        {
          targetGroupArn: props.targetGroup.arn,
          containerName: props.containerName,
          containerPort: props.containerPort,
          advancedConfiguration: blueGreen && {
            alternateTargetGroupArn: blueGreen.alternateTargetGroup.arn,
            productionListenerRule: blueGreen.productionListenerRule.arn,
            testListenerRule: blueGreen.testListenerRule?.arn,
            roleArn: this.infrastructureRole(blueGreen.infrastructureRoleName).arn,
          },
        },
      ],
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      dependsOn: props.dependsOn,
      // The deploy script registers new task definitions; autoscaling moves the count.
      lifecycle: { ignoreChanges },
    });
  }

  /** The role ECS assumes to move listener weights between the blue and green target groups. */
  private infrastructureRole(name: string): IamRole {
    const partition = new DataAwsPartition(this, "partition");
    const role = new IamRole(this, "blue_green_role", {
      name,
      description: "Lets ECS shift listener traffic between blue and green target groups",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AllowAccessToECSForInfrastructureManagement",
            Effect: "Allow",
            Principal: { Service: "ecs.amazonaws.com" },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    });
    new IamRolePolicyAttachment(this, "blue_green_role_policy", {
      role: role.name,
      policyArn: `arn:${partition.partition}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers`,
    });
    return role;
  }
}
