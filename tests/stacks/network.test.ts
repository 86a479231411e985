import { describe, expect, it } from "vitest";
import { copyVars, platform, synthPlatform } from "../support/synth";

describe("network: the VPC", () => {
  const network = platform().stack("network");

  it("takes its CIDR from vars and resolves DNS names", () => {
    const vpc = network.resource("aws_vpc");
    expect(vpc.cidr_block).toBe("10.0.0.0/16");
    expect(vpc.enable_dns_support).toBe(true);
    expect(vpc.enable_dns_hostnames).toBe(true);
  });

  it("gives each environment a public and a private subnet in each AZ, at its zone letter's slot of its own slice", () => {
    const subnets = network.resourceList("aws_subnet");
    const summary = subnets
      .map(
        (subnet) => `${subnet.tags.environment} ${subnet.tags.tier} ${subnet.availability_zone} ${subnet.cidr_block}`,
      )
      .sort();
    // eu-central-1 offers zones a, b and c: every slice is split into 4 zone slots per tier, so
    // eu-central-1c can be added later without changing any of these.
    expect(summary).toEqual([
      "dev private eu-central-1a 10.0.24.0/23",
      "dev private eu-central-1b 10.0.26.0/23",
      "dev public eu-central-1a 10.0.16.0/23",
      "dev public eu-central-1b 10.0.18.0/23",
      "endpoints private eu-central-1a 10.0.241.0/26",
      "endpoints private eu-central-1b 10.0.241.64/26",
      "mgmt private eu-central-1a 10.0.8.0/23",
      "mgmt private eu-central-1b 10.0.10.0/23",
      "mgmt public eu-central-1a 10.0.0.0/23",
      "mgmt public eu-central-1b 10.0.2.0/23",
      "nat public eu-central-1a 10.0.240.0/26",
      "nat public eu-central-1b 10.0.240.64/26",
      "prod private eu-central-1a 10.0.40.0/23",
      "prod private eu-central-1b 10.0.42.0/23",
      "prod public eu-central-1a 10.0.32.0/23",
      "prod public eu-central-1b 10.0.34.0/23",
    ]);
  });

  it("never gives instances a public address by default", () => {
    for (const subnet of network.resourceList("aws_subnet")) expect(subnet.map_public_ip_on_launch).toBe(false);
  });

  it("routes public subnets to the internet gateway", () => {
    const table = network.resource("aws_route_table", "public_route_table");
    expect(table.route).toEqual([
      expect.objectContaining({
        cidr_block: "0.0.0.0/0",
        gateway_id: expect.stringContaining("aws_internet_gateway."),
      }),
    ]);
    const publicAssociations = network
      .resourceList("aws_route_table_association")
      .filter((association) => association.route_table_id.includes("public_route_table"));
    // Three environments and the NAT subnets, in two zones each.
    expect(publicAssociations).toHaveLength(8);
  });

  it("shares one NAT gateway by default, in the network layer's own subnet of the first zone by name", () => {
    const gateway = network.resource("aws_nat_gateway");
    expect(gateway.subnet_id).toMatch(/aws_subnet\.network_nat_public_eu-central-1a_/);
    const privateTables = Object.entries(network.resources("aws_route_table")).filter(([name]) =>
      name.includes("private"),
    );
    expect(privateTables).toHaveLength(2);
    for (const [, table] of privateTables) {
      expect(table.route[0].nat_gateway_id).toMatch(/aws_nat_gateway\.network_nat_gateway_eu-central-1a_/);
    }
  });

  it("puts one NAT gateway in each AZ when vars ask for per-az", () => {
    const vars = copyVars();
    vars.network.natGateways = "per-az";
    const perAz = synthPlatform(vars).stack("network");
    const gateways = Object.keys(perAz.resources("aws_nat_gateway"));
    expect(gateways).toHaveLength(2);
    const routes = Object.entries(perAz.resources("aws_route_table"))
      .filter(([name]) => name.includes("private"))
      .map(([, table]) => table.route[0].nat_gateway_id);
    expect(new Set(routes).size).toBe(2);
  });

  it("empties the default security group so nothing uses it by accident", () => {
    const group = network.resource("aws_default_security_group");
    expect(group.ingress).toEqual([]);
    expect(group.egress).toEqual([]);
  });

  it("records every flow of the VPC into a KMS-encrypted log group kept for a year", () => {
    const flowLog = network.resource("aws_flow_log");
    expect(flowLog.traffic_type).toBe("ALL");
    expect(flowLog.log_destination_type).toBe("cloud-watch-logs");
    expect(flowLog.vpc_id).toMatch(/aws_vpc\./);
    const logGroup = network.resource("aws_cloudwatch_log_group");
    expect(flowLog.log_destination).toMatch(/aws_cloudwatch_log_group\..*\.arn/);
    expect(logGroup.retention_in_days).toBe(365);
    expect(logGroup.kms_key_id).toMatch(/aws_kms_key\..*\.arn/);
    expect(network.resource("aws_kms_key").enable_key_rotation).toBe(true);
  });

  it("lets S3 traffic (ECR layers, state) bypass NAT through a gateway endpoint on every route table", () => {
    const endpoint = network.resource("aws_vpc_endpoint", "s3_gateway_endpoint");
    expect(endpoint.service_name).toBe("com.amazonaws.eu-central-1.s3");
    expect(endpoint.vpc_endpoint_type).toBe("Gateway");
    expect(endpoint.route_table_ids).toHaveLength(3);
  });

  it("refuses fewer than two availability zones", () => {
    const vars = copyVars();
    vars.network.availabilityZones = ["eu-central-1a"];
    expect(() => synthPlatform(vars)).toThrow(/at least two availabilityZones/);
  });
});
