import type { KeyVersionFacts } from "./keyFacts.js";

/** Stable codes of {@link KeyVersionOrderError}. */
export type KeyVersionOrderErrorCode = "KeyVersionCreatedOnInvalid" | "KeyVersionUnknown";

/** A version cannot be placed in time: its `createdOn` is not a date, or it is not among the versions given. */
export class KeyVersionOrderError extends Error {
  constructor(
    readonly code: KeyVersionOrderErrorCode,
    readonly version: string,
    problem: string,
  ) {
    super(`key version ${version}: ${problem}`);
    this.name = "KeyVersionOrderError";
  }
}

/** Only the fields ordering needs, so callers can order lighter records too. */
export type OrderableVersion = Pick<KeyVersionFacts, "version" | "createdOn">;

function createdMs(v: OrderableVersion): number {
  const ms = v.createdOn.getTime();
  if (Number.isNaN(ms))
    throw new KeyVersionOrderError("KeyVersionCreatedOnInvalid", v.version, "createdOn is not a valid date");
  return ms;
}

function sameVersion(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Orders two versions of one key, oldest first: by `createdOn`. Version strings are opaque and
 * their order means nothing, but Key Vault records `createdOn` in whole seconds, so two versions
 * made in the same second tie; the tie is broken by the lower-cased version string (code-unit
 * order), which is arbitrary but independent of input order, so every replica and every retry picks
 * the same version.
 */
export function compareKeyVersions(a: OrderableVersion, b: OrderableVersion): number {
  const byTime = createdMs(a) - createdMs(b);
  if (byTime !== 0) return byTime;
  const x = a.version.toLowerCase();
  const y = b.version.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The newest of `versions` by {@link compareKeyVersions}; undefined for an empty list. */
export function newestVersion<T extends OrderableVersion>(versions: readonly T[]): T | undefined {
  let newest: T | undefined;
  for (const v of versions) {
    if (newest === undefined || compareKeyVersions(v, newest) > 0) newest = v;
  }
  return newest;
}

function find<T extends OrderableVersion>(versions: readonly T[], version: string): T {
  const found = versions.find((v) => sameVersion(v.version, version));
  if (found === undefined) {
    throw new KeyVersionOrderError("KeyVersionUnknown", version, "not among the key's versions");
  }
  return found;
}

/**
 * True when version `candidate` is older than version `current`, both looked up (case-insensitively)
 * in `versions`. Throws {@link KeyVersionOrderError} (`KeyVersionUnknown`) if either is missing.
 */
export function isOlderThan(
  candidate: string,
  current: string,
  versions: readonly OrderableVersion[],
): boolean {
  return compareKeyVersions(find(versions, candidate), find(versions, current)) < 0;
}

/** Stable codes describing how {@link chooseTarget} decided. */
export type TargetChoiceCode =
  | "EventVersion"
  | "NewerThanEventVersion"
  | "EventVersionUnusable"
  | "EventVersionNotNewer"
  | "EventVersionUnknown"
  | "NewestUsableVersion"
  | "AlreadyNewest"
  | "NoUsableNewerVersion"
  | "CurrentVersionUnknown";

/** The version a consumer should move to, or why there is none. */
export interface TargetChoice {
  readonly target?: KeyVersionFacts;
  readonly code: TargetChoiceCode;
  /** For people: what was chosen and why. */
  readonly reason: string;
}

/** Input of {@link chooseTarget}. */
export interface ChooseTargetInput {
  /**
   * The version the key event announced (may be absent from `versions` if the listing lags); `""`
   * when no event names one (a catch-up or manual rotation of an unversioned key).
   */
  readonly eventVersion: string;
  /** Every version of the key, in any order. */
  readonly versions: readonly KeyVersionFacts[];
  /** The version the consumer uses today; absent when it references none. */
  readonly current?: string | undefined;
  /** Whether the consumer can use a version (usually: `preflight(...).ok`). */
  readonly isUsable: (version: KeyVersionFacts) => boolean;
}

/**
 * Chooses the version to move a consumer to after a key event:
 * - the newest version, newer than the current one, that `isUsable` accepts: the event only says
 *   "something changed", so if a newer version than the event's exists (events arrive out of
 *   order) or the event's version is unusable, the newest usable one is chosen instead;
 * - never a version older than (or equal to) the current one;
 * - no target when the current version is not in `versions` (its place in time is unknown, so
 *   "never move backwards" cannot be proven), or when nothing newer than it is usable.
 * `isUsable` is called from the newest version downwards and not after the first usable one.
 */
export function chooseTarget(input: ChooseTargetInput): TargetChoice {
  const { eventVersion, current } = input;
  const sorted = [...input.versions].sort(compareKeyVersions);
  let floor: KeyVersionFacts | undefined;
  if (current !== undefined) {
    floor = sorted.find((v) => sameVersion(v.version, current));
    if (floor === undefined) {
      return {
        code: "CurrentVersionUnknown",
        reason: `the current version ${current} is not among the key's versions, so a newer one cannot be proven; no change`,
      };
    }
  }
  const newer = floor === undefined ? sorted : sorted.filter((v) => compareKeyVersions(v, floor) > 0);
  const event = sorted.find((v) => sameVersion(v.version, eventVersion));

  let target: KeyVersionFacts | undefined;
  let eventRejected = false;
  for (let i = newer.length - 1; i >= 0; i--) {
    const candidate = newer[i];
    if (candidate === undefined) continue;
    if (input.isUsable(candidate)) {
      target = candidate;
      break;
    }
    if (candidate === event) eventRejected = true;
  }

  if (target === undefined) {
    if (newer.length === 0) {
      return {
        code: "AlreadyNewest",
        reason:
          current === undefined
            ? "the key has no versions; no change"
            : `the current version ${current} is already the newest; no change`,
      };
    }
    return {
      code: "NoUsableNewerVersion",
      reason: `none of the ${newer.length} version(s) newer than ${current ?? "nothing"} is usable; no change`,
    };
  }
  if (target === event) {
    return {
      target,
      code: "EventVersion",
      reason: `moving to ${target.version}, the version the event announced`,
    };
  }
  if (eventVersion === "") {
    return {
      target,
      code: "NewestUsableVersion",
      reason: `moving to ${target.version}, the newest usable version`,
    };
  }
  if (event === undefined) {
    return {
      target,
      code: "EventVersionUnknown",
      reason: `the event's version ${eventVersion} is not among the key's versions; moving to the newest usable version ${target.version}`,
    };
  }
  if (floor !== undefined && compareKeyVersions(event, floor) <= 0) {
    return {
      target,
      code: "EventVersionNotNewer",
      reason: `the event's version ${event.version} is not newer than the current ${floor.version}; moving to the newest usable version ${target.version}`,
    };
  }
  if (eventRejected) {
    return {
      target,
      code: "EventVersionUnusable",
      reason: `the event's version ${event.version} is not usable; moving to the newest usable version ${target.version}`,
    };
  }
  return {
    target,
    code: "NewerThanEventVersion",
    reason: `version ${target.version} is newer than the event's ${event.version}; moving to it`,
  };
}
