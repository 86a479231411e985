/**
 * Per-resource policy waivers (policy-waivers.yaml): each names a check, the Terraform address it
 * is waived for, and why. checkov runs with no skips at all; a failed check counts as waived only
 * when a waiver names its check and its resource, so a new resource — a new address — is checked
 * like any other. `*` in an address stands for the part of a name that environments vary (every
 * environment's hosted zone is `aws_route53_zone.<env>_zone`), and `stacks` narrows a waiver to
 * the stacks it is meant for.
 */
import { parse } from "yaml";

export interface Waiver {
  readonly check: string;
  /** A Terraform address `<type>.<name>`; `*` matches any run of name characters. */
  readonly resource: string;
  readonly reason: string;
  /** @default - every stack that has the resource */
  readonly stacks?: readonly string[];
}

/** A failed check as the gate sees it: checkov's check id, resource label and stack. */
export interface Finding {
  readonly check: string;
  /** checkov's label: `<type>.<name>`, or `resource.<name>` for some resource kinds. */
  readonly resource: string;
  readonly stack: string;
}

const MINIMUM_REASON = 30;

/** The waivers of `text`; throws with every problem, each naming the entry and the fix. */
export function parseWaivers(text: string, file = "policy-waivers.yaml"): Waiver[] {
  const entries: unknown = parse(text) ?? [];
  if (!Array.isArray(entries))
    throw new Error(`${file}: expected a list of waivers (- check: ..., resource: ..., reason: ...)`);
  const problems: string[] = [];
  const waivers = entries.flatMap((entry, index): Waiver[] => {
    const where = `${file}: waiver ${index + 1}`;
    const { check, resource, reason, stacks, ...rest } = (entry ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0)
      problems.push(`${where}: unknown key(s) ${unknown.join(", ")}; use check, resource, reason, stacks`);
    if (typeof check !== "string" || !/^CKV2?_[A-Z0-9]+_\d+$/.test(check)) {
      problems.push(`${where}: check must be a checkov id such as CKV_AWS_18`);
    }
    if (typeof resource !== "string" || !/^[a-z0-9_]+\.[A-Za-z0-9_*-]+$/.test(resource)) {
      problems.push(
        `${where}: resource must be a Terraform address <type>.<name> (a * may stand for an environment name)`,
      );
    }
    if (typeof reason !== "string" || reason.trim().length < MINIMUM_REASON) {
      problems.push(`${where}: reason must say why, in at least ${MINIMUM_REASON} characters`);
    }
    if (stacks !== undefined && (!Array.isArray(stacks) || stacks.some((stack) => typeof stack !== "string"))) {
      problems.push(`${where}: stacks must be a list of stack names`);
    }
    return [{ check, resource, reason, ...(stacks === undefined ? {} : { stacks }) } as Waiver];
  });
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return waivers;
}

function addressPattern(resource: string): { type: string; name: RegExp } {
  const [type, name] = resource.split(/\.(.*)/s);
  const escaped = name.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[A-Za-z0-9_-]*");
  return { type, name: new RegExp(`^${escaped}$`) };
}

/** Whether `waiver` covers `finding` (checkov labels some resources `resource.<name>`, without their type). */
export function covers(waiver: Waiver, finding: Finding): boolean {
  if (waiver.check !== finding.check) return false;
  if (waiver.stacks && !waiver.stacks.includes(finding.stack)) return false;
  const [type, name] = finding.resource.split(/\.(.*)/s);
  const pattern = addressPattern(waiver.resource);
  return (type === pattern.type || type === "resource") && pattern.name.test(name ?? "");
}

export interface WaiverVerdict<F extends Finding> {
  /** Failures no waiver covers: the gate fails on these. */
  readonly failed: F[];
  /** Failures a waiver covers, each with its reason. */
  readonly waived: (F & { readonly reason: string })[];
  /** Waivers that covered nothing: stale, to be removed. */
  readonly unused: Waiver[];
}

export function applyWaivers<F extends Finding>(findings: readonly F[], waivers: readonly Waiver[]): WaiverVerdict<F> {
  const used = new Set<Waiver>();
  const failed: F[] = [];
  const waived: (F & { reason: string })[] = [];
  for (const finding of findings) {
    const waiver = waivers.find((candidate) => covers(candidate, finding));
    if (waiver) {
      used.add(waiver);
      waived.push({ ...finding, reason: waiver.reason });
    } else {
      failed.push(finding);
    }
  }
  return { failed, waived, unused: waivers.filter((waiver) => !used.has(waiver)) };
}
