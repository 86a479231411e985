/**
 * Network ACLs as AWS evaluates them, for the project rules: rules in ascending number, the first
 * that matches a packet decides, none matching denies. Read conservatively: a rule whose range only
 * overlaps the peer, or whose network is not a literal CIDR, allows (if it allows) but never counts
 * as a deny of the whole peer, so a verdict of "deny" holds for every address and port probed.
 */
import { contains, type Ipv4Block, overlaps, parseCidr } from "../../lib/cidr";
import type { Json } from "./rule-kit";

/** What a packet carries that an ACL rule matches on. */
export interface Probe {
  readonly protocol: "tcp" | "udp" | "icmp" | "gre";
  /** tcp and udp only. */
  readonly port?: number;
}

/** Ports and protocols that cover what anything on the platform listens to or answers on. */
export const PROBES: readonly Probe[] = [
  ...[22, 80, 443, 3389, 5432, 8080, 33000, 65535].map((port): Probe => ({ protocol: "tcp", port })),
  { protocol: "udp", port: 53 },
  { protocol: "udp", port: 33000 },
  { protocol: "icmp" },
  { protocol: "gre" },
];

const PROTOCOL_NUMBERS: Readonly<Record<string, string>> = { tcp: "6", udp: "17", icmp: "1", gre: "47", all: "-1" };

const protocolNumber = (protocol: unknown) => {
  const text = String(protocol ?? "").toLowerCase();
  return PROTOCOL_NUMBERS[text] ?? text;
};

/** "all" when the rule covers every packet of the probe's kind, "some" when part of them, else "none". */
function coverage(rule: Json, probe: Probe): "all" | "some" | "none" {
  const protocol = protocolNumber(rule.protocol);
  if (protocol === "-1") return "all";
  if (protocol !== PROTOCOL_NUMBERS[probe.protocol]) return "none";
  if (probe.protocol === "icmp") {
    const type = rule.icmp_type;
    return type === undefined || type === null || Number(type) === -1 ? "all" : "some";
  }
  if (probe.port === undefined) return "all";
  return Number(rule.from_port) <= probe.port && probe.port <= Number(rule.to_port) ? "all" : "none";
}

/** Whether `rules` (one direction of an ACL) let any packet of `probe` pass to or from any address of `peer`. */
export function admits(rules: readonly Json[], peer: Ipv4Block, probe: Probe): boolean {
  const ordered = [...rules].sort((a, b) => Number(a.rule_no) - Number(b.rule_no));
  for (const rule of ordered) {
    const covered = coverage(rule, probe);
    if (covered === "none") continue;
    if (!rule.cidr_block && rule.ipv6_cidr_block) continue; // an IPv6 rule never matches an IPv4 peer
    const network = parseCidr(String(rule.cidr_block ?? ""));
    const allows = String(rule.action ?? rule.rule_action).toLowerCase() === "allow";
    if (typeof network === "string") {
      if (allows) return true; // a network we cannot read may include the peer
      continue;
    }
    if (!overlaps(network, peer)) continue;
    if (allows) return true;
    if (covered === "all" && contains(network, peer)) return false;
  }
  return false;
}
