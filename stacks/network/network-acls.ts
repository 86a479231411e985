/**
 * NetworkAcls: a network ACL per owner of subnets (each environment, the NAT subnets, the endpoint
 * subnets), each holding its owner's subnets, and the VPC's default ACL adopted with no rule at all, so
 * a subnet nobody placed behind an ACL carries no traffic (CIS 5.1 / FSBP EC2.21 find no default
 * ACL that admits everything).
 *
 * Application environments are isolated: their ACL admits, from inside the VPC, only their own
 * slice and the shared ones (environments without an application, such as mgmt, and the network
 * layer's NAT and endpoint slices), then denies the rest of the VPC. The rule count is the same
 * at 2 application environments as at 14 (an allow-list, not one deny per other environment), and
 * adding an environment changes no other environment's ACL.
 *
 * Rule numbers say what a rule is, never where it sits in a list: an allow for a slice is
 * 100 + the slice's offset in the VPC counted in /28 blocks (a /16 VPC holds 4096 of them, so
 * 100..4195); the VPC-wide rule is 5000; SSH from admin networks 6000 + 10 per network (by
 * address); the internet rules 7000 and up.
 */
import { DefaultNetworkAcl } from "@cdktf/provider-aws/lib/default-network-acl";
import { NetworkAcl, type NetworkAclEgress, type NetworkAclIngress } from "@cdktf/provider-aws/lib/network-acl";
import { Construct } from "constructs";
import { mustParseCidr } from "../../lib/cidr";

/** AWS's default quota of inbound (and of outbound) rules per network ACL; adjustable to 40. */
export const NACL_RULES_PER_DIRECTION = 20;

type Rule = NetworkAclIngress & NetworkAclEgress;
type Match = Pick<Rule, "protocol" | "fromPort" | "toPort" | "icmpType" | "icmpCode">;

const ANYWHERE = "0.0.0.0/0";
const ALL_TRAFFIC: Match = { protocol: "-1", fromPort: 0, toPort: 0 };
const tcp = (fromPort: number, toPort = fromPort): Match => ({ protocol: "tcp", fromPort, toPort });
/** Replies to connections out of the VPC land on an ephemeral port (Linux: 32768-60999; NAT: 1024-65535). */
const EPHEMERAL = tcp(1024, 65535);

/**
 * What the internet may send into an environment's subnets: HTTP and HTTPS for the public load
 * balancers, replies on ephemeral ports, and "fragmentation needed" for path MTU discovery. Never
 * SSH (22) or RDP (3389): the ephemeral range skips 3389, which no Linux host picks as its own port.
 */
const INTERNET_INGRESS: readonly Match[] = [
  tcp(80),
  tcp(443),
  tcp(1024, 3388),
  tcp(3390, 65535),
  { protocol: "icmp", fromPort: 0, toPort: 0, icmpType: 3, icmpCode: 4 },
];

const VPC_RULE = 5000;
const SSH_RULES = 6000;
const INTERNET_RULES = 7000;

export interface AclSlice {
  /** The slice of the VPC the subnets are carved from. */
  readonly cidr: string;
  /** `<tier>_<zone>` → subnet id. */
  readonly subnetIds: Readonly<Record<string, string>>;
}

export interface EnvironmentAclSlice extends AclSlice {
  readonly name: string;
  /** true for application environments: no other isolated environment's subnet reaches them. */
  readonly isolated: boolean;
  /** Networks outside the VPC that may open SSH (22) to these subnets (the bastion's admins). */
  readonly sshCidrs: readonly string[];
}

export interface NetworkAclsProps {
  readonly namePrefix: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** The VPC's default network ACL: adopted and emptied. */
  readonly defaultNetworkAclId: string;
  readonly environments: readonly EnvironmentAclSlice[];
  /** The NAT gateways' subnets. */
  readonly nat: AclSlice;
  /** The interface endpoints' subnets. */
  readonly endpoints: AclSlice;
}

export class NetworkAcls extends Construct {
  /** Owner (environment name, `nat`, `endpoints`) → its network ACL. */
  readonly acls: Record<string, NetworkAcl> = {};

  constructor(scope: Construct, id: string, props: NetworkAclsProps) {
    super(scope, id);
    const vpc = mustParseCidr(props.vpcCidr);
    /** The slice's own rule number: its offset in the VPC in /28 blocks, so no two slices share one. */
    const sliceRule = (cidr: string) => 100 + (mustParseCidr(cidr).network - vpc.network) / 16;
    const allowSlice = (cidr: string): Rule => ({
      ruleNo: sliceRule(cidr),
      action: "allow",
      cidrBlock: cidr,
      ...ALL_TRAFFIC,
    });

    // Nothing may rely on the default ACL: every subnet below gets its owner's ACL. Subnets that AWS
    // moves back to it (an ACL destroyed before its subnets) are not Terraform's to list.
    new DefaultNetworkAcl(this, "default", {
      defaultNetworkAclId: props.defaultNetworkAclId,
      tags: { Name: `${props.namePrefix}-default-unused` },
      lifecycle: { ignoreChanges: ["subnet_ids"] },
    });

    const shared = [
      ...props.environments.filter((environment) => !environment.isolated).map((environment) => environment.cidr),
      props.nat.cidr,
      props.endpoints.cidr,
    ];
    const internet = (first: number, matches: readonly Match[]): Rule[] =>
      matches.map((match, index) => ({ ruleNo: first + 10 * index, action: "allow", cidrBlock: ANYWHERE, ...match }));

    for (const environment of props.environments) {
      const ssh = [...environment.sshCidrs]
        .sort((a, b) => mustParseCidr(a).network - mustParseCidr(b).network)
        .map((cidr, index): Rule => ({ ruleNo: SSH_RULES + 10 * index, action: "allow", cidrBlock: cidr, ...tcp(22) }));
      const inside: Rule[] = environment.isolated
        ? [
            ...[environment.cidr, ...shared].map(allowSlice),
            { ruleNo: VPC_RULE, action: "deny", cidrBlock: props.vpcCidr, ...ALL_TRAFFIC },
          ]
        : [{ ruleNo: VPC_RULE, action: "allow", cidrBlock: props.vpcCidr, ...ALL_TRAFFIC }];
      this.acl(environment.name, props, environment, {
        isolated: environment.isolated,
        ingress: [...inside, ...ssh, ...internet(INTERNET_RULES, INTERNET_INGRESS)],
        egress: [...(environment.isolated ? inside : []), ...internet(INTERNET_RULES, [ALL_TRAFFIC])],
      });
    }

    // NAT: anything from the VPC out to the internet, and the replies, which arrive on the port the
    // gateway translated to (1024-65535, 3389 included: nothing listens on a NAT gateway).
    this.acl("nat", props, props.nat, {
      isolated: false,
      ingress: [
        { ruleNo: VPC_RULE, action: "allow", cidrBlock: props.vpcCidr, ...ALL_TRAFFIC },
        ...internet(INTERNET_RULES, [EPHEMERAL, INTERNET_INGRESS[4]]),
      ],
      egress: internet(INTERNET_RULES, [ALL_TRAFFIC]),
    });

    // Interface endpoints only answer HTTPS from inside the VPC.
    this.acl("endpoints", props, props.endpoints, {
      isolated: false,
      ingress: [{ ruleNo: VPC_RULE, action: "allow", cidrBlock: props.vpcCidr, ...tcp(443) }],
      egress: [{ ruleNo: VPC_RULE, action: "allow", cidrBlock: props.vpcCidr, ...EPHEMERAL }],
    });
  }

  private acl(
    owner: string,
    props: NetworkAclsProps,
    slice: AclSlice,
    rules: { isolated: boolean; ingress: Rule[]; egress: Rule[] },
  ): void {
    for (const [direction, list] of [
      ["inbound", rules.ingress],
      ["outbound", rules.egress],
    ] as const) {
      if (list.length > NACL_RULES_PER_DIRECTION) {
        throw new Error(
          `the network ACL of ${owner} needs ${list.length} ${direction} rules, above AWS's default quota of ${NACL_RULES_PER_DIRECTION}; list fewer adminCidrs or fewer environments without a service`,
        );
      }
    }
    const byNumber = (list: Rule[]) => [...list].sort((a, b) => Number(a.ruleNo) - Number(b.ruleNo));
    const acl = new NetworkAcl(this, owner, {
      vpcId: props.vpcId,
      // Ordered by tier and zone name: adding a zone adds its subnets, reordering zones changes nothing.
      subnetIds: Object.keys(slice.subnetIds)
        .sort()
        .map((place) => slice.subnetIds[place]),
      ingress: byNumber(rules.ingress),
      egress: byNumber(rules.egress),
      // `isolated` is what project rule CX_VPC_5 holds to: no reach into another isolated ACL's subnets.
      tags: { Name: `${props.namePrefix}-${owner}`, ...(rules.isolated ? { isolated: "true" } : {}) },
    });
    this.acls[owner] = acl;
  }
}
