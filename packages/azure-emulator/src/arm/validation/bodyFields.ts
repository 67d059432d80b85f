/** Reads a nested field of a parsed JSON body; undefined when any step is missing or not an object. */
export function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A nested string field, or undefined when absent or not a string. */
export function stringField(value: unknown, ...path: string[]): string | undefined {
  const found = field(value, ...path);
  return typeof found === "string" ? found : undefined;
}

/** True when the nested field is present (even if null) in a request body. */
export function hasField(value: unknown, ...path: string[]): boolean {
  const parent = field(value, ...path.slice(0, -1));
  const last = path[path.length - 1];
  return (
    last !== undefined &&
    typeof parent === "object" &&
    parent !== null &&
    !Array.isArray(parent) &&
    Object.prototype.hasOwnProperty.call(parent, last)
  );
}

/** Case-insensitive string equality where both may be absent. */
export function sameText(a: string | undefined, b: string | undefined): boolean {
  return (a ?? "").toLowerCase() === (b ?? "").toLowerCase();
}
