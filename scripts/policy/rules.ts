/**
 * Project policy rules that checkov lacks or cannot see (it reads container_definitions as an
 * opaque string and misses security-group blocks as cdktf writes them). Each rule reads one
 * synthesized stack (cdk.tf.json) and returns its findings; `pnpm policy` runs them after checkov.
 */

import { EDGE_RULES } from "./edge-rules";
import { HOST_RULES } from "./host-rules";
import { IAM_RULES } from "./iam-rules";
import { NETWORK_RULES } from "./network-rules";
import { blocks, eachTaskDefinition, type Json, type Rule, type RuleResult, resourcesOf, result } from "./rule-kit";
import { WORKLOAD_RULES } from "./workload-rules";

export type { Rule, RuleResult } from "./rule-kit";

const WORLD = ["0.0.0.0/0", "::/0"];

function opensPort(rule: Json, port: number): boolean {
  const protocol = String(rule.protocol ?? rule.ip_protocol ?? "");
  if (protocol === "-1" || protocol === "all") return true;
  if (protocol !== "tcp" && protocol !== "6") return false;
  const from = Number(rule.from_port);
  const to = Number(rule.to_port);
  return from <= port && port <= to;
}

function fromWorld(rule: Json): boolean {
  const sources = [...blocks(rule.cidr_blocks), ...blocks(rule.ipv6_cidr_blocks), rule.cidr_ipv4, rule.cidr_ipv6];
  return sources.some((source) => WORLD.includes(String(source)));
}

/** TLS 1.2+ policies with forward-secret AEAD ciphers only (`-Res-`), and TLS 1.3-only ones; not
 *  the plain TLS13-1-2 policies (they still offer CBC suites on TLS 1.2), nor Ext1/Ext2. */
export const ALLOWED_TLS_POLICY = /^ELBSecurityPolicy-TLS13-1-(2-Res|3)(-FIPS)?(-PQ)?-\d{4}-\d{2}$/;

export const RULES: readonly Rule[] = [
  ...EDGE_RULES,
  ...NETWORK_RULES,
  ...HOST_RULES,
  ...WORKLOAD_RULES,
  ...IAM_RULES,
  {
    id: "CX_ECS_1",
    title: "ECS containers never run privileged",
    check: (stack) =>
      eachTaskDefinition(stack, "CX_ECS_1", (containers) => {
        const privileged = containers.filter((container) => container.privileged === true).map((c) => c.name);
        return {
          passed: privileged.length === 0,
          message:
            privileged.length === 0 ? "no privileged container" : `privileged container(s): ${privileged.join(", ")}`,
        };
      }),
  },
  {
    id: "CX_NET_1",
    title: "No security group admits SSH (22) from 0.0.0.0/0 or ::/0",
    check: (stack) => [
      ...resourcesOf(stack, "aws_security_group").map(([address, group]) => {
        const open = blocks(group.ingress).some((rule) => opensPort(rule, 22) && fromWorld(rule));
        return result(
          "CX_NET_1",
          address,
          !open,
          open ? "ingress admits port 22 from the internet" : "SSH not open to the internet",
        );
      }),
      // Standalone rules, in both forms cdktf writes: the classic resource and the VPC-level one.
      ...[
        ...resourcesOf(stack, "aws_security_group_rule").filter(([, rule]) => rule.type === "ingress"),
        ...resourcesOf(stack, "aws_vpc_security_group_ingress_rule"),
      ].map(([address, rule]) => {
        const open = opensPort(rule, 22) && fromWorld(rule);
        return result(
          "CX_NET_1",
          address,
          !open,
          open ? "admits port 22 from the internet" : "SSH not open to the internet",
        );
      }),
    ],
  },
  {
    id: "CX_EBS_1",
    title: "Every EBS volume is encrypted (volumes, instance and launch-template block devices)",
    check: (stack) => [
      ...resourcesOf(stack, "aws_ebs_volume").map(([address, volume]) =>
        result(
          "CX_EBS_1",
          address,
          volume.encrypted === true,
          volume.encrypted === true ? "encrypted" : "encrypted is not true",
        ),
      ),
      ...resourcesOf(stack, "aws_instance").map(([address, instance]) => {
        const devices = [...blocks(instance.root_block_device), ...blocks(instance.ebs_block_device)];
        const root = blocks(instance.root_block_device)[0];
        const ok = root !== undefined && devices.every((device) => device.encrypted === true);
        return result(
          "CX_EBS_1",
          address,
          ok,
          ok ? "block devices encrypted" : "a block device (or the root volume) is not encrypted",
        );
      }),
      ...resourcesOf(stack, "aws_launch_template").map(([address, template]) => {
        const ok = blocks(template.block_device_mappings).every((mapping) =>
          blocks(mapping.ebs).every((ebs) => ebs.encrypted === true || ebs.encrypted === "true"),
        );
        return result(
          "CX_EBS_1",
          address,
          ok,
          ok ? "block device mappings encrypted" : "a block device mapping is not encrypted",
        );
      }),
    ],
  },
  {
    id: "CX_EC2_1",
    title: "IMDSv2 is required on every instance and launch template",
    check: (stack) =>
      resourcesOf(stack, "aws_instance", "aws_launch_template").map(([address, body]) => {
        const tokens = blocks(body.metadata_options)[0]?.http_tokens;
        return result(
          "CX_EC2_1",
          address,
          tokens === "required",
          tokens === "required"
            ? "IMDSv2 required"
            : `metadata_options.http_tokens is ${tokens ?? "unset"}, not "required"`,
        );
      }),
  },
  {
    id: "CX_ECR_1",
    title: "Every ECR repository has a lifecycle policy",
    check: (stack) => {
      const policies = resourcesOf(stack, "aws_ecr_lifecycle_policy").map(([, policy]) => String(policy.repository));
      return resourcesOf(stack, "aws_ecr_repository").map(([address, repository]) => {
        const name = address.split(".")[1];
        const covered = policies.some(
          (target) => target.includes(`aws_ecr_repository.${name}.`) || target === repository.name,
        );
        return result(
          "CX_ECR_1",
          address,
          covered,
          covered ? "lifecycle policy present" : "no aws_ecr_lifecycle_policy for this repository",
        );
      });
    },
  },
  {
    id: "CX_ELB_1",
    title:
      "TLS listeners use a TLS 1.3 policy, or TLS 1.2 with AEAD ciphers only (ELBSecurityPolicy-TLS13-1-2-Res-2021-06 or stricter)",
    check: (stack) =>
      resourcesOf(stack, "aws_lb_listener", "aws_alb_listener")
        .filter(([, listener]) => ["HTTPS", "TLS"].includes(String(listener.protocol)))
        .map(([address, listener]) => {
          const policy = String(listener.ssl_policy ?? "(default)");
          const ok = ALLOWED_TLS_POLICY.test(policy);
          return result(
            "CX_ELB_1",
            address,
            ok,
            ok
              ? `ssl_policy ${policy}`
              : `ssl_policy ${policy} allows weaker than TLS 1.2 with AEAD ciphers; use a -Res- or TLS13-1-3 policy`,
          );
        }),
  },
];

export function evaluate(stack: Json): RuleResult[] {
  return RULES.flatMap((rule) => rule.check(stack));
}
