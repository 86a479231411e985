/**
 * A deliberately positional network, the way this repository built it before identities were
 * fixed: construct ids are positions in lists, each slice is split by the current zone count, the
 * NAT gateway sits in the first environment's subnet, and each subnet carries the order of its
 * environment file's keys. It exists only to prove that the identity checks can fail.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { TerraformStack } from "cdktf";
import { parse } from "yaml";
import type { Vars } from "../../config/schema";
import { splitCidr } from "../../lib/cidr";
import { createApp } from "../../stacks/app";
import { SynthesizedApp, SynthesizedStack } from "./synth";

export function synthPositionalNetwork(vars: Vars, environmentsDir: string): SynthesizedApp {
  const app = createApp(join(environmentsDir, "..", `positional-${process.pid}`));
  const stack = new TerraformStack(app, "network");
  new AwsProvider(stack, "aws", { region: vars.region });
  const zones = vars.network.availabilityZones;
  const subnets: Subnet[] = [];
  // Zone by zone, environment by environment: one flat list, so every id after an insertion shifts.
  zones.forEach((zone, index) => {
    for (const environment of Object.values(vars.environments)) {
      const rawKeys = Object.keys(parse(readFileSync(join(environmentsDir, `${environment.name}.yaml`), "utf8")));
      subnets.push(
        new Subnet(stack, `subnet_${subnets.length}`, {
          vpcId: "vpc-positional",
          cidrBlock: splitCidr(environment.cidr, zones.length * 2)[index],
          availabilityZone: zone,
          tags: { environment: environment.name, sections: rawKeys.join(",") },
        }),
      );
    }
  });
  new NatGateway(stack, "nat_gateway", { subnetId: subnets[0].id });
  app.synth();
  const file = join(app.outdir, "stacks", "network", "cdk.tf.json");
  return new SynthesizedApp(app.outdir, {
    network: new SynthesizedStack("network", JSON.parse(readFileSync(file, "utf8"))),
  });
}
