/** What {@link parseResourceIdFast} reads of a resource id: what `parseResourceId` would say. */
export interface ResourceIdAndType {
  /** The id as given (the common shape has no trailing slash and no empty segment). */
  readonly id: string;
  /** Full type, e.g. `Microsoft.Compute/disks` or `Microsoft.CognitiveServices/accounts/deployments`. */
  readonly type: string;
}

/**
 * A character of a segment: none of what parseResourceId refuses (ASCII control characters, `\`,
 * `?`, `#`), no whitespace (so an id that passes holds none), and not `/`. A negated class: the
 * engine tests it with fewer comparisons per character than a list of allowed ranges.
 */
const segmentChar = String.raw`[^\s\x00-\x1f\x7f\\?#/]`;
/** The first character of a segment: not `.` either (dot segments), nor `%`. */
const firstChar = String.raw`[^\s\x00-\x1f\x7f\\?#/.%]`;
const segment = `${firstChar}${segmentChar}*`;
/** Not `providers` in any case: a `providers` segment after the first makes an extension resource. */
const notProviders = String.raw`(?![pP][rR][oO][vV][iI][dD][eE][rR][sS](?:\/|$))`;

/**
 * The common shape, whole: `/subscriptions/{s}/resourceGroups/{g}/providers/{Namespace.With.Dot}`
 * then one or more `/{type}/{name}` pairs, no segment empty, none a dot segment, none starting
 * with `%`, no trailing slash, and only the characters above (so no whitespace). One compiled
 * pattern, run without captures, costs less than half of checking the same in JavaScript.
 */
const commonShape = new RegExp(
  String.raw`^\/subscriptions\/${segment}\/resourceGroups\/${segment}\/providers\/(?=[^/]*\.)${segment}` +
    String.raw`(?:\/${notProviders}${segment}\/${notProviders}${segment})+$`,
);

/**
 * The id and type `parseResourceId` gives for a resource id of the common shape
 * (`/subscriptions/{s}/resourceGroups/{g}/providers/{Namespace}/{type}/{name}[/{type}/{name}]...`,
 * spelled as ARM spells it, no whitespace, no extension resource): one pattern test, then the
 * type cut out between slashes, with no array. Undefined for every other id, valid or not: ask
 * `parseResourceId` then. A property test holds the two equal wherever this one answers.
 */
export function parseResourceIdFast(id: string): ResourceIdAndType | undefined {
  if (!commonShape.test(id)) return undefined;
  const subscriptionEnd = id.indexOf("/", 15);
  const groupEnd = id.indexOf("/", subscriptionEnd + 16);
  const namespaceStart = groupEnd + 11;
  const typeEnd = id.indexOf("/", id.indexOf("/", namespaceStart) + 1);
  let type = id.slice(namespaceStart, typeEnd);
  // Child types: every other segment after the first name (the pattern holds them in pairs).
  let at = id.indexOf("/", typeEnd + 1) + 1;
  while (at > 0) {
    const end = id.indexOf("/", at);
    type += `/${id.slice(at, end)}`;
    at = id.indexOf("/", end + 1) + 1;
  }
  return { id, type };
}
