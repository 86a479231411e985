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

export function result(id: string, resource: string, passed: boolean, message: string): RuleResult {
  return { id, resource, passed, message };
}
