/** What {@link parseResourceIdFast} reads of a resource id: what `parseResourceId` would say. */
export interface ResourceIdAndType {
  /** The id as given (the common shape has no trailing slash and no empty segment). */
  readonly id: string;
  /** Full type, e.g. `Microsoft.Compute/disks` or `Microsoft.CognitiveServices/accounts/deployments`. */
  readonly type: string;
}

/**
 * True when `id` from `start` to `end` is `providers` in any case. No other character lower-cases
 * to one of its letters, so ASCII folding decides as `toLowerCase` would.
 */
function isProvidersSegment(id: string, start: number, end: number): boolean {
  if (end - start !== 9) return false;
  for (let i = 0; i < 9; i++) {
    const code = id.charCodeAt(start + i);
    const folded = code >= 0x41 && code <= 0x5a ? code | 0x20 : code;
    if (folded !== "providers".charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The id and type `parseResourceId` gives for a resource id of the common shape
 * (`/subscriptions/{s}/resourceGroups/{g}/providers/{Namespace}/{type}/{name}[/{type}/{name}]...`,
 * spelled as ARM spells it, no extension resource), read in one pass with no regular expression,
 * array or copy of the id. Undefined for every other id, valid or not: ask `parseResourceId` then.
 * A property test holds the two equal wherever this one answers.
 */
export function parseResourceIdFast(id: string): ResourceIdAndType | undefined {
  const length = id.length;
  if (!id.startsWith("/subscriptions/")) return undefined;
  // What parseResourceId refuses or rewrites (control characters, `\`, `?`, `#`, empty or dot
  // segments, a trailing slash) and segments starting with `%` all take the general way.
  for (let i = 0; i < length; i++) {
    const code = id.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c || code === 0x3f || code === 0x23) return undefined;
    if (code === 0x2f /* / */) {
      const next = id.charCodeAt(i + 1);
      if (i === length - 1 || next === 0x2f || next === 0x2e /* . */ || next === 0x25 /* % */)
        return undefined;
    }
  }
  const subscriptionEnd = id.indexOf("/", 15);
  if (subscriptionEnd < 0 || !id.startsWith("resourceGroups/", subscriptionEnd + 1)) return undefined;
  const groupEnd = id.indexOf("/", subscriptionEnd + 16);
  if (groupEnd < 0 || !id.startsWith("providers/", groupEnd + 1)) return undefined;
  const namespaceStart = groupEnd + 11;
  const namespaceEnd = id.indexOf("/", namespaceStart);
  if (namespaceEnd < 0) return undefined;
  const dot = id.indexOf(".", namespaceStart);
  if (dot < 0 || dot > namespaceEnd) return undefined;
  let type = "";
  let childTypes = "";
  let at = namespaceEnd + 1;
  while (at < length) {
    const typeEnd = id.indexOf("/", at);
    if (typeEnd < 0) return undefined;
    const nameEnd = id.indexOf("/", typeEnd + 1);
    const end = nameEnd < 0 ? length : nameEnd;
    // A `providers` segment after the first makes an extension resource (or an error).
    if (isProvidersSegment(id, at, typeEnd) || isProvidersSegment(id, typeEnd + 1, end)) return undefined;
    if (type === "") type = id.slice(namespaceStart, typeEnd);
    else childTypes += `/${id.slice(at, typeEnd)}`;
    at = end + 1;
  }
  if (type === "") return undefined;
  return { id, type: childTypes === "" ? type : type + childTypes };
}
