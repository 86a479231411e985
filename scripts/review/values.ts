/**
 * Attribute values as a review shows them: the paths that changed between two values (JSON strings
 * such as IAM policies and container definitions are compared inside), and each value printed
 * short, with anything that looks secret masked. A review is pasted into pull requests: it must
 * never carry a password, a token or a private key, whatever the resource.
 */

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON is untyped by nature.
export type Json = Record<string, any>;

/** One leaf that differs: its path (`health_check.path`, `policy.Statement[1].Action[0]`). */
export interface ValueChange {
  readonly path: string;
  /** `undefined`: absent on that side. */
  readonly before: unknown;
  readonly after: unknown;
  /** The path or its neighbourhood looks secret: print it masked. */
  readonly sensitive: boolean;
}

/** Attribute names whose values are never printed. */
const SECRET_NAME =
  /(^|_|-)(password|passwd|passphrase|secret|secrets|token|tokens|private_?key|api_?key|access_?key|credentials?|auth_?token)($|_|-)/i;
/** Names that match the pattern above but hold a setting, not a secret. */
const NOT_SECRET = new Set(["http_tokens"]);
/** Values that are secrets whatever their attribute is called. */
const SECRET_VALUE = /-----BEGIN [A-Z ]*PRIVATE KEY-----|\bAKIA[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}/;

export const MASKED = "(sensitive)";
export const ABSENT = "(none)";
/** Longer values are cut in the middle, and their length said. */
const LONGEST_SHOWN = 64;

export function isSecretName(name: string): boolean {
  return !NOT_SECRET.has(name) && SECRET_NAME.test(name);
}

/** The last name of a path: `ingress[0].cidr_blocks[2]` → `cidr_blocks`. */
function lastName(path: string): string {
  return schemaPath(path).split(".").at(-1) ?? "";
}

/** A path without list indices: `ingress[0].from_port` → `ingress.from_port`, `subnets[]` → `subnets`. */
export function schemaPath(path: string): string {
  return path.replace(/\[\d*\]/g, "");
}

function parsedJson(value: unknown): unknown {
  if (typeof value !== "string" || !/^\s*[[{]/.test(value)) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

/** An object of the form `{ name: "DB_PASSWORD", value: ... }` (container environment, tags). */
const namesSecret = (object: Json | undefined) => typeof object?.name === "string" && isSecretName(object.name);

/**
 * Every leaf that differs between `before` and `after`, by path. Keys named `//` (cdktf's metadata)
 * are not Terraform's and are skipped; JSON strings on both sides are compared inside.
 */
export function valueChanges(before: unknown, after: unknown, path = "", sensitive = false): ValueChange[] {
  if (before === after) return [];
  const secret = sensitive || isSecretName(lastName(path));
  const beforeJson = parsedJson(before);
  const afterJson = parsedJson(after);
  if (beforeJson !== undefined && afterJson !== undefined) return valueChanges(beforeJson, afterJson, path, secret);
  // A list or block on one side only is compared leaf by leaf with nothing, so each of its settings
  // shows (and is judged) on its own.
  const absentOr = (value: unknown, test: (other: unknown) => boolean) => value === undefined || test(value);
  if (Array.isArray(before) && Array.isArray(after) && [...before, ...after].every(isScalar)) {
    return scalarListChanges(before, after, path, secret);
  }
  if (
    (Array.isArray(before) || Array.isArray(after)) &&
    absentOr(before, Array.isArray) &&
    absentOr(after, Array.isArray)
  ) {
    const [from, to] = [(before ?? []) as unknown[], (after ?? []) as unknown[]];
    return Array.from({ length: Math.max(from.length, to.length) }, (_, index) =>
      valueChanges(from[index], to[index], `${path}[${index}]`, secret),
    ).flat();
  }
  if ((isObject(before) || isObject(after)) && absentOr(before, isObject) && absentOr(after, isObject)) {
    const [from, to] = [(before ?? {}) as Json, (after ?? {}) as Json];
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].filter((key) => key !== "//").sort();
    return keys.flatMap((key) => {
      const valueOfSecret = key === "value" && (namesSecret(from) || namesSecret(to));
      return valueChanges(from[key], to[key], join(path, key), secret || valueOfSecret);
    });
  }
  if (JSON.stringify(withoutMetadata(before)) === JSON.stringify(withoutMetadata(after))) return [];
  return [{ path, before, after, sensitive: secret }];
}

const isScalar = (value: unknown) => ["string", "number", "boolean"].includes(typeof value);

/**
 * Lists of plain values (CIDRs, subnet ids, a policy's actions) compared as what they hold: an item
 * inserted in a sorted list is one added item at `path[]`, not every later index changing. A list
 * whose items only moved is one change of the whole list.
 */
function scalarListChanges(before: unknown[], after: unknown[], path: string, sensitive: boolean): ValueChange[] {
  const removed = before.filter((item) => !after.includes(item));
  const added = after.filter((item) => !before.includes(item));
  if (removed.length === 0 && added.length === 0) {
    const reordered = before.length !== after.length || before.some((item, index) => item !== after[index]);
    return reordered ? [{ path, before, after, sensitive }] : [];
  }
  return [
    ...removed.map((item) => ({ path: `${path}[]`, before: item, after: undefined, sensitive })),
    ...added.map((item) => ({ path: `${path}[]`, before: undefined, after: item, sensitive })),
  ];
}

function withoutMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "//")
      .map(([key, child]) => [key, withoutMetadata(child)]),
  );
}

/** `value` with every secret-looking attribute (and secret-named `value`) replaced by the mask. */
function masked(value: unknown, sensitive: boolean): unknown {
  if (sensitive) return MASKED;
  if (typeof value === "string") return SECRET_VALUE.test(value) ? MASKED : value;
  if (Array.isArray(value)) return value.map((item) => masked(item, false));
  if (!isObject(value)) return value;
  const secretValue = namesSecret(value);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "//")
      .map(([key, child]) => [key, masked(child, isSecretName(key) || (key === "value" && secretValue))]),
  );
}

/** `text` cut in the middle to at most `longest` characters (ARNs and paths end in what matters). */
export function abbreviate(text: string, longest = LONGEST_SHOWN): string {
  if (text.length <= longest) return text;
  const tail = Math.floor((longest - 1) / 2);
  return `${text.slice(0, longest - 1 - tail)}…${text.slice(-tail)}`;
}

/** How a review prints one value: short, quoted strings, secrets masked, absent as `(none)`. */
export function showValue(value: unknown, sensitive = false): string {
  if (value === undefined) return ABSENT;
  const safe = masked(value, sensitive);
  if (safe === MASKED) return MASKED;
  const text = typeof safe === "string" ? safe : JSON.stringify(safe);
  const shown = typeof safe === "string" ? JSON.stringify(abbreviate(text)) : abbreviate(text);
  return text.length > LONGEST_SHOWN ? `${shown} (${text.length} chars)` : shown;
}
