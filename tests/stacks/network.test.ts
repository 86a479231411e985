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

  it("gives each environment a public and a private subnet in each of two AZs, from its own slice", () => {
    const subnets = network.resourceList("aws_subnet");
    const summary = subnets
      .map(
        (subnet) => `${subnet.tags.environment} ${subnet.tags.tier} ${subnet.availability_zone} ${subnet.cidr_block}`,
      )
      .sort();
    expect(summary).toEqual([
      "dev private eu-central-1a 10.0.24.0/22",
      "dev private eu-central-1b 10.0.28.0/22",
      "dev public eu-central-1a 10.0.16.0/22",
      "dev public eu-central-1b 10.0.20.0/22",
      "mgmt private eu-central-1a 10.0.8.0/22",
      "mgmt private eu-central-1b 10.0.12.0/22",
      "mgmt public eu-central-1a 10.0.0.0/22",
      "mgmt public eu-central-1b 10.0.4.0/22",
      "prod private eu-central-1a 10.0.40.0/22",
      "prod private eu-central-1b 10.0.44.0/22",
      "prod public eu-central-1a 10.0.32.0/22",
      "prod public eu-central-1b 10.0.36.0/22",
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
    expect(publicAssociations).toHaveLength(6);
  });

  it("shares one NAT gateway by default, and routes every private subnet through it", () => {
    expect(network.resourceList("aws_nat_gateway")).toHaveLength(1);
    const privateTables = Object.entries(network.resources("aws_route_table")).filter(([name]) =>
      name.includes("private"),
    );
    expect(privateTables).toHaveLength(2);
    for (const [, table] of privateTables) {
      expect(table.route[0].nat_gateway_id).toMatch(/aws_nat_gateway\.network_nat_gateway_0_/);
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
    const endpoint = network.resource("aws_vpc_endpoint");
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
