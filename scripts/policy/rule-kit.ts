/** What every project policy rule is made of: the result shape and readers of synthesized Terraform JSON. */

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is untyped by nature.
export type Json = Record<string, any>;

export interface RuleResult {
  readonly id: string;
  readonly resource: string;
  readonly passed: boolean;
  readonly message: string;
}

export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly check: (stack: Json) => RuleResult[];
}

export function resourcesOf(stack: Json, ...types: string[]): Array<[string, Json]> {
  return types.flatMap((type) =>
    Object.entries((stack.resource?.[type] ?? {}) as Record<string, Json>).map(
      ([name, body]) => [`${type}.${name}`, body] as [string, Json],
    ),
  );
}

/** cdktf writes a single nested block as an object and repeated ones as arrays. */
export function blocks(value: unknown): Json[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as Json[];
}

/** `text` parsed as JSON, or undefined when it is not JSON (a Terraform interpolation, say). */
export function parsed(text: unknown): Json | undefined {
  try {
    return JSON.parse(String(text));
  } catch {
    return undefined;
  }
}

/** A value or a list of them, as strings (IAM's Action, Resource and condition values). */
export const list = (value: unknown): string[] => blocks(value).map(String);

/** The statements of an IAM policy document given as JSON text; none when it is not JSON. */
export const statementsOf = (policy: unknown): Json[] => blocks(parsed(policy)?.Statement);

/** The name of the `<type>` resource that `value` references (`${<type>.<name>.<attribute>}`), of any
 *  attribute or of the one given. */
export const referenced = (value: unknown, type: string, attribute = "[a-z_]+") =>
  new RegExp(`^\\$\\{${type}\\.([^.}]+)\\.${attribute}\\}$`).exec(String(value ?? ""))?.[1];

/** An IAM glob (`*` any run of characters, `?` one) as a whole-string regular expression; a Terraform
 *  interpolation in it counts as `*`. IAM compares actions case-insensitively, ARNs case-sensitively. */
export function iamGlob(pattern: string, caseInsensitive = false): RegExp {
  const body = pattern
    .split(/\$\{[^}]*\}/)
    .map((part) =>
      part
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, "."),
    )
    .join(".*");
  return new RegExp(`^${body}$`, caseInsensitive ? "is" : "s");
}

/** Whether an Allow statement grants `action`: an Action glob covers it, or a NotAction excludes it not. */
export function allowsAction(statement: Json, action: string): boolean {
  if (statement.Effect !== "Allow") return false;
  const covers = (patterns: unknown) => list(patterns).some((pattern) => iamGlob(pattern, true).test(action));
  return statement.NotAction !== undefined ? !covers(statement.NotAction) : covers(statement.Action);
}

export function result(id: string, resource: string, passed: boolean, message: string): RuleResult {
  return { id, resource, passed, message };
}

/** One result per ECS task definition of `stack`: `judge` sees its containers (parsed from
 *  container_definitions) and says whether they pass and why; a definition that is not literal JSON
 *  fails, since nothing can be proven of it. */
export function eachTaskDefinition(
  stack: Json,
  id: string,
  judge: (containers: Json[]) => { readonly passed: boolean; readonly message: string },
): RuleResult[] {
  return resourcesOf(stack, "aws_ecs_task_definition").map(([address, task]) => {
    let containers: Json[];
    try {
      containers = JSON.parse(String(task.container_definitions));
    } catch {
      return result(id, address, false, "container_definitions is not literal JSON; cannot prove it safe");
    }
    const verdict = judge(containers);
    return result(id, address, verdict.passed, verdict.message);
  });
}
