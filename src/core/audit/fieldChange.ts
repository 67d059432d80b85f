/** One field the service owns, before and after a write (JSON path in the resource, dotted). */
export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const part of path) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** The leaf paths a JSON merge patch sets (an object value is descended into; anything else is a leaf). */
function leafPaths(patch: Record<string, unknown>, prefix: readonly string[] = []): string[][] {
  return Object.entries(patch).flatMap(([key, value]) =>
    isObject(value) && Object.keys(value).length > 0
      ? leafPaths(value, [...prefix, key])
      : [[...prefix, key]],
  );
}

/**
 * The owned fields of a write, before and after: exactly the leaves its merge patch names (the
 * service writes nothing else), read from the resource before the write and as read back after it.
 */
export function ownedFieldChanges(
  patch: Record<string, unknown>,
  before: unknown,
  after: unknown,
): FieldChange[] {
  return leafPaths(patch).map((path) => ({
    path: path.join("."),
    before: at(before, path) ?? null,
    after: at(after, path) ?? null,
  }));
}
