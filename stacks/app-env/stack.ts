/**
 * <environment> (dev, prod, ...): one application environment, one instance per environment
 * file that declares a `service`. Its ECS cluster (Container Insights), the HTTPS load balancer
 * with certificate, WAF and alias record in the environment's zone, the service's target group(s),
 * task definition, Fargate service, autoscaling; the environment's alarm topic (on to Slack), the
 * deployment alarms that guard its rollouts, the service's other alarms and its dashboard, all from
 * one set of metric definitions. Reads the VPC and subnets from `network`,
 * the zone and the image repository from `global` (remote state); outputs what the deploy script needs.
 */
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { slackRouteOf } from "../../config/operations";
import type { ServiceVars } from "../../config/schema";
import {
  alarmTopicName,
  clusterName,
  containerName,
  deploymentAlarmNames,
  serviceAlarmName,
  serviceUrl,
  taskExecutionRoleName,
  taskFamily,
  taskRoleName,
} from "../../lib/naming";
import type { AlarmRoute } from "../constructs/alarm";
import { AlarmTopic } from "../constructs/alarm-topic";
import { type EnvironmentStackProps, LayerStack } from "../layer-stack";
import { DeploymentAlarms } from "./deployment-alarms";
import { FargateService } from "./fargate-service";
import { HttpsLoadBalancer } from "./https-load-balancer";
import { ServiceAlarms } from "./service-alarms";
import { ServiceAutoscaling } from "./service-autoscaling";
import { ServiceDashboard } from "./service-dashboard";
import { serviceMetrics } from "./service-metrics";
import { ServiceTargetGroups } from "./service-target-groups";
import { ServiceTaskDefinition } from "./service-task-definition";

/** `environment` must declare a `service`. */
export type AppEnvironmentStackProps = EnvironmentStackProps;

export class AppEnvironmentStack extends LayerStack {
  readonly cluster: EcsCluster;
  readonly service: FargateService;
  readonly loadBalancer: HttpsLoadBalancer;

  constructor(scope: Construct, id: string, props: AppEnvironmentStackProps) {
    super(scope, id, { vars: props.vars, environment: props.environment });
    const { vars, environment: envName } = props;
    const environment = vars.environments[envName];
    const service: ServiceVars | undefined = environment?.service;
    if (!environment || !service) {
      throw new Error(
        `environment "${envName}" declares no service; add a service section to environments/${envName}.yaml or drop the stack`,
      );
    }
    const subnets = props.network.subnets[envName];
    const zone = props.global.zones[envName];
    if (!subnets || !zone) {
      throw new Error(`network or global has no "${envName}" entry; build them from the same vars as this stack`);
    }
    const blueGreen = service.deployment === "blue-green";
    const cluster = clusterName(vars, envName);

    // One cluster per environment; Container Insights gives per-task CPU, memory and network metrics.
    this.cluster = new EcsCluster(this, "cluster", {
      name: cluster,
      setting: [{ name: "containerInsights", value: "enabled" }],
    });

    const targetGroups = new ServiceTargetGroups(this, "target_groups", {
      namePrefix: cluster,
      vpcId: props.network.vpcId,
      port: service.containerPort,
      healthCheck: service.healthCheck,
      deregistrationDelaySeconds: service.deregistrationDelaySeconds,
      blueGreen,
    });

    this.loadBalancer = new HttpsLoadBalancer(this, "load_balancer", {
      name: cluster,
      vpcId: props.network.vpcId,
      subnetIds: subnets.publicSubnetIds,
      zoneId: zone.zoneId,
      domainName: zone.name,
      targetGroup: targetGroups.primary,
      alternateTargetGroup: targetGroups.alternate,
      testListenerPort: service.blueGreenTestListenerPort,
      testListenerCidrs: vars.adminCidrs,
      deletionProtection: environment.deletionProtection,
      // Logs land under <bucket>/<stack id>/AWSLogs/... (ELB adds the slash; a prefix must not end in one).
      accessLogs: { bucket: props.global.accessLogsBucket.bucket, prefix: id },
      region: vars.region,
      firewall: {
        rateLimitPerFiveMinutes: vars.waf.rateLimitPerFiveMinutes,
        description: `Blocks known-bad requests to ${cluster}`,
        // IP reputation, known bad inputs (Log4Shell probes ...), the common rule set; anonymous IPs
        // include corporate VPNs and cloud-hosted monitors, so they are observed, not blocked.
        ruleGroups: [
          { name: "AWSManagedRulesAmazonIpReputationList", mode: "block" },
          { name: "AWSManagedRulesKnownBadInputsRuleSet", mode: "block" },
          { name: "AWSManagedRulesCommonRuleSet", mode: "block" },
          { name: "AWSManagedRulesAnonymousIpList", mode: "count" },
        ],
        logRetentionDays: service.logRetentionDays,
      },
    });

    const task = new ServiceTaskDefinition(this, "task", {
      family: taskFamily(vars, envName, service.name),
      containerName: containerName(service.name),
      image: service.image,
      user: service.user,
      containerPort: service.containerPort,
      cpu: service.cpu,
      memory: service.memory,
      stopTimeoutSeconds: service.stopTimeoutSeconds,
      writablePaths: service.writablePaths,
      repositoryArn: props.global.repository.arn,
      cacheRepositoryPrefix: vars.ecr.dockerHubCachePrefix,
      executionRoleName: taskExecutionRoleName(vars, envName),
      taskRoleName: taskRoleName(vars, envName, service.name),
      logGroupName: `/${vars.project}/${envName}/${service.name}`,
      logRetentionDays: service.logRetentionDays,
      region: vars.region,
    });

    const lb = this.loadBalancer;
    const notifications = new AlarmTopic(this, "notifications", {
      topicName: alarmTopicName(vars, envName),
      accountId: new DataAwsCallerIdentity(this, "account").accountId,
      partition: new DataAwsPartition(this, "partition").partition,
      slack: slackRouteOf(vars.notifications, environment),
    });
    const route: AlarmRoute = { topicArn: notifications.topic.arn, runbookUrl: vars.notifications.runbookUrl };
    const metrics = serviceMetrics({
      loadBalancerArnSuffix: lb.loadBalancer.arnSuffix,
      targetGroupArnSuffixes: {
        blue: targetGroups.primary.arnSuffix,
        ...(targetGroups.alternate ? { green: targetGroups.alternate.arnSuffix } : {}),
      },
      clusterName: cluster,
      serviceName: service.name,
      webAclMetricName: lb.webAcl.metricName,
      region: vars.region,
    });
    const alarms = new DeploymentAlarms(this, "deployment_alarms", {
      alarmNames: deploymentAlarmNames(vars, envName, service.name),
      route,
      metrics,
      thresholds: service.alarms,
    });

    this.service = new FargateService(this, "service", {
      serviceName: service.name,
      namePrefix: `${cluster}-${service.name}`,
      clusterArn: this.cluster.arn,
      taskDefinitionArn: task.taskDefinition.arn,
      containerName: containerName(service.name),
      containerPort: service.containerPort,
      vpcId: props.network.vpcId,
      subnetIds: subnets.privateSubnetIds,
      awsEgress: props.network,
      loadBalancerSecurityGroupId: lb.securityGroup.id,
      targetGroup: targetGroups.primary,
      desiredCount: service.desiredCount,
      autoscaled: service.autoscaling !== undefined,
      healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
      deploymentAlarmNames: Object.values(alarms.alarms).map((alarm) => alarm.resource.alarmName),
      blueGreen:
        targetGroups.alternate && lb.productionListenerRule
          ? {
              alternateTargetGroup: targetGroups.alternate,
              productionListenerRule: lb.productionListenerRule,
              testListenerRule: lb.testListenerRule,
              bakeTimeMinutes: service.blueGreenBakeTimeMinutes,
              infrastructureRoleName: `${cluster}-${service.name}-blue-green`,
            }
          : undefined,
      dependsOn: [lb.httpsListener, ...(lb.productionListenerRule ? [lb.productionListenerRule] : [])],
    });

    if (service.autoscaling) {
      const { minCount, maxCount } = service.autoscaling;
      new ServiceAutoscaling(this, "autoscaling", {
        clusterName: this.cluster.name,
        serviceName: this.service.service.name,
        minCount,
        maxCount,
        cpuTargetPercent: service.autoscaling.cpuTargetPercent,
        requestsPerTarget: service.autoscaling.requestsPerTarget,
        requestCountResourceLabel: `${lb.loadBalancer.arnSuffix}/${targetGroups.primary.arnSuffix}`,
      });
    }

    const serviceAlarms = new ServiceAlarms(this, "service_alarms", {
      alarmName: (kind) => serviceAlarmName(vars, envName, service.name, kind),
      route,
      metrics,
      minimumTasks: service.autoscaling?.minCount ?? service.desiredCount,
      thresholds: service.alarms,
    });
    new ServiceDashboard(this, "dashboard", {
      dashboardName: cluster,
      region: vars.region,
      metrics,
      alarms: [...Object.values(alarms.alarms), ...Object.values(serviceAlarms.alarms)],
    });

    // What the deploy script reads (names from lib/naming.ts, which the Jenkins role is scoped to).
    new TerraformOutput(this, "cluster_name", { value: this.cluster.name });
    new TerraformOutput(this, "service_name", { value: this.service.service.name });
    new TerraformOutput(this, "task_family", { value: task.taskDefinition.family });
    new TerraformOutput(this, "container_name", { value: containerName(service.name) });
    new TerraformOutput(this, "service_url", { value: serviceUrl(vars, envName) });
  }
}
