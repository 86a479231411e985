/**
 * Reads environments/*.yaml, validates each file against the schema and the files against each
 * other, and returns the complete Vars. Every problem is collected and reported with the file,
 * the key and the fix; nothing is written here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { imageProblems } from "./images";
import { networkLayoutProblems } from "./network-layout";
import { notificationProblems, notificationWarnings } from "./operations";
import { promotionProblems } from "./promotion";
import { managementEnvironmentNames } from "./roles";
import { CommonSchema, ENVIRONMENT_NAME, EnvironmentSchema, type EnvironmentVars, type Vars } from "./schema";

export const COMMON_FILE = "common.yaml";

export class VarsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment inputs:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "VarsError";
  }
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(top level)" : path.map(String).join(".");
}

/** Turns zod issues into "file: key: what is wrong; how to fix it" lines. */
function describeIssues(file: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map(
        (key) => `${file}: unknown key "${keyPath([...issue.path, key])}"; remove it or correct its spelling`,
      );
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
      return [`${file}: ${keyPath(issue.path)}: missing required value (${issue.expected}); add it`];
    }
    return [`${file}: ${keyPath(issue.path)}: ${issue.message}`];
  });
}

function readYaml(path: string, displayName: string, problems: string[]): unknown {
  const document = parseDocument(readFileSync(path, "utf8"), { prettyErrors: true });
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const line = error.linePos?.[0]?.line;
      problems.push(
        `${displayName}: malformed YAML${line ? ` at line ${line}` : ""}: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}; fix the syntax`,
      );
    }
    return undefined;
  }
  const value = document.toJS();
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    problems.push(`${displayName}: (top level): expected a mapping of keys to values; write "key: value" lines`);
    return undefined;
  }
  return value;
}

/** `warnings` collects what is valid but worth saying (alarms that reach nobody); `pnpm vars` prints them. */
export function loadVars(environmentsDir: string, cwd = process.cwd(), warnings: string[] = []): Vars {
  const problems: string[] = [];
  const show = (file: string) => {
    const path = join(environmentsDir, file);
    const shown = relative(cwd, path);
    return shown.startsWith("..") ? path : shown;
  };
  const files = readdirSync(environmentsDir).sort();

  for (const file of files.filter((name) => name.endsWith(".yml"))) {
    problems.push(`${show(file)}: environment files end in .yaml; rename it to ${file.replace(/\.yml$/, ".yaml")}`);
  }
  if (!files.includes(COMMON_FILE)) {
    problems.push(`${show(COMMON_FILE)}: missing; create it with the account-wide settings (see README)`);
    throw new VarsError(problems);
  }

  const commonRaw = readYaml(join(environmentsDir, COMMON_FILE), show(COMMON_FILE), problems);
  const common = commonRaw === undefined ? undefined : CommonSchema.safeParse(commonRaw);
  if (common && !common.success) problems.push(...describeIssues(show(COMMON_FILE), common.error.issues));

  const environments: Record<string, EnvironmentVars> = {};
  for (const file of files.filter((name) => name.endsWith(".yaml") && name !== COMMON_FILE)) {
    const name = file.slice(0, -".yaml".length);
    if (!ENVIRONMENT_NAME.test(name)) {
      problems.push(
        `${show(file)}: environment name "${name}" must match [a-z][a-z0-9-]*; rename the file (e.g. ${
          name
            .toLowerCase()
            .replace(/[^a-z0-9-]/g, "-")
            .replace(/^[^a-z]+/, "") || "staging"
        }.yaml)`,
      );
      continue;
    }
    const raw = readYaml(join(environmentsDir, file), show(file), problems);
    if (raw === undefined) continue;
    const parsed = EnvironmentSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...describeIssues(show(file), parsed.error.issues));
      continue;
    }
    environments[name] = { name, ...parsed.data };
  }

  // The promotion road is checked once every file reads: an invalid source file is reported as itself.
  if (problems.length === 0) problems.push(...promotionProblems(Object.values(environments), show));
  if (common?.success) {
    problems.push(...networkLayoutProblems(common.data, Object.values(environments), show, COMMON_FILE));
    problems.push(...imageProblems(common.data, Object.values(environments), show, COMMON_FILE));
    const notified = { notifications: common.data.notifications, environments: Object.values(environments) };
    problems.push(...notificationProblems(notified, show, COMMON_FILE));
    warnings.push(...notificationWarnings(notified, show, COMMON_FILE));
    const managers = managementEnvironmentNames({ environments });
    if (problems.length === 0 && managers.length !== 1) {
      problems.push(
        `${show("*.yaml")}: exactly one environment must declare "management" (the bastion and Jenkins); found ${managers.length}`,
      );
    }
  }

  if (problems.length > 0 || !common?.success) throw new VarsError(problems);
  return { ...common.data, environments };
}
