/**
 * Network: one VPC shared by every environment. Each environment gets a public and a private
 * subnet per availability zone, carved from its own CIDR slice; the NAT gateways get their own
 * public subnets from the network layer's slice (`natCidr`), the interface endpoints their own
 * private subnets (`endpointCidr`), so no environment carries them. Every subnet sits behind the
 * network ACL of its owner (stacks/network/network-acls.ts); the default ACL and the default
 * security group are emptied, so nothing uses them by accident.
 *
 * Construct ids are a contract: each says what a resource is (environment, tier, zone name),
 * never where it sits in a list, so adding, removing or reordering environments or zones leaves
 * every other resource byte-identical. Renaming an id later needs a Terraform `moved` block
 * (`resource.moveFromId(...)`); tests/stacks/addresses.test.ts holds the committed addresses.
 */
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Construct } from "constructs";
import { splitCidr } from "../../lib/cidr";
import { sortedZones } from "../../lib/zones";
import { NetworkAcls } from "./network-acls";

export interface NetworkProps {
  readonly namePrefix: string;
  readonly cidr: string;
  /** At least two, so load balancers and services span AZs. Order does not matter. */
  readonly availabilityZones: readonly string[];
  /** Slots each slice is split into per tier, and the slot of each zone (from its letter). */
  readonly zoneSlots: { readonly count: number; readonly of: (zone: string) => number };
  /** Environment name → its slice of `cidr`. */
  readonly environmentCidrs: Readonly<Record<string, string>>;
  /** The network layer's own slice of `cidr`: one public subnet per zone slot for NAT. */
  readonly natCidr: string;
  /** The network layer's slice for the interface endpoints: one private subnet per zone slot. */
  readonly endpointCidr: string;
  /** Environments that run an application: their subnets reach no other application environment's
   *  (network ACLs), whatever their security groups say. */
  readonly isolatedEnvironments: readonly string[];
  /** The environment whose subnets admit SSH from `cidrs` through its network ACL (the bastion's).
   *  @default - no network ACL admits SSH from outside the VPC */
  readonly sshFrom?: { readonly environment: string; readonly cidrs: readonly string[] };
  /** single: one NAT gateway (in the first zone by name) for all private subnets; per-az: one per
   *  zone (`network.natGateways` in vars). */
  readonly natGateways: "single" | "per-az";
}

export interface EnvironmentSubnets {
  /** One per availability zone, ordered by zone name. */
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
  /** Zone name → the environment's subnets in it. */
  readonly byZone: Readonly<Record<string, { readonly publicSubnetId: string; readonly privateSubnetId: string }>>;
}

type Tier = "public" | "private";

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly subnets: Record<string, EnvironmentSubnets> = {};
  readonly publicRouteTable: RouteTable;
  /** Zone name → the route table of that zone's private subnets. */
  readonly privateRouteTables: Record<string, RouteTable> = {};
  /** Zone name → its NAT gateway (one entry with `single`). */
  readonly natGateways: Record<string, NatGateway> = {};
  /** The interface endpoints' subnets, one per zone, ordered by zone name. */
  readonly endpointSubnetIds: string[];
  /** Environment name → the range of its private subnets: the second half of its slice, which
   *  holds every zone slot's private subnet (present and future) and nothing else. */
  readonly privateRanges: Record<string, string> = {};

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const zones = sortedZones(props.availabilityZones);
    if (zones.length < 2) throw new Error("Network needs at least two availabilityZones for fault tolerance");
    const environments = Object.entries(props.environmentCidrs).sort(([a], [b]) => a.localeCompare(b));
    if (environments.length === 0) throw new Error("Network needs at least one environment CIDR");
    const { count: slots, of: slotOf } = props.zoneSlots;

    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: props.cidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: `${props.namePrefix}-vpc` },
    });

    // Adopt the default security group and strip its rules: nothing may use it by accident.
    new DefaultSecurityGroup(this, "default_security_group", {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: { Name: `${props.namePrefix}-default-unused` },
    });

    const internetGateway = new InternetGateway(this, "internet_gateway", {
      vpcId: this.vpc.id,
      tags: { Name: `${props.namePrefix}-igw` },
    });

    this.publicRouteTable = new RouteTable(this, "public_route_table", {
      vpcId: this.vpc.id,
      route: [{ cidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id }],
      tags: { Name: `${props.namePrefix}-public` },
    });

    /** Owner (environment, `nat`, `endpoints`) → its subnets by `<tier>_<zone>`: what each network ACL guards. */
    const owned: Record<string, Record<string, string>> = {};
    /** A subnet routed by `routeTable`; its id and its association's id name its owner, tier and zone. */
    const subnet = (owner: string, tier: Tier, zone: string, cidrBlock: string, routeTable: RouteTable) => {
      const created = new Subnet(this, `${owner}_${tier}_${zone}`, {
        vpcId: this.vpc.id,
        cidrBlock,
        availabilityZone: zone,
        // Public addresses are given explicitly (EIPs, ALBs), never by default.
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.namePrefix}-${owner}-${tier}-${zone}`, tier, environment: owner },
      });
      new RouteTableAssociation(this, `${owner}_${tier}_association_${zone}`, {
        subnetId: created.id,
        routeTableId: routeTable.id,
      });
      owned[owner] = { ...owned[owner], [`${tier}_${zone}`]: created.id };
      return created;
    };

    // NAT: the network layer's own public subnets, one per zone, from natCidr (split per zone slot).
    const natBlocks = splitCidr(props.natCidr, slots);
    const natSubnets = Object.fromEntries(
      zones.map((zone) => [zone, subnet("nat", "public", zone, natBlocks[slotOf(zone)], this.publicRouteTable)]),
    );
    const natZones = props.natGateways === "per-az" ? zones : [zones[0]];
    for (const zone of natZones) {
      const address = new Eip(this, `nat_eip_${zone}`, {
        domain: "vpc",
        tags: { Name: `${props.namePrefix}-nat-${zone}` },
      });
      this.natGateways[zone] = new NatGateway(this, `nat_gateway_${zone}`, {
        allocationId: address.id,
        subnetId: natSubnets[zone].id,
        tags: { Name: `${props.namePrefix}-nat-${zone}` },
        dependsOn: [internetGateway],
      });
    }

    for (const zone of zones) {
      const natGateway = this.natGateways[props.natGateways === "per-az" ? zone : zones[0]];
      this.privateRouteTables[zone] = new RouteTable(this, `private_route_table_${zone}`, {
        vpcId: this.vpc.id,
        route: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }],
        tags: { Name: `${props.namePrefix}-private-${zone}` },
      });
    }

    // Interface endpoints: the network layer's own private subnets, one per zone, from endpointCidr.
    const endpointBlocks = splitCidr(props.endpointCidr, slots);
    this.endpointSubnetIds = zones.map(
      (zone) => subnet("endpoints", "private", zone, endpointBlocks[slotOf(zone)], this.privateRouteTables[zone]).id,
    );

    for (const [environment, environmentCidr] of environments) {
      // Public subnets take the slice's first half, private ones the second; each zone its letter's slot.
      const blocks = splitCidr(environmentCidr, slots * 2);
      this.privateRanges[environment] = splitCidr(environmentCidr, 2)[1];
      const byZone: Record<string, { publicSubnetId: string; privateSubnetId: string }> = {};
      for (const zone of zones) {
        const slot = slotOf(zone);
        byZone[zone] = {
          publicSubnetId: subnet(environment, "public", zone, blocks[slot], this.publicRouteTable).id,
          privateSubnetId: subnet(environment, "private", zone, blocks[slots + slot], this.privateRouteTables[zone]).id,
        };
      }
      this.subnets[environment] = {
        publicSubnetIds: zones.map((zone) => byZone[zone].publicSubnetId),
        privateSubnetIds: zones.map((zone) => byZone[zone].privateSubnetId),
        byZone,
      };
    }

    const isolated = new Set(props.isolatedEnvironments);
    new NetworkAcls(this, "acls", {
      namePrefix: props.namePrefix,
      vpcId: this.vpc.id,
      vpcCidr: props.cidr,
      defaultNetworkAclId: this.vpc.defaultNetworkAclId,
      environments: environments.map(([name, cidr]) => ({
        name,
        cidr,
        subnetIds: owned[name],
        isolated: isolated.has(name),
        sshCidrs: props.sshFrom?.environment === name ? props.sshFrom.cidrs : [],
      })),
      nat: { cidr: props.natCidr, subnetIds: owned.nat },
      endpoints: { cidr: props.endpointCidr, subnetIds: owned.endpoints },
    });
  }
}
