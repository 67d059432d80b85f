import type { ArmResourceJson } from "../arm/armResource.js";
import type { DetectionSettings } from "./detectionSettings.js";
import { trimmed } from "../events/trimmed.js";

/** Why a resource is out of the service's hands. */
export interface Exclusion {
  /** For people: names the tag or the pattern. */
  readonly reason: string;
  readonly by: "tag" | "idPattern";
  /** The tag name as the resource spells it, or the pattern as configured. */
  readonly match: string;
}

const compiled = new Map<string, RegExp>();

function patternRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) {
    const body = pattern
      .trim()
      .replace(/\/+$/, "")
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    // With the `s` flag, `^.*` and `.*$` are "anywhere": left out, the engine searches for the
    // literal text instead of backtracking over the whole id.
    const start = body.startsWith(".*") ? body.slice(2) : `^${body}`;
    const anchored = start.endsWith(".*") && !start.endsWith("\\.*") ? start.slice(0, -2) : `${start}$`;
    re = new RegExp(anchored, "is");
    compiled.set(pattern, re);
  }
  return re;
}

/**
 * True when a resource id matches a glob-like pattern: `*` matches any characters (slashes
 * included), everything else literally; case-insensitive like ARM ids; the whole id must match;
 * trailing slashes are ignored on both sides.
 */
export function matchesIdPattern(resourceId: string, pattern: string): boolean {
  const id = trimmed(resourceId);
  return patternRegExp(pattern).test(id.endsWith("/") ? id.replace(/\/+$/, "") : id);
}

/** The first configured id pattern a resource id matches, or undefined. */
export function excludingIdPattern(resourceId: string, patterns: readonly string[]): string | undefined {
  return patterns.find((p) => matchesIdPattern(resourceId, p));
}

/**
 * Whether a resource is excluded, by tag or by id pattern. The tag name is compared
 * case-insensitively (Azure treats tag names so); the value, when one is configured, is compared
 * case-insensitively after trimming, because people type `Exclude` as often as `exclude`.
 */
export function exclusionOf(
  resource: Pick<ArmResourceJson, "id"> & {
    readonly tags?: Readonly<Record<string, unknown>> | null | undefined;
  },
  settings: Pick<DetectionSettings, "exclusionTag" | "excludedIdPatterns">,
): Exclusion | undefined {
  const wanted = settings.exclusionTag;
  const tags = resource.tags;
  if (tags !== null && tags !== undefined && typeof tags === "object") {
    for (const [name, value] of Object.entries(tags)) {
      if (name.trim().toLowerCase() !== wanted.name.trim().toLowerCase()) continue;
      if (wanted.value === undefined) return { by: "tag", match: name, reason: `excluded by tag ${name}` };
      if (typeof value === "string" && value.trim().toLowerCase() === wanted.value.trim().toLowerCase()) {
        return { by: "tag", match: name, reason: `excluded by tag ${name}=${value}` };
      }
    }
  }
  const pattern = excludingIdPattern(resource.id, settings.excludedIdPatterns);
  return pattern === undefined
    ? undefined
    : { by: "idPattern", match: pattern, reason: `excluded by id pattern ${pattern}` };
}
