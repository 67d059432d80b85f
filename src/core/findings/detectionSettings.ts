import { parseResourceId, ResourceIdError } from "../ids/resourceId.js";
import { KeyIdError, parseKeyId } from "../ids/keyId.js";

/** `ticket`: report only. `enforce`: also fix in place when that is safe. */
export type DetectionMode = "ticket" | "enforce";

/** What to do about a disk encryption set whose platform auto-rotation is off. */
export type DesAutoRotationSetting = "off" | "enable" | "ticket";

/** The tag that takes a resource out of the service's hands. */
export interface ExclusionTag {
  /** Compared case-insensitively, as Azure compares tag names. */
  readonly name: string;
  /** When set, only this value (case-insensitive) excludes; when absent, any value does. */
  readonly value?: string | undefined;
}

/** How the detection rules judge and fix resources. */
export interface DetectionSettings {
  /** Cognitive Services account kinds in scope (compared case-insensitively). */
  readonly aiServicesKinds: readonly string[];
  readonly aiServicesMode: DetectionMode;
  readonly diskMode: DetectionMode;
  readonly desAutoRotation: DesAutoRotationSetting;
  /** Region (see {@link normalizeRegion}) to the versioned key id AI services accounts are moved to. */
  readonly enforceKeys: Readonly<Record<string, string>>;
  /** Region (see {@link normalizeRegion}) to the ARM id of the disk encryption set disks are attached to. */
  readonly enforceDiskEncryptionSets: Readonly<Record<string, string>>;
  readonly exclusionTag: ExclusionTag;
  /** Resource id patterns: `*` matches any characters, case-insensitive, whole id. */
  readonly excludedIdPatterns: readonly string[];
  /** A CMK key version expiring within this many days raises a finding. */
  readonly keyExpiryWarningDays: number;
}

/** Input to {@link detectionSettings}: every field optional, defaults filled in. */
export type DetectionSettingsInput = Partial<{
  -readonly [K in keyof DetectionSettings]: DetectionSettings[K];
}>;

/** The defaults: ticket everything, write nothing, exclude resources tagged `cmk-remediation=exclude`. */
export const defaultDetectionSettings: DetectionSettings = Object.freeze({
  aiServicesKinds: Object.freeze(["OpenAI", "AIServices"]),
  aiServicesMode: "ticket",
  diskMode: "ticket",
  // The rotation engine already moves disk encryption sets to new key versions, so a set without
  // platform auto-rotation is not a risk by default; "ticket" or "enable" opt into more.
  desAutoRotation: "off",
  enforceKeys: Object.freeze({}),
  enforceDiskEncryptionSets: Object.freeze({}),
  exclusionTag: Object.freeze({ name: "cmk-remediation", value: "exclude" }),
  excludedIdPatterns: Object.freeze([]),
  keyExpiryWarningDays: 30,
});

/** Stable code of {@link DetectionSettingsError}. */
export type DetectionSettingsErrorCode = "DetectionSettingsInvalid";

/** A detection setting that cannot be used; `field` names it (e.g. `enforceKeys.eastus`). */
export class DetectionSettingsError extends Error {
  readonly code: DetectionSettingsErrorCode = "DetectionSettingsInvalid";
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`Invalid detection setting ${field}: ${problem}`);
    this.name = "DetectionSettingsError";
  }
}

/**
 * The key ARM regions are compared by: `East US`, `eastus` and `EastUS` all become `eastus`, because
 * resources report `location` in either form depending on how they were created.
 */
export function normalizeRegion(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

/** The per-region setting for a location, ignoring inherited object members. */
export function regionalSetting(
  settings: Readonly<Record<string, string>>,
  location: string | undefined,
): string | undefined {
  if (location === undefined) return undefined;
  const region = normalizeRegion(location);
  return Object.hasOwn(settings, region) ? settings[region] : undefined;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  const match = allowed.find(
    (a) => typeof value === "string" && a.toLowerCase() === value.trim().toLowerCase(),
  );
  if (match === undefined) throw new DetectionSettingsError(field, `expected one of ${allowed.join(", ")}`);
  return match;
}

function regionalRecord(
  input: Readonly<Record<string, string>>,
  field: string,
  check: (value: string, field: string) => string,
): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [region, value] of Object.entries(input)) {
    const key = normalizeRegion(region);
    if (key === "") throw new DetectionSettingsError(field, "a region name is empty");
    if (Object.hasOwn(out, key)) {
      throw new DetectionSettingsError(`${field}.${key}`, "the region is listed twice");
    }
    out[key] = check(value, `${field}.${key}`);
  }
  return Object.freeze(out);
}

function versionedKeyId(value: string, field: string): string {
  try {
    const id = parseKeyId(value);
    if (id.versionedId === undefined) {
      throw new DetectionSettingsError(
        field,
        "expected a versioned key id (https://{vault}/keys/{name}/{version})",
      );
    }
    return id.versionedId;
  } catch (error) {
    if (error instanceof KeyIdError) throw new DetectionSettingsError(field, error.message);
    throw error;
  }
}

function diskEncryptionSetId(value: string, field: string): string {
  try {
    const parsed = parseResourceId(value.trim());
    if (parsed.type.toLowerCase() !== "microsoft.compute/diskencryptionsets") {
      throw new DetectionSettingsError(
        field,
        `expected a Microsoft.Compute/diskEncryptionSets id, got ${parsed.type}`,
      );
    }
    return parsed.id;
  } catch (error) {
    if (error instanceof ResourceIdError) throw new DetectionSettingsError(field, error.message);
    throw error;
  }
}

/**
 * Validates detection settings and fills in defaults. Region keys are normalised with
 * {@link normalizeRegion}. Throws {@link DetectionSettingsError} naming the first bad field, so a
 * bad deployment fails at start-up instead of at its first write.
 */
export function detectionSettings(input: DetectionSettingsInput = {}): DetectionSettings {
  const d = defaultDetectionSettings;
  const kinds = (input.aiServicesKinds ?? d.aiServicesKinds).map((k) => k.trim()).filter((k) => k !== "");
  if (kinds.length === 0)
    throw new DetectionSettingsError("aiServicesKinds", "expected at least one account kind");
  const tag = input.exclusionTag ?? d.exclusionTag;
  const tagName = tag.name.trim();
  if (tagName === "") throw new DetectionSettingsError("exclusionTag.name", "the tag name is empty");
  const tagValue = tag.value?.trim();
  const patterns = (input.excludedIdPatterns ?? d.excludedIdPatterns).map((p) => p.trim());
  const emptyPattern = patterns.findIndex((p) => p === "" || /^\*+$/.test(p));
  if (emptyPattern >= 0) {
    throw new DetectionSettingsError(
      `excludedIdPatterns[${emptyPattern}]`,
      "a pattern must name something: an empty pattern or `*` alone would exclude everything",
    );
  }
  const days = input.keyExpiryWarningDays ?? d.keyExpiryWarningDays;
  if (!Number.isInteger(days) || days < 0 || days > 3650) {
    throw new DetectionSettingsError("keyExpiryWarningDays", "expected a whole number from 0 to 3650");
  }
  return Object.freeze({
    aiServicesKinds: Object.freeze(kinds),
    aiServicesMode: oneOf(input.aiServicesMode ?? d.aiServicesMode, ["ticket", "enforce"], "aiServicesMode"),
    diskMode: oneOf(input.diskMode ?? d.diskMode, ["ticket", "enforce"], "diskMode"),
    desAutoRotation: oneOf(
      input.desAutoRotation ?? d.desAutoRotation,
      ["off", "enable", "ticket"],
      "desAutoRotation",
    ),
    enforceKeys: regionalRecord(input.enforceKeys ?? d.enforceKeys, "enforceKeys", versionedKeyId),
    enforceDiskEncryptionSets: regionalRecord(
      input.enforceDiskEncryptionSets ?? d.enforceDiskEncryptionSets,
      "enforceDiskEncryptionSets",
      diskEncryptionSetId,
    ),
    exclusionTag: Object.freeze(
      tagValue === undefined || tagValue === "" ? { name: tagName } : { name: tagName, value: tagValue },
    ),
    excludedIdPatterns: Object.freeze(patterns),
    keyExpiryWarningDays: days,
  });
}
