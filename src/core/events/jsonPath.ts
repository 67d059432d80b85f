/** One step into a JSON document: an object key or an array index. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Renders a path inside a delivery as `[2].data.Version`, `data["ObjectName "]`, or `$` for the delivery
 * itself.
 * Keys that are not plain identifiers are quoted so a stray space in a key name stays visible.
 */
export function formatJsonPath(segments: readonly PathSegment[]): string {
  if (segments.length === 0) return "$";
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
