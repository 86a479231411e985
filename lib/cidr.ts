/** IPv4 CIDR arithmetic done at synth time, so the plan shows literal subnets that tests can assert. */

export interface Ipv4Block {
  readonly network: number;
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns an error string instead of throwing so callers can name the input. */
export function parseCidr(text: string): Ipv4Block | string {
  const match = CIDR_PATTERN.exec(text);
  if (!match) return `"${text}" is not an IPv4 CIDR block like 10.0.0.0/16`;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255)) return `"${text}" has an octet above 255`;
  if (prefix > 32) return `"${text}" has a prefix length above 32`;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const network = (address & prefixMask(prefix)) >>> 0;
  if (network !== address) {
    return `"${text}" has host bits set; the network address is ${formatCidr({ network, prefix })}`;
  }
  return { network, prefix };
}

export function mustParseCidr(text: string): Ipv4Block {
  const parsed = parseCidr(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function blockSize(block: Ipv4Block): number {
  return 2 ** (32 - block.prefix);
}

export function formatCidr(block: Ipv4Block): string {
  const n = block.network;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${block.prefix}`;
}

export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.network < b.network + blockSize(b) && b.network < a.network + blockSize(a);
}

export function contains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return (
    inner.prefix >= outer.prefix &&
    inner.network >= outer.network &&
    inner.network + blockSize(inner) <= outer.network + blockSize(outer)
  );
}

/** Splits `cidr` into `count` equal subnets (count rounded up to a power of two), in address order. */
export function splitCidr(cidr: string, count: number): string[] {
  const block = mustParseCidr(cidr);
  const prefix = splitPrefix(block.prefix, count);
  if (prefix > SMALLEST_SUBNET_PREFIX) {
    throw new Error(`${cidr} is too small for ${count} subnets (AWS subnets are /28 at the smallest)`);
  }
  const size = 2 ** (32 - prefix);
  return Array.from({ length: count }, (_, index) => formatCidr({ network: block.network + index * size, prefix }));
}

/** The prefix length of a subnet when `cidr`'s prefix is split `count` ways (count rounded up to a power of two). */
export function splitPrefix(prefix: number, count: number): number {
  return prefix + Math.ceil(Math.log2(Math.max(count, 1)));
}

/** AWS subnets are /28 at the smallest. */
export const SMALLEST_SUBNET_PREFIX = 28;

/** The largest prefix (smallest slice) that still splits `count` ways into subnets AWS accepts. */
export function largestPrefixFor(count: number): number {
  return SMALLEST_SUBNET_PREFIX - Math.ceil(Math.log2(Math.max(count, 1)));
}
