function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Applies a JSON merge patch (RFC 7386, the body ARM's PATCH takes) to `target` and returns the
 * result; neither argument is changed. An object in the patch merges into the target's object, a
 * `null` removes the member, anything else (arrays included) replaces it.
 */
export function applyJsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const base: Record<string, unknown> = isObject(target) ? target : {};
  const removed = new Set(
    Object.entries(patch)
      .filter(([, value]) => value === null)
      .map(([name]) => name),
  );
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(base)) {
    if (!removed.has(name) && !(name in patch)) result[name] = structuredClone(value);
  }
  for (const [name, value] of Object.entries(patch)) {
    if (value !== null) result[name] = applyJsonMergePatch(base[name], value);
  }
  return result;
}
