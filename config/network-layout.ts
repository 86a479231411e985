/**
 * The VPC's layout rules, checked across common.yaml and the environment files: every slice lies
 * in the VPC, no two overlap, none overlaps the network layer's own slices (NAT, endpoints), and each is large
 * enough to hold a public and a private subnet for every zone slot of the region — so that adding
 * a zone or an environment never needs another slice to change.
 */
import { contains, formatCidr, largestPrefixFor, mustParseCidr, overlaps, parseCidr } from "../lib/cidr";
import { zoneLetters, zoneSlot, zoneSlotCount } from "../lib/zones";
import type { CommonVars, EnvironmentVars } from "./schema";

/** Public and private subnets per zone slot: the split of every environment slice. */
export const TIERS = ["public", "private"] as const;

/**
 * Problems as "file: key: what is wrong; how to fix it" lines. `show` turns a file name of the
 * environments folder into the name printed.
 */
export function networkLayoutProblems(
  common: CommonVars,
  environments: readonly EnvironmentVars[],
  show: (file: string) => string,
  commonFile: string,
): string[] {
  const problems: string[] = [];
  const { network, region } = common;
  const letters = zoneLetters(region);
  for (const zone of network.availabilityZones) {
    if (zoneSlot(region, zone) === undefined) {
      problems.push(
        `${show(commonFile)}: network.availabilityZones: "${zone}" is not a zone of ${region}; use ${[...letters].map((letter) => `${region}${letter}`).join(", ")}`,
      );
    }
  }
  const duplicates = network.availabilityZones.filter((zone, index, all) => all.indexOf(zone) !== index);
  for (const zone of new Set(duplicates)) {
    problems.push(`${show(commonFile)}: network.availabilityZones: "${zone}" is listed twice; list each zone once`);
  }

  const slots = zoneSlotCount(region);
  const vpc = mustParseCidr(network.cidr);
  const sizeRule = (what: string, count: number) =>
    `${what} is split into ${count} subnets (${region} offers zones ${letters.split("").join(", ")}: ${slots} slots)`;
  // The network layer's own slices: NAT gateways' public subnets and the interface endpoints' private ones.
  const layerSlices = [
    { key: "natCidr", cidr: network.natCidr, holds: "the NAT gateways' subnets" },
    { key: "endpointCidr", cidr: network.endpointCidr, holds: "the interface endpoints' subnets" },
  ].map((slice) => ({ ...slice, block: mustParseCidr(slice.cidr) }));
  for (const slice of layerSlices) {
    if (!contains(vpc, slice.block)) {
      problems.push(
        `${show(commonFile)}: network.${slice.key}: ${slice.cidr} lies outside network.cidr ${network.cidr}; pick a slice of the VPC`,
      );
    }
    if (slice.block.prefix > largestPrefixFor(slots)) {
      problems.push(
        `${show(commonFile)}: network.${slice.key}: ${slice.cidr} is too small: ${sizeRule("it", slots)}; use a /${largestPrefixFor(slots)} or larger`,
      );
    }
  }
  if (overlaps(layerSlices[0].block, layerSlices[1].block)) {
    problems.push(
      `${show(commonFile)}: network.endpointCidr: ${network.endpointCidr} overlaps network.natCidr ${network.natCidr}; give each its own range`,
    );
  }

  for (const [index, environment] of environments.entries()) {
    const file = show(`${environment.name}.yaml`);
    const block = parseCidr(environment.cidr);
    if (typeof block === "string") continue;
    if (!contains(vpc, block)) {
      problems.push(
        `${file}: cidr: ${environment.cidr} lies outside network.cidr ${network.cidr} in ${commonFile}; pick a slice of the VPC`,
      );
    }
    for (const slice of layerSlices.filter((layerSlice) => overlaps(block, layerSlice.block))) {
      problems.push(
        `${file}: cidr: ${environment.cidr} overlaps network.${slice.key} ${formatCidr(slice.block)} in ${commonFile} (${slice.holds}); pick a range outside it`,
      );
    }
    const smallest = largestPrefixFor(slots * TIERS.length);
    if (block.prefix > smallest) {
      problems.push(
        `${file}: cidr: ${environment.cidr} is too small: ${sizeRule("a slice", slots * TIERS.length)}, /28 at the smallest; use a /${smallest} or larger`,
      );
    }
    for (const other of environments.slice(index + 1)) {
      const otherBlock = parseCidr(other.cidr);
      if (typeof otherBlock !== "string" && overlaps(block, otherBlock)) {
        problems.push(
          `${show(`${other.name}.yaml`)}: cidr: ${other.cidr} overlaps ${environment.cidr} of ${environment.name}.yaml; give each environment its own range`,
        );
      }
    }
  }
  return problems;
}
