/**
 * Which attribute changes make Terraform destroy and re-create a resource instead of updating it:
 * the arguments the AWS provider (hashicorp/aws 6.x, as pinned in stacks/) marks "Forces new
 * resource" in its documentation (`ForceNew` / `RequiresReplace` in its schema). `pnpm diff` reads
 * this table to call a change `replace` before any plan; `tests/review/replacement.test.ts` fails
 * when a synthesized stack uses a resource type that is not listed here.
 *
 * An entry names top-level arguments or nested ones (`root_block_device.encrypted`); a name also
 * covers everything below it. `[]` says that every argument of the type is updated in place.
 * `ALL_BUT` lists the few arguments of a type whose every other argument forces replacement.
 */
import { schemaPath } from "./values";

interface AllBut {
  readonly allBut: readonly string[];
}

type Replacement = readonly string[] | AllBut;

/** Tags never force a replacement. */
const TAGS = ["tags", "tags_all"];

export const REPLACEMENT_ATTRIBUTES: Readonly<Record<string, Replacement>> = {
  aws_acm_certificate: [
    "domain_name",
    "subject_alternative_names",
    "validation_method",
    "validation_option",
    "key_algorithm",
    "certificate_authority_arn",
  ],
  aws_acm_certificate_validation: ["certificate_arn", "validation_record_fqdns"],
  aws_appautoscaling_policy: ["name", "resource_id", "scalable_dimension", "service_namespace"],
  aws_appautoscaling_target: ["resource_id", "scalable_dimension", "service_namespace"],
  aws_budgets_budget: ["account_id", "name", "name_prefix"],
  // Chatbot's API lives in a few regions (the stacks set `region`): moving it makes a new configuration.
  aws_chatbot_slack_channel_configuration: ["region"],
  aws_cloudwatch_dashboard: ["dashboard_name"],
  aws_cloudwatch_log_group: ["name", "name_prefix", "log_group_class"],
  aws_cloudwatch_metric_alarm: ["alarm_name"],
  aws_default_network_acl: ["default_network_acl_id"],
  aws_default_security_group: ["vpc_id"],
  aws_dlm_lifecycle_policy: [],
  aws_ebs_volume: ["availability_zone", "encrypted", "kms_key_id", "snapshot_id", "outpost_arn"],
  aws_ecr_lifecycle_policy: ["repository", "policy"],
  // UpdatePullThroughCacheRule changes the credential and the role in place; the rest names the rule.
  aws_ecr_pull_through_cache_rule: ["ecr_repository_prefix", "upstream_registry_url", "upstream_repository_prefix"],
  aws_ecr_repository: ["name", "encryption_configuration"],
  aws_ecr_repository_policy: ["repository"],
  aws_ecs_cluster: ["name"],
  aws_ecs_service: ["name", "cluster", "launch_type", "iam_role", "scheduling_strategy"],
  // A task definition revision is immutable: every change registers a new one.
  aws_ecs_task_definition: { allBut: [...TAGS, "skip_destroy", "track_latest"] },
  aws_eip: [
    "domain",
    "address",
    "network_border_group",
    "public_ipv4_pool",
    "customer_owned_ipv4_pool",
    "ipam_pool_id",
  ],
  aws_flow_log: { allBut: TAGS },
  aws_iam_instance_profile: ["name", "name_prefix", "path"],
  aws_iam_policy: ["name", "name_prefix", "path"],
  aws_iam_role: ["name", "name_prefix", "path"],
  aws_iam_role_policy: ["name", "name_prefix", "role"],
  aws_iam_role_policy_attachment: ["role", "policy_arn"],
  aws_instance: [
    "ami",
    "availability_zone",
    "subnet_id",
    "key_name",
    "private_ip",
    "placement_group",
    "host_id",
    "associate_public_ip_address",
    "ipv6_address_count",
    "ipv6_addresses",
    "launch_template",
    "network_interface",
    "ebs_block_device",
    "ephemeral_block_device",
    "root_block_device.encrypted",
    "root_block_device.kms_key_id",
    "security_groups",
    "cpu_options",
    "hibernation",
    "enclave_options",
  ],
  aws_internet_gateway: [],
  aws_kms_alias: ["name", "name_prefix"],
  aws_kms_key: ["customer_master_key_spec", "key_usage", "multi_region", "custom_key_store_id", "xks_key_id"],
  aws_lb: ["name", "name_prefix", "internal", "load_balancer_type", "customer_owned_ipv4_pool"],
  aws_lb_listener: ["load_balancer_arn"],
  aws_lb_listener_rule: ["listener_arn"],
  aws_lb_target_group: [
    "name",
    "name_prefix",
    "port",
    "protocol",
    "protocol_version",
    "vpc_id",
    "target_type",
    "ip_address_type",
  ],
  aws_lb_target_group_attachment: ["target_group_arn", "target_id", "port", "availability_zone"],
  aws_nat_gateway: ["allocation_id", "subnet_id", "connectivity_type", "private_ip"],
  aws_network_acl: ["vpc_id"],
  aws_route: ["route_table_id", "destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id"],
  aws_route53_hosted_zone_dnssec: ["hosted_zone_id"],
  aws_route53_key_signing_key: ["hosted_zone_id", "key_management_service_arn", "name"],
  aws_route53_record: ["name", "zone_id"],
  aws_route53_zone: ["name", "delegation_set_id"],
  aws_route_table: ["vpc_id"],
  aws_route_table_association: ["subnet_id", "gateway_id"],
  aws_s3_bucket: ["bucket", "bucket_prefix", "object_lock_enabled"],
  aws_s3_bucket_lifecycle_configuration: ["bucket", "expected_bucket_owner"],
  aws_s3_bucket_metric: ["bucket", "name"],
  aws_s3_bucket_ownership_controls: ["bucket"],
  aws_s3_bucket_policy: ["bucket"],
  aws_s3_bucket_public_access_block: ["bucket"],
  aws_s3_bucket_server_side_encryption_configuration: ["bucket", "expected_bucket_owner"],
  aws_s3_bucket_versioning: ["bucket", "expected_bucket_owner"],
  aws_secretsmanager_secret: ["name", "name_prefix"],
  aws_security_group: ["name", "name_prefix", "description", "vpc_id"],
  aws_sns_topic: ["name", "name_prefix", "fifo_topic"],
  aws_sns_topic_policy: ["arn"],
  aws_sns_topic_subscription: ["topic_arn", "protocol", "endpoint"],
  aws_ssm_document: ["name", "document_type"],
  aws_subnet: ["vpc_id", "cidr_block", "availability_zone", "availability_zone_id", "outpost_arn", "ipv6_native"],
  aws_volume_attachment: ["device_name", "instance_id", "volume_id"],
  aws_vpc: ["cidr_block", "ipv4_ipam_pool_id", "ipv4_netmask_length"],
  aws_vpc_endpoint: ["vpc_id", "service_name", "vpc_endpoint_type"],
  aws_vpc_security_group_egress_rule: ["security_group_id"],
  aws_vpc_security_group_ingress_rule: ["security_group_id"],
  aws_wafv2_web_acl: ["name", "name_prefix", "scope"],
  aws_wafv2_web_acl_association: ["resource_arn", "web_acl_arn"],
  aws_wafv2_web_acl_logging_configuration: ["resource_arn"],
  // Terraform's builtin resource: what the plan-summary tests plan for real.
  terraform_data: ["triggers_replace"],
};

/** Whether the table says anything about `type` (an empty entry counts: it was checked). */
export function isCovered(type: string): boolean {
  return Object.hasOwn(REPLACEMENT_ATTRIBUTES, type);
}

const covers = (name: string, path: string) => path === name || path.startsWith(`${name}.`);

/** Whether a change at `path` (list indices allowed) of a `type` resource forces a replacement. */
export function forcesReplacement(type: string, path: string): boolean {
  const entry = REPLACEMENT_ATTRIBUTES[type];
  if (entry === undefined) return false;
  const bare = schemaPath(path);
  if ("allBut" in entry) return !entry.allBut.some((name) => covers(name, bare)) && !isMetaArgument(bare);
  return entry.some((name) => covers(name, bare));
}

/** Terraform's own arguments, never sent to the provider. */
const META_ARGUMENTS = ["depends_on", "lifecycle", "provider", "provisioner", "connection", "count", "for_each"];

export function isMetaArgument(path: string): boolean {
  return META_ARGUMENTS.some((name) => covers(name, path));
}
