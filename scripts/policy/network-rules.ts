/**
 * Project rules for the network, which checkov does not look at: what the S3 endpoint lets
 * through, the interface endpoints and who may reach them, the network ACLs (the default one
 * empty, every subnet behind one, application environments kept apart, AWS's rule quota), the
 * tasks' egress, the trust policies of the roles AWS services assume for the account, and where
 * load balancers' log delivery may write.
 */
import { overlaps, parseCidr } from "../../lib/cidr";
import { ELB_LOG_ACCOUNTS } from "../../stacks/constructs/access-logs-bucket";
import { INTERFACE_ENDPOINT_SERVICES } from "../../stacks/network/endpoints";
import { NACL_RULES_PER_DIRECTION } from "../../stacks/network/network-acls";
import { admits, PROBES } from "./nacl";
import { blocks, type Json, list, type Rule, referenced, resourcesOf, result, statementsOf } from "./rule-kit";

/** Services that assume a role to write into the account (logs, snapshots): their trust must name
 *  the source account and source ARN, or another account's resource could have them use the role. */
export const DELIVERY_SERVICES = ["vpc-flow-logs.amazonaws.com", "dlm.amazonaws.com"];

/** A bucket ARN whose bucket name starts with something other than a wildcard. */
const NAMED_BUCKET = /^arn:[^:]+:s3:::[^*?/][^/]*(\/.*)?$/;

const s3Endpoint: Rule = {
  id: "CX_VPC_1",
  title: "The S3 endpoint lets through named buckets only, never every bucket",
  check: (stack) =>
    resourcesOf(stack, "aws_vpc_endpoint")
      .filter(([, endpoint]) => /\.s3$/.test(String(endpoint.service_name)))
      .map(([address, endpoint]) => {
        const statements = statementsOf(endpoint.policy);
        const open = statements
          .filter((statement) => statement.Effect === "Allow")
          .flatMap((statement) =>
            statement.NotResource !== undefined
              ? ["NotResource"]
              : list(statement.Resource).filter((resource) => !NAMED_BUCKET.test(resource)),
          );
        const ok = statements.length > 0 && open.length === 0;
        return result(
          "CX_VPC_1",
          address,
          ok,
          ok
            ? "policy names the buckets"
            : statements.length === 0
              ? "no endpoint policy: every bucket in the world is reachable from the VPC"
              : `policy lets through ${open.join(", ")}`,
        );
      }),
};

const interfaceEndpoints: Rule = {
  id: "CX_VPC_2",
  title:
    "The VPC reaches each AWS service the platform calls through an interface endpoint, private DNS on, in two zones",
  check: (stack) => {
    const endpoints = resourcesOf(stack, "aws_vpc_endpoint").map(([, endpoint]) => endpoint);
    return resourcesOf(stack, "aws_vpc").map(([address]) => {
      const name = address.split(".")[1];
      const missing = Object.keys(INTERFACE_ENDPOINT_SERVICES).filter(
        (service) =>
          !endpoints.some(
            (endpoint) =>
              referenced(endpoint.vpc_id, "aws_vpc") === name &&
              endpoint.vpc_endpoint_type === "Interface" &&
              String(endpoint.service_name).endsWith(`.${service}`) &&
              endpoint.private_dns_enabled === true &&
              list(endpoint.subnet_ids).length >= 2,
          ),
      );
      return result(
        "CX_VPC_2",
        address,
        missing.length === 0,
        missing.length === 0
          ? "interface endpoints for every service"
          : `no interface endpoint with private DNS in two zones for ${missing.join(", ")}`,
      );
    });
  },
};

/** A security group's rules of one direction, in every form cdktf writes: inline, the VPC-level
 *  rule resources and the classic `aws_security_group_rule`. */
function groupRules(stack: Json, group: string, direction: "ingress" | "egress"): Json[] {
  const reference = `\${aws_security_group.${group}.id}`;
  return [
    ...blocks(stack.resource?.aws_security_group?.[group]?.[direction]),
    ...resourcesOf(stack, `aws_vpc_security_group_${direction}_rule`)
      .filter(([, rule]) => rule.security_group_id === reference)
      .map(([, rule]) => rule),
    ...resourcesOf(stack, "aws_security_group_rule")
      .filter(([, rule]) => rule.type === direction && rule.security_group_id === reference)
      .map(([, rule]) => rule),
  ];
}

const endpointAccess: Rule = {
  id: "CX_VPC_3",
  title: "Interface endpoints admit HTTPS (443) from private subnets and nothing else",
  check: (stack) => {
    const subnets = resourcesOf(stack, "aws_subnet").map(([address, subnet]) => ({
      name: address.split(".")[1],
      block: parseCidr(String(subnet.cidr_block)),
      private: subnet.tags?.tier === "private",
    }));
    /** Whether `source` is private subnets only: a private subnet's own range, or a range that holds private subnets and no other. */
    const privateOnly = (source: unknown) => {
      const subnet = referenced(source, "aws_subnet");
      if (subnet !== undefined) return subnets.some((candidate) => candidate.name === subnet && candidate.private);
      const block = parseCidr(String(source ?? ""));
      if (typeof block === "string") return false;
      const touched = subnets.filter(
        (candidate) => typeof candidate.block !== "string" && overlaps(candidate.block, block),
      );
      return touched.length > 0 && touched.every((candidate) => candidate.private);
    };
    const groups = new Set(
      resourcesOf(stack, "aws_vpc_endpoint")
        .filter(([, endpoint]) => endpoint.vpc_endpoint_type === "Interface")
        .flatMap(([, endpoint]) =>
          list(endpoint.security_group_ids).map((id) => referenced(id, "aws_security_group") ?? id),
        ),
    );
    return [...groups].map((group) => {
      const wrong = groupRules(stack, group, "ingress").filter((rule) => {
        const protocol = String(rule.ip_protocol ?? rule.protocol);
        const sources = rule.cidr_ipv4 !== undefined ? [rule.cidr_ipv4] : list(rule.cidr_blocks);
        return (
          !["tcp", "6"].includes(protocol) ||
          Number(rule.from_port) !== 443 ||
          Number(rule.to_port) !== 443 ||
          sources.length === 0 ||
          !sources.every(privateOnly)
        );
      });
      const ok = !group.startsWith("${") && wrong.length === 0;
      return result(
        "CX_VPC_3",
        `aws_security_group.${group}`,
        ok,
        ok
          ? "HTTPS from private subnets only"
          : wrong.length > 0
            ? `admits ${wrong.map((rule) => rule.description ?? rule.cidr_ipv4 ?? rule.referenced_security_group_id).join("; ")}`
            : "not a security group of this stack: who it admits cannot be read",
      );
    });
  },
};

/** Every ACL's rules by direction: inline ones and `aws_network_acl_rule` resources that point at it. */
function aclRules(stack: Json, type: string, name: string, acl: Json): { ingress: Json[]; egress: Json[] } {
  const standalone = resourcesOf(stack, "aws_network_acl_rule")
    .filter(([, rule]) => referenced(rule.network_acl_id, type) === name)
    .map(([, rule]) => rule);
  return {
    ingress: [...blocks(acl.ingress), ...standalone.filter((rule) => rule.egress !== true)],
    egress: [...blocks(acl.egress), ...standalone.filter((rule) => rule.egress === true)],
  };
}

const defaultAcl: Rule = {
  id: "CX_VPC_4",
  title: "The default network ACL has no rule, and every subnet sits behind an ACL of its own",
  check: (stack) => {
    const defaults = resourcesOf(stack, "aws_default_network_acl");
    const associated = new Set([
      ...resourcesOf(stack, "aws_network_acl_association").map(([, association]) =>
        referenced(association.subnet_id, "aws_subnet"),
      ),
      ...resourcesOf(stack, "aws_network_acl").flatMap(([, acl]) =>
        list(acl.subnet_ids).map((id) => referenced(id, "aws_subnet")),
      ),
    ]);
    return [
      ...resourcesOf(stack, "aws_vpc").map(([address]) => {
        const name = address.split(".")[1];
        const adopted = defaults.find(([, acl]) => referenced(acl.default_network_acl_id, "aws_vpc") === name);
        const rules = adopted
          ? aclRules(stack, "aws_default_network_acl", adopted[0].split(".")[1], adopted[1])
          : undefined;
        const ok = rules !== undefined && rules.ingress.length === 0 && rules.egress.length === 0;
        return result(
          "CX_VPC_4",
          address,
          ok,
          ok
            ? "default network ACL adopted without rules"
            : rules === undefined
              ? "the default network ACL is not managed: it admits everything"
              : "the default network ACL keeps rules",
        );
      }),
      ...resourcesOf(stack, "aws_subnet").map(([address]) => {
        const ok = associated.has(address.split(".")[1]);
        return result("CX_VPC_4", address, ok, ok ? "behind its own network ACL" : "on the default network ACL");
      }),
    ];
  },
};

/** Each network ACL of the stack with its rules and the CIDRs of the subnets it guards. */
function networkAcls(stack: Json) {
  const subnetCidrs = Object.fromEntries(
    resourcesOf(stack, "aws_subnet").map(([address, subnet]) => [address.split(".")[1], String(subnet.cidr_block)]),
  );
  const associations = resourcesOf(stack, "aws_network_acl_association").map(([, association]) => association);
  return resourcesOf(stack, "aws_network_acl").map(([address, acl]) => {
    const name = address.split(".")[1];
    const subnets = [
      ...list(acl.subnet_ids),
      ...associations
        .filter((association) => referenced(association.network_acl_id, "aws_network_acl") === name)
        .map((association) => association.subnet_id),
    ].map((id) => subnetCidrs[referenced(id, "aws_subnet") ?? ""] ?? String(id));
    return {
      address,
      isolated: acl.tags?.isolated === "true",
      subnets,
      ...aclRules(stack, "aws_network_acl", name, acl),
    };
  });
}

const isolation: Rule = {
  id: "CX_VPC_5",
  title:
    "A subnet behind an isolated network ACL (an application environment) neither reaches nor admits any other isolated ACL's subnet",
  check: (stack) => {
    const acls = networkAcls(stack);
    return acls
      .filter((acl) => acl.isolated)
      .map((acl) => {
        const leaks = acls
          .filter((other) => other.isolated && other.address !== acl.address)
          .flatMap((other) => other.subnets)
          .flatMap((cidr) => {
            const peer = parseCidr(cidr);
            if (typeof peer === "string") return [`${cidr} (not a literal CIDR)`];
            return PROBES.flatMap((probe) => {
              const what = `${probe.protocol}${probe.port === undefined ? "" : `/${probe.port}`}`;
              return [
                ...(admits(acl.ingress, peer, probe) ? [`admits ${what} from ${cidr}`] : []),
                ...(admits(acl.egress, peer, probe) ? [`sends ${what} to ${cidr}`] : []),
              ];
            });
          });
        return result(
          "CX_VPC_5",
          acl.address,
          leaks.length === 0,
          leaks.length === 0 ? "isolated from every other application environment" : leaks.slice(0, 6).join("; "),
        );
      });
  },
};

const aclQuota: Rule = {
  id: "CX_VPC_6",
  title: `Every network ACL fits AWS's default quota (${NACL_RULES_PER_DIRECTION} rules each way), rule numbers 1..32766 and unique`,
  check: (stack) =>
    ["aws_network_acl", "aws_default_network_acl"].flatMap((type) =>
      resourcesOf(stack, type).map(([address, acl]) => {
        const rules = aclRules(stack, type, address.split(".")[1], acl);
        const problems = (["ingress", "egress"] as const).flatMap((direction) => {
          const numbers = rules[direction].map((rule) => Number(rule.rule_no ?? rule.rule_number));
          return [
            ...(numbers.length > NACL_RULES_PER_DIRECTION ? [`${numbers.length} ${direction} rules`] : []),
            ...numbers
              .filter((number) => !Number.isInteger(number) || number < 1 || number > 32766)
              .map((number) => `${direction} rule number ${number}`),
            ...(new Set(numbers).size !== numbers.length ? [`${direction} rule numbers repeat`] : []),
          ];
        });
        return result(
          "CX_VPC_6",
          address,
          problems.length === 0,
          problems.length === 0 ? "within AWS's limits" : problems.join(", "),
        );
      }),
    ),
};

const taskEgress: Rule = {
  id: "CX_ECS_2",
  title:
    "ECS tasks send only to security groups (the endpoints') and S3's prefix list: no address range, the internet least of all (images come from ECR, CX_ECS_3)",
  check: (stack) =>
    resourcesOf(stack, "aws_ecs_service").map(([address, service]) => {
      const groups = blocks(service.network_configuration).flatMap((network) =>
        list(network.security_groups).map((id) => referenced(id, "aws_security_group") ?? id),
      );
      const wrong = groups.flatMap((group) =>
        groupRules(stack, group, "egress").filter((rule) => {
          const networks = [rule.cidr_ipv4, rule.cidr_ipv6, ...list(rule.cidr_blocks), ...list(rule.ipv6_cidr_blocks)];
          if (networks.some((network) => network !== undefined && network !== null)) return true;
          // A security group (the endpoints', the load balancer's) or a prefix list (S3's) is fine.
          return !(
            rule.referenced_security_group_id ||
            rule.prefix_list_id ||
            list(rule.security_groups).length > 0 ||
            list(rule.prefix_list_ids).length > 0
          );
        }),
      );
      return result(
        "CX_ECS_2",
        address,
        groups.length > 0 && wrong.length === 0,
        groups.length === 0
          ? "no security group of the tasks: their egress cannot be read"
          : wrong.length === 0
            ? "egress to endpoints and S3 only"
            : `egress beyond the endpoints and S3: ${wrong.map((rule) => rule.description ?? rule.cidr_ipv4).join("; ")}`,
      );
    }),
};

const NO_WILDCARD = (value: unknown) => value !== undefined && !list(value).some((item) => item === "*" || item === "");

const confusedDeputy: Rule = {
  id: "CX_IAM_1",
  title:
    "Roles AWS services assume to write into the account (flow logs, snapshots) name the source account and source ARN",
  check: (stack) =>
    resourcesOf(stack, "aws_iam_role").flatMap(([address, role]) => {
      const trusts = statementsOf(role.assume_role_policy).filter(
        (statement) =>
          statement.Effect === "Allow" &&
          list(statement.Principal?.Service).some((service) => DELIVERY_SERVICES.includes(service)),
      );
      if (trusts.length === 0) return [];
      const unguarded = trusts.filter((statement) => {
        const conditions = Object.values<Json>(statement.Condition ?? {});
        const key = (name: string) =>
          conditions.map((condition) => condition[name]).find((value) => value !== undefined);
        return !NO_WILDCARD(key("aws:SourceAccount")) || !NO_WILDCARD(key("aws:SourceArn"));
      });
      return [
        result(
          "CX_IAM_1",
          address,
          unguarded.length === 0,
          unguarded.length === 0
            ? "trust names aws:SourceAccount and aws:SourceArn"
            : `trust of ${list(unguarded[0].Principal.Service).join(", ")} lacks aws:SourceAccount or aws:SourceArn`,
        ),
      ];
    }),
};

const LOG_DELIVERY_PRINCIPALS = new Set(
  Object.values(ELB_LOG_ACCOUNTS).map((account) => `arn:aws:iam::${account}:root`),
);
/** `.../AWSLogs/<account id>/*`: the account a literal id or a reference to it, never a wildcard. */
const ACCOUNT_LOG_PATH = /\/AWSLogs\/(\d{12}|\$\{[^}*]+\})\/\*$/;

const logDelivery: Rule = {
  id: "CX_S3_1",
  title: "Load balancers' log delivery may write only under <prefix>/AWSLogs/<this account>/",
  check: (stack) =>
    resourcesOf(stack, "aws_s3_bucket_policy").flatMap(([address, policy]) => {
      const delivery = statementsOf(policy.policy).filter(
        (statement) =>
          statement.Effect === "Allow" &&
          (list(statement.Principal?.AWS).some((principal) => LOG_DELIVERY_PRINCIPALS.has(principal)) ||
            list(statement.Principal?.Service).some((service) => service.startsWith("logdelivery."))),
      );
      if (delivery.length === 0) return [];
      const wide = delivery
        .flatMap((statement) => list(statement.Resource))
        .filter((resource) => !ACCOUNT_LOG_PATH.test(resource));
      return [
        result(
          "CX_S3_1",
          address,
          wide.length === 0,
          wide.length === 0
            ? "log delivery scoped to this account's AWSLogs/"
            : `log delivery may write to ${wide.join(", ")}`,
        ),
      ];
    }),
};

export const NETWORK_RULES: readonly Rule[] = [
  s3Endpoint,
  interfaceEndpoints,
  endpointAccess,
  defaultAcl,
  isolation,
  aclQuota,
  taskEgress,
  confusedDeputy,
  logDelivery,
];
