/**
 * The promotion road, checked across the environment files: each `service.delivery.promoteFrom`
 * names another application environment that runs the same service, and following the road from
 * any environment ends at one that takes its images from ECR (no cycle).
 */
import type { EnvironmentVars } from "./schema";

const KEY = "service.delivery.promoteFrom";

/** Problems as "file: key: what is wrong; how to fix it" lines (`show` turns a file name into the name printed). */
export function promotionProblems(environments: readonly EnvironmentVars[], show: (file: string) => string): string[] {
  const problems: string[] = [];
  const byName = new Map(environments.filter((env) => env.service).map((env) => [env.name, env]));
  const valid = [...byName.keys()].sort();
  for (const environment of byName.values()) {
    const source = environment.service?.delivery.promoteFrom;
    if (source === undefined) continue;
    const file = show(`${environment.name}.yaml`);
    const from = byName.get(source);
    if (source === environment.name) {
      problems.push(`${file}: ${KEY}: ${source} is this environment; name the environment its images come from`);
    } else if (!from) {
      const others = valid.filter((name) => name !== environment.name);
      const fix = others.length > 0 ? `use one of: ${others.join(", ")}` : "no other one exists: remove promoteFrom";
      problems.push(`${file}: ${KEY}: "${source}" is not an application environment (a file with a service); ${fix}`);
    } else if (from.service?.name !== environment.service?.name) {
      problems.push(
        `${file}: ${KEY}: ${source} runs service "${from.service?.name}", this environment "${environment.service?.name}"; ` +
          "promotion copies one service's images: promote from an environment that runs the same service",
      );
    }
  }
  problems.push(...cycleProblems(byName, show));
  return problems;
}

/** One problem per cycle, reported on the cycle's first environment by name. */
function cycleProblems(byName: ReadonlyMap<string, EnvironmentVars>, show: (file: string) => string): string[] {
  const next = (name: string) => {
    const source = byName.get(name)?.service?.delivery.promoteFrom;
    return source !== undefined && source !== name && byName.has(source) ? source : undefined;
  };
  const reported = new Set<string>();
  const problems: string[] = [];
  for (const start of [...byName.keys()].sort()) {
    const road: string[] = [];
    let current: string | undefined = start;
    while (current !== undefined && !road.includes(current)) {
      road.push(current);
      current = next(current);
    }
    if (current === undefined) continue;
    const cycle = road.slice(road.indexOf(current));
    const first = [...cycle].sort()[0];
    if (reported.has(first)) continue;
    reported.add(first);
    const from = cycle.indexOf(first);
    const ordered = [...cycle.slice(from), ...cycle.slice(0, from), first];
    problems.push(
      `${show(`${first}.yaml`)}: ${KEY}: ${ordered.join(" → ")} (each takes its images from the next) is a cycle, so none of them takes new images from ECR; remove promoteFrom from one of them`,
    );
  }
  return problems;
}
