/**
 * Availability-zone slots. A subnet's place inside its CIDR slice comes from its zone's letter
 * (eu-central-1a → slot 0, …1b → slot 1), never from its position in the configured list, and
 * every slice is split for the most zones its region offers: adding, removing or reordering zones
 * leaves every other subnet's CIDR as it was.
 */

/** The last zone letter each region offers (its zones are a..that letter, some skipped). */
const LAST_ZONE_LETTER: Readonly<Record<string, string>> = {
  "eu-central-1": "c",
  "eu-central-2": "c",
  "eu-west-1": "c",
  "eu-west-2": "c",
  "eu-west-3": "c",
  "eu-north-1": "c",
  "eu-south-1": "c",
  "us-east-1": "f",
  "us-east-2": "c",
  "us-west-1": "c",
  "us-west-2": "d",
  "ca-central-1": "d",
  "ap-northeast-1": "d",
  "ap-southeast-1": "c",
  "ap-southeast-2": "c",
};
/** Regions not in the table: room for zones a..f, the most any region offers (us-east-1). */
export const DEFAULT_LAST_ZONE_LETTER = "f";

/** The zone letters `region` may use, e.g. "abc" for eu-central-1. */
export function zoneLetters(region: string): string {
  const last = LAST_ZONE_LETTER[region] ?? DEFAULT_LAST_ZONE_LETTER;
  return "abcdefghijklmnopqrstuvwxyz".slice(0, last.charCodeAt(0) - 96);
}

/** Slots every slice is split into per tier: the region's zone count, rounded up to a power of two (4 for eu-central-1). */
export function zoneSlotCount(region: string): number {
  return 2 ** Math.ceil(Math.log2(zoneLetters(region).length));
}

/** The slot of `zone` in `region`, or undefined when it is not one of the region's zones. */
export function zoneSlot(region: string, zone: string): number | undefined {
  const letter = zone.startsWith(region) ? zone.slice(region.length) : "";
  if (!/^[a-z]$/.test(letter)) return undefined;
  const slot = letter.charCodeAt(0) - 97;
  return slot < zoneLetters(region).length ? slot : undefined;
}

/** The zones in a stable order (by name), so that reordering the configured list changes nothing. */
export function sortedZones(zones: readonly string[]): string[] {
  return [...zones].sort();
}
