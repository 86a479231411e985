/**
 * mgmt: the management layer. A bastion (the SSH entry point, Session Manager as the
 * alternative), the Jenkins server in a private subnet with JENKINS_HOME on its own
 * snapshotted volume, Jenkins' least-privilege role to push images and deploy, the ALB that
 * serves https://jenkins.<mgmt zone>/ to the admin networks, the read-only role Jenkins plans
 * every stack with, the mgmt records, and the outputs the Ansible inventory reads. Operations for
 * the hosts and the account: the mgmt alarm topic (on to Slack), both hosts' alarms with automatic
 * recovery, the monthly budget, the state bucket's and the NAT gateways' alarms. Network and zone
 * come from the other stacks' state.
 */
import { DataAwsAmi } from "@cdktf/provider-aws/lib/data-aws-ami";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { slackRouteOf } from "../../config/operations";
import { applicationEnvironmentNames, stackOrder } from "../../config/roles";
import type { ManagementVars, Vars } from "../../config/schema";
import {
  alarmTopicName,
  clusterName,
  jenkinsUrl,
  taskExecutionRoleName,
  taskFamily,
  taskRoleName,
  terraformPlanRoleName,
  zoneName,
} from "../../lib/naming";
import { sortedZones } from "../../lib/zones";
import type { AlarmRoute } from "../constructs/alarm";
import { AlarmTopic } from "../constructs/alarm-topic";
import { type EnvironmentStackProps, LayerStack, stateKey } from "../layer-stack";
import { Bastion } from "./bastion";
import { EbsKey } from "./ebs-key";
import { HostAlarms } from "./host-alarms";
import { JenkinsAccess } from "./jenkins-access";
import { type DeployTarget, JenkinsRolePolicy } from "./jenkins-role";
import { JenkinsServer } from "./jenkins-server";
import { TerraformPlanRole } from "./plan-role";
import { PlatformAlarms } from "./platform-alarms";
import { SessionManager } from "./session-manager";

/** `environment` is the one that declares `management`. */
export type ManagementStackProps = EnvironmentStackProps;

/** Every environment that runs a service: Jenkins deploys to each. */
function deployTargets(vars: Vars): DeployTarget[] {
  return applicationEnvironmentNames(vars).map((environment) => {
    const service = String(vars.environments[environment].service?.name);
    return {
      cluster: clusterName(vars, environment),
      service,
      taskFamily: taskFamily(vars, environment, service),
      passRoles: [taskExecutionRoleName(vars, environment), taskRoleName(vars, environment, service)],
    };
  });
}

export class ManagementStack extends LayerStack {
  readonly bastion: Bastion;
  readonly jenkins: JenkinsServer;
  readonly jenkinsAccess: JenkinsAccess;

  constructor(scope: Construct, id: string, props: ManagementStackProps) {
    super(scope, id, { vars: props.vars, environment: props.environment });
    const { vars, network, global, environment } = props;
    const settings: ManagementVars | undefined = vars.environments[environment]?.management;
    if (!settings) {
      throw new Error(
        `environment "${environment}" has no "management" section: add it to environments/${environment}.yaml`,
      );
    }
    const subnets = network.subnets[environment];
    const zone = global.zones[environment];
    if (!subnets || !zone) {
      throw new Error(
        `the network and global stacks have no subnets or zone for "${environment}"; build them from the same vars`,
      );
    }
    // Both hosts live in the first zone by name (the data volume must share the host's zone):
    // reordering or adding zones never moves them.
    const availabilityZone = sortedZones(vars.network.availabilityZones)[0];
    const partition = new DataAwsPartition(this, "partition").partition;
    const account = new DataAwsCallerIdentity(this, "account");

    const ami = new DataAwsAmi(this, "ami", {
      mostRecent: true,
      owners: settings.ami.owners,
      filter: [
        { name: "name", values: [settings.ami.namePattern] },
        { name: "state", values: ["available"] },
        { name: "root-device-type", values: ["ebs"] },
      ],
    });
    const ebsKey = new EbsKey(this, "ebs_key", {
      aliasName: this.name(`${environment}-ebs`),
      accountRootArn: `arn:${partition}:iam::${account.accountId}:root`,
    });
    const host = {
      vpcId: network.vpcId,
      availabilityZone,
      amiId: ami.id,
      keyName: settings.keyPairName,
      kmsKeyArn: ebsKey.key.arn,
      partition,
    };

    this.bastion = new Bastion(this, "bastion", {
      ...host,
      name: this.name("bastion"),
      subnetId: subnets.byZone[availabilityZone].publicSubnetId,
      instanceType: settings.bastion.instanceType,
      adminCidrs: vars.adminCidrs,
      endpointSecurityGroupId: network.endpointSecurityGroupId,
    });

    this.jenkins = new JenkinsServer(this, "jenkins", {
      ...host,
      name: this.name("jenkins"),
      subnetId: subnets.byZone[availabilityZone].privateSubnetId,
      instanceType: settings.jenkins.instanceType,
      bastionSecurityGroupId: this.bastion.host.securityGroup.id,
      rootVolumeGiB: settings.jenkins.rootVolumeGiB,
      dataVolumeGiB: settings.jenkins.dataVolumeGiB,
      snapshotRetainCount: settings.jenkins.snapshotRetainCount,
      accountId: account.accountId,
      region: vars.region,
      protectDataVolume: vars.environments[environment].deletionProtection,
    });

    // Both hosts' SSM agents: scoped policy, sessions logged and encrypted (Jenkins, in a private
    // subnet, reaches the endpoints through the rule for mgmt's private subnets).
    new SessionManager(this, "session_manager", {
      logGroupName: `/${vars.project}/session-manager`,
      retentionDays: settings.sessionLogRetentionDays,
      region: vars.region,
      partition,
      accountId: account.accountId,
      hostRoles: { bastion: this.bastion.host.role.name, jenkins: this.jenkins.host.role.name },
    });

    const stateKeyPrefix = `${vars.project}/`;
    const planRole = new TerraformPlanRole(this, "terraform_plan_role", {
      name: terraformPlanRoleName(vars),
      trustedRoleArn: this.jenkins.host.role.arn,
      partition,
      stateBucket: vars.stateBucket,
      stateKeyPrefix,
      stateKeys: stackOrder(vars).map((stack) => stateKey(vars, stack)),
    });

    new JenkinsRolePolicy(this, "jenkins_role_policy", {
      role: this.jenkins.host.role.name,
      repositoryArn: global.repository.arn,
      partition,
      region: vars.region,
      accountId: account.accountId,
      targets: deployTargets(vars),
      stateBucket: vars.stateBucket,
      stateKeyPrefix,
      planRoleArn: planRole.role.arn,
    });

    const mgmtDomain = zoneName(vars, environment);
    const jenkinsHostname = `jenkins.${mgmtDomain}`;
    const bastionHostname = `bastion.${mgmtDomain}`;
    this.jenkinsAccess = new JenkinsAccess(this, "jenkins_access", {
      name: this.name("jenkins"),
      vpcId: network.vpcId,
      subnetIds: subnets.publicSubnetIds,
      allowedCidrs: vars.adminCidrs,
      zoneId: zone.zoneId,
      domainName: jenkinsHostname,
      jenkinsInstanceId: this.jenkins.host.instance.id,
      jenkinsSecurityGroupId: this.jenkins.host.securityGroup.id,
      jenkinsPort: settings.jenkins.port,
      deletionProtection: vars.environments[environment].deletionProtection,
      // Logs land under <bucket>/<stack id>/AWSLogs/..., like every other load balancer's.
      accessLogs: { bucket: global.accessLogsBucket.bucket, prefix: id },
      region: vars.region,
      // The security group already limits callers to the admin networks; the ACL adds exploit
      // payloads (Log4j, Java deserialization: the classic Jenkins attack surface) and bad-reputation
      // or anonymizing addresses, in case an admin network itself is compromised. The common rule set
      // is left out: its 8 KB body limit blocks Jenkins' own configuration forms.
      firewall: {
        rateLimitPerFiveMinutes: vars.waf.rateLimitPerFiveMinutes,
        description: "Jenkins UI: blocks known exploit payloads and bad-reputation addresses",
        logRetentionDays: 365,
        ruleGroups: [
          { name: "AWSManagedRulesKnownBadInputsRuleSet", mode: "block" },
          { name: "AWSManagedRulesAmazonIpReputationList", mode: "block" },
          // Admin VPNs often leave through a hosting provider's addresses: count those, block the rest.
          { name: "AWSManagedRulesAnonymousIpList", mode: "block", countOnlyRules: ["HostingProviderIPList"] },
        ],
      },
    });

    const notifications = new AlarmTopic(this, "notifications", {
      topicName: alarmTopicName(vars, environment),
      accountId: account.accountId,
      partition,
      slack: slackRouteOf(vars.notifications, vars.environments[environment]),
    });
    const route: AlarmRoute = { topicArn: notifications.topic.arn, runbookUrl: vars.notifications.runbookUrl };
    new HostAlarms(this, "host_alarms", {
      hosts: {
        bastion: { name: this.name("bastion"), instanceId: this.bastion.host.instance.id },
        jenkins: { name: this.name("jenkins"), instanceId: this.jenkins.host.instance.id },
      },
      jenkinsTarget: {
        name: this.name("jenkins"),
        loadBalancerArnSuffix: this.jenkinsAccess.loadBalancer.arnSuffix,
        targetGroupArnSuffix: this.jenkinsAccess.targetGroup.arnSuffix,
      },
      region: vars.region,
      partition,
      route,
      thresholds: settings.alarms,
    });
    new PlatformAlarms(this, "platform_alarms", {
      project: vars.project,
      stateBucket: vars.stateBucket,
      natGatewayIds: network.natGatewayIds,
      budget: vars.budget,
      thresholds: vars.alarms,
      route,
    });

    new Route53Record(this, "bastion_record", {
      zoneId: zone.zoneId,
      name: bastionHostname,
      type: "A",
      ttl: 300,
      records: [this.bastion.elasticIp.publicIp],
    });

    // Read by the Ansible inventory script: keep these ids stable.
    new TerraformOutput(this, "bastion_public_ip", { value: this.bastion.elasticIp.publicIp });
    new TerraformOutput(this, "bastion_hostname", { value: bastionHostname });
    new TerraformOutput(this, "bastion_instance_id", { value: this.bastion.host.instance.id });
    new TerraformOutput(this, "jenkins_private_ip", { value: this.jenkins.host.instance.privateIp });
    new TerraformOutput(this, "jenkins_instance_id", { value: this.jenkins.host.instance.id });
    new TerraformOutput(this, "jenkins_data_volume_id", { value: this.jenkins.dataVolume.id });
    new TerraformOutput(this, "ssh_user", { value: settings.sshUser });
    new TerraformOutput(this, "jenkins_url", { value: jenkinsUrl(vars, environment) });
  }
}
