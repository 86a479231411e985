/**
 * Network: one VPC; every environment gets a public and a private subnet in each availability
 * zone, carved from its own CIDR slice. Public subnets route to the internet gateway; private
 * ones through NAT (one shared gateway, or one per AZ).
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

export interface NetworkProps {
  readonly namePrefix: string;
  readonly cidr: string;
  /** At least two, so load balancers and services span AZs. */
  readonly availabilityZones: readonly string[];
  /** Environment name → its slice of `cidr`. */
  readonly environmentCidrs: Readonly<Record<string, string>>;
  /** single: one NAT gateway for all private subnets; per-az: one per AZ (`network.natGateways` in vars). */
  readonly natGateways: "single" | "per-az";
}

export interface EnvironmentSubnets {
  /** One per availability zone, in `availabilityZones` order. */
  readonly publicSubnetIds: string[];
  readonly privateSubnetIds: string[];
}

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly subnets: Record<string, EnvironmentSubnets> = {};
  readonly publicRouteTable: RouteTable;
  readonly privateRouteTables: RouteTable[];
  readonly natGateways: NatGateway[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const natMode = props.natGateways;
    const zones = props.availabilityZones;
    if (zones.length < 2) throw new Error("Network needs at least two availabilityZones for fault tolerance");
    const environments = Object.entries(props.environmentCidrs);
    if (environments.length === 0) throw new Error("Network needs at least one environment CIDR");

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

    const publicByZone: Subnet[][] = zones.map(() => []);
    const privateByZone: Subnet[][] = zones.map(() => []);
    for (const [environment, environmentCidr] of environments) {
      // First half of the slice: public subnets (one per AZ); second half: private ones.
      const blocks = splitCidr(environmentCidr, zones.length * 2);
      const subnetsOf = (tier: "public" | "private", offset: number) =>
        zones.map((zone, index) => {
          const subnet = new Subnet(this, `${environment}_${tier}_${index}`, {
            vpcId: this.vpc.id,
            cidrBlock: blocks[offset + index],
            availabilityZone: zone,
            // Public addresses are given explicitly (EIPs, ALBs), never by default.
            mapPublicIpOnLaunch: false,
            tags: { Name: `${props.namePrefix}-${environment}-${tier}-${zone}`, tier, environment },
          });
          (tier === "public" ? publicByZone : privateByZone)[index].push(subnet);
          return subnet;
        });
      const publicSubnets = subnetsOf("public", 0);
      const privateSubnets = subnetsOf("private", zones.length);
      this.subnets[environment] = {
        publicSubnetIds: publicSubnets.map((subnet) => subnet.id),
        privateSubnetIds: privateSubnets.map((subnet) => subnet.id),
      };
    }

    for (const [index, subnets] of publicByZone.entries()) {
      for (const [position, subnet] of subnets.entries()) {
        new RouteTableAssociation(this, `public_association_${index}_${position}`, {
          subnetId: subnet.id,
          routeTableId: this.publicRouteTable.id,
        });
      }
    }

    // NAT gateways live in the first environment's public subnets.
    const natZones = natMode === "per-az" ? zones.map((_, index) => index) : [0];
    this.natGateways = natZones.map((index) => {
      const address = new Eip(this, `nat_eip_${index}`, {
        domain: "vpc",
        tags: { Name: `${props.namePrefix}-nat-${zones[index]}` },
      });
      return new NatGateway(this, `nat_gateway_${index}`, {
        allocationId: address.id,
        subnetId: publicByZone[index][0].id,
        tags: { Name: `${props.namePrefix}-nat-${zones[index]}` },
        dependsOn: [internetGateway],
      });
    });

    this.privateRouteTables = zones.map((zone, index) => {
      const natGateway = this.natGateways[natMode === "per-az" ? index : 0];
      const table = new RouteTable(this, `private_route_table_${index}`, {
        vpcId: this.vpc.id,
        route: [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }],
        tags: { Name: `${props.namePrefix}-private-${zone}` },
      });
      for (const [position, subnet] of privateByZone[index].entries()) {
        new RouteTableAssociation(this, `private_association_${index}_${position}`, {
          subnetId: subnet.id,
          routeTableId: table.id,
        });
      }
      return table;
    });
  }
}
