/**
 * mgmt: the management layer. A bastion (the SSH entry point, Session Manager as the
 * alternative), the Jenkins controller in a private subnet with JENKINS_HOME on its own
 * snapshotted volume and a role that may deploy, push and read nothing; its build agent (builds,
 * pushes, deploys where no approval is needed) and one deploy agent per environment with approval,
 * each role limited to that (jenkins-role.ts); the ALB that serves https://jenkins.<mgmt zone>/ to
 * the admin networks, the read-only role the build agent plans every stack with, the mgmt records,
 * and the outputs the Ansible inventory reads. Operations for the hosts and the account: the mgmt
 * alarm topic (on to Slack), the bastion's and the controller's alarms with automatic recovery, the monthly budget, the state bucket's and the NAT gateways' alarms. Network and zone
 * come from the other stacks' state.
 */
import { DataAwsAmi } from "@cdktf/provider-aws/lib/data-aws-ami";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Fn, TerraformOutput } from "cdktf";
import type { Construct } from "constructs";
import { slackRouteOf } from "../../config/operations";
import { applicationEnvironmentNames, stackOrder } from "../../config/roles";
import type { ManagementVars, Vars } from "../../config/schema";
import {
  alarmTopicName,
  buildAgentName,
  clusterName,
  deployAgentName,
  jenkinsUrl,
  stateKeyAlias,
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
import type { HardenedInstance } from "./hardened-instance";
import { HostAlarms } from "./host-alarms";
import { JenkinsAccess } from "./jenkins-access";
import { JenkinsAgent } from "./jenkins-agent";
import { buildAgentPolicies, type DeployTarget, deployAgentStatements } from "./jenkins-role";
import { JenkinsServer } from "./jenkins-server";
import { TerraformPlanRole } from "./plan-role";
import { PlatformAlarms } from "./platform-alarms";
import { SessionManager } from "./session-manager";

/** `environment` is the one that declares `management`. */
export type ManagementStackProps = EnvironmentStackProps;

/** Every environment that runs a service, with whether a person approves its deploys: the build
 *  agent deploys to those without approval, a deploy agent of its own to each of the others. */
function deployTargets(vars: Vars): (DeployTarget & { approval: boolean })[] {
  return applicationEnvironmentNames(vars).map((environment) => {
    const service = vars.environments[environment].service;
    const name = String(service?.name);
    const source = service?.delivery.promoteFrom;
    const sourceService = source ? vars.environments[source]?.service?.name : undefined;
    return {
      environment,
      approval: service?.delivery.approval === true,
      cluster: clusterName(vars, environment),
      service: name,
      taskFamily: taskFamily(vars, environment, name),
      passRoles: [taskExecutionRoleName(vars, environment), taskRoleName(vars, environment, name)],
      ...(source && sourceService
        ? { promotionSource: { cluster: clusterName(vars, source), service: sourceService } }
        : {}),
    };
  });
}

export class ManagementStack extends LayerStack {
  readonly bastion: Bastion;
  readonly jenkins: JenkinsServer;
  readonly jenkinsAccess: JenkinsAccess;
  readonly buildAgent: JenkinsAgent;
  /** By environment: one for each environment with `approval: true`. */
  readonly deployAgents: Record<string, JenkinsAgent> = {};

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
      partition,
      region: vars.region,
      protectDataVolume: vars.environments[environment].deletionProtection,
    });

    // The controller's role gets no policy of its own: builds and deploys run on the agents, each
    // with its own role (jenkins-role.ts). Both kinds sit beside it in the private subnet.
    const accountScope = { partition, region: vars.region, accountId: account.accountId };
    const targets = deployTargets(vars);
    const agentHost = (name: string, sizes: { instanceType: string; rootVolumeGiB: number }) => ({
      ...host,
      name,
      subnetId: subnets.byZone[availabilityZone].privateSubnetId,
      instanceType: sizes.instanceType,
      rootVolumeGiB: sizes.rootVolumeGiB,
      controllerSecurityGroupId: this.jenkins.host.securityGroup.id,
      bastionSecurityGroupId: this.bastion.host.securityGroup.id,
    });
    this.buildAgent = new JenkinsAgent(this, "jenkins_build_agent", {
      ...agentHost(buildAgentName(vars), settings.buildAgent),
      purpose: "Jenkins build agent",
    });

    const stateKeyPrefix = `${vars.project}/`;
    const planRole = new TerraformPlanRole(this, "terraform_plan_role", {
      name: terraformPlanRoleName(vars),
      // The infrastructure job's pull-request builds run on the build agent.
      trustedRoleArn: this.buildAgent.host.role.arn,
      ...accountScope,
      stateBucket: vars.stateBucket,
      stateKeyPrefix,
      stateKeyAlias: stateKeyAlias(vars),
      stateKeys: stackOrder(vars).map((stack) => stateKey(vars, stack)),
    });

    const buildAgentPolicy = buildAgentPolicies({
      ...accountScope,
      repositoryArn: global.repository.arn,
      targets: targets.filter((target) => !target.approval),
      planRoleArn: planRole.role.arn,
    });
    this.buildAgent.grant("build-and-deploy-without-approval", buildAgentPolicy.inline);
    // Managed policies by purpose, named `<agent>-<slug>`: adding an environment grows them in place.
    const managed = [
      {
        id: "rollouts",
        slug: "rollouts",
        description: "ECS rollouts of the environments without approval, each service to its own task family",
        statements: buildAgentPolicy.managed.rollouts,
      },
      {
        id: "observe",
        slug: "observe",
        description: "Watch the rollouts: services, tasks",
        statements: buildAgentPolicy.managed.observe,
      },
      {
        id: "pass_roles",
        slug: "pass-roles",
        description: "Pass the services' task and execution roles to ECS tasks",
        statements: buildAgentPolicy.managed.passRoles,
      },
    ];
    for (const { id, slug, description, statements } of managed) {
      if (statements.length === 0) continue;
      this.buildAgent.attach(id, `${buildAgentName(vars)}-${slug}`, `Jenkins build agent: ${description}`, statements);
    }
    // One deploy agent per environment with approval, named after it: adding or removing one such
    // environment adds or removes its agent and touches nothing else.
    for (const target of targets.filter((candidate) => candidate.approval)) {
      const agent = new JenkinsAgent(this, `jenkins_deploy_agent_${target.environment}`, {
        ...agentHost(deployAgentName(vars, target.environment), settings.deployAgent),
        purpose: `Jenkins deploy agent of ${target.environment}`,
      });
      agent.grant(
        `deploy-${target.environment}`,
        deployAgentStatements({ ...accountScope, repositoryArn: global.repository.arn, target }),
      );
      this.deployAgents[target.environment] = agent;
    }

    // Every host by key, for what each of them gets: the SSM agent policy and the alarms. Keyed by
    // host, so an approval environment adds only its deploy agent's attachment and alarms.
    const hosts: Record<string, { readonly name: string; readonly host: HardenedInstance }> = {
      bastion: { name: this.name("bastion"), host: this.bastion.host },
      jenkins: { name: this.name("jenkins"), host: this.jenkins.host },
      build_agent: { name: buildAgentName(vars), host: this.buildAgent.host },
      ...Object.fromEntries(
        Object.entries(this.deployAgents).map(([name, agent]) => [
          `deploy_agent_${name}`,
          { name: deployAgentName(vars, name), host: agent.host },
        ]),
      ),
    };

    // Every host's SSM agent (the common role installs it on all of them): scoped policy, sessions
    // logged and encrypted. The private hosts reach the endpoints through the rule for mgmt's private
    // subnets.
    new SessionManager(this, "session_manager", {
      policyName: this.name("ssm-agent"),
      logGroupName: `/${vars.project}/session-manager`,
      retentionDays: settings.sessionLogRetentionDays,
      region: vars.region,
      partition,
      accountId: account.accountId,
      hostRoles: Object.fromEntries(Object.entries(hosts).map(([key, { host }]) => [key, host.role.name])),
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
      // Without the build agent nothing builds, without a deploy agent its environment cannot be deployed.
      hosts: Object.fromEntries(
        Object.entries(hosts).map(([key, { name, host }]) => [key, { name, instanceId: host.instance.id }]),
      ),
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
    new TerraformOutput(this, "build_agent_private_ip", { value: this.buildAgent.host.instance.privateIp });
    new TerraformOutput(this, "build_agent_instance_id", { value: this.buildAgent.host.instance.id });
    // A map by environment (tomap: cdktf's own rendering of a plain object output warns on Node 24).
    const byEnvironment = (pick: (agent: JenkinsAgent) => string) =>
      Fn.tomap(Object.fromEntries(Object.entries(this.deployAgents).map(([name, agent]) => [name, pick(agent)])));
    new TerraformOutput(this, "deploy_agent_private_ips", {
      value: byEnvironment((agent) => agent.host.instance.privateIp),
    });
    new TerraformOutput(this, "deploy_agent_instance_ids", { value: byEnvironment((agent) => agent.host.instance.id) });
  }
}
