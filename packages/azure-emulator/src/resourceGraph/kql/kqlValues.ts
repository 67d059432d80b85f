/**
 * Value semantics of the subset, following KQL's documented rules for dynamic values and nulls.
 * A predicate evaluates to `true`, `false` or `null` (unknown); `where` keeps only `true`.
 */

/** KQL's three-valued boolean. */
export type Tri = boolean | null;

/** Missing dynamic values and JSON nulls are both KQL null. */
export function isNull(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** KQL `tostring`: null is "", objects and arrays are their JSON text. */
export function kqlToString(value: unknown): string {
  if (isNull(value)) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** `isempty`: null or the empty string. */
export function isEmpty(value: unknown): boolean {
  return isNull(value) || value === "";
}

/**
 * `==`: null with null is null, null with a value is false. Scalars of different types compare by
 * their text, as Resource Graph does for dynamic values (`properties.flag == 'true'`).
 */
export function kqlEquals(left: unknown, right: unknown): Tri {
  if (isNull(left) && isNull(right)) return null;
  if (isNull(left) || isNull(right)) return false;
  if (typeof left === "object" || typeof right === "object")
    return JSON.stringify(left) === JSON.stringify(right);
  if (typeof left === typeof right) return left === right;
  return kqlToString(left) === kqlToString(right);
}

/** `!=`: null with null is null, null with a value is true. */
export function kqlNotEquals(left: unknown, right: unknown): Tri {
  const equal = kqlEquals(left, right);
  return equal === null ? null : !equal;
}

/** `<`, `<=`, `>`, `>=` on two numbers or two strings; anything else (including null) is null. */
export function kqlRelation(op: "<" | "<=" | ">" | ">=", left: unknown, right: unknown): Tri {
  const bothNumbers = typeof left === "number" && typeof right === "number";
  const bothStrings = typeof left === "string" && typeof right === "string";
  if (!bothNumbers && !bothStrings) return null;
  const c = left < right ? -1 : left > right ? 1 : 0;
  return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
}

function isAlphanumeric(ch: string | undefined): boolean {
  return ch !== undefined && /[0-9A-Za-z]/.test(ch);
}

/**
 * `has`: the needle occurs as whole terms, where terms are maximal runs of ASCII letters and
 * digits (so "kv-cmk.vault" has "cmk" but not "cm"). Case-insensitive.
 */
export function hasTerm(haystack: string, needle: string): boolean {
  const text = haystack.toLowerCase();
  const term = needle.toLowerCase();
  if (term === "") return true;
  for (let at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
    const end = at + term.length;
    const startsClean = !isAlphanumeric(term[0]) || !isAlphanumeric(text[at - 1]);
    const endsClean = !isAlphanumeric(term[term.length - 1]) || !isAlphanumeric(text[end]);
    if (startsClean && endsClean) return true;
  }
  return false;
}

function rank(value: unknown): number {
  if (typeof value === "boolean") return 0;
  if (typeof value === "number") return 1;
  if (typeof value === "string") return 2;
  return 3;
}

/** Order of sort keys (nulls are placed by the caller): numbers numerically, strings by code unit. */
export function compareValues(left: unknown, right: unknown): number {
  const byRank = rank(left) - rank(right);
  if (byRank !== 0) return byRank;
  const a = typeof left === "object" ? JSON.stringify(left) : (left as string | number | boolean);
  const b = typeof right === "object" ? JSON.stringify(right) : (right as string | number | boolean);
  return a < b ? -1 : a > b ? 1 : 0;
}
