import { describe, expect, it } from "vitest";
import {
  defaultDetectionSettings,
  detectionSettings,
  DetectionSettingsError,
  normalizeRegion,
  regionalSetting,
} from "../../src/core/findings/detectionSettings.js";
import { DES_ID, ENFORCE_KEY } from "./findingsFixtures.js";

function errorOf(run: () => unknown): DetectionSettingsError {
  try {
    run();
  } catch (error) {
    if (error instanceof DetectionSettingsError) return error;
    throw error;
  }
  throw new Error("expected a DetectionSettingsError");
}

describe("detectionSettings", () => {
  it("defaults to ticket mode, OpenAI and AIServices, and the cmk-remediation=exclude tag", () => {
    expect(detectionSettings()).toEqual(defaultDetectionSettings);
    expect(defaultDetectionSettings).toMatchObject({
      aiServicesKinds: ["OpenAI", "AIServices"],
      aiServicesMode: "ticket",
      diskMode: "ticket",
      desAutoRotation: "off",
      exclusionTag: { name: "cmk-remediation", value: "exclude" },
      excludedIdPatterns: [],
    });
  });

  it("normalises region keys so West Europe and westeurope are one region", () => {
    const settings = detectionSettings({
      enforceKeys: { "West Europe": ENFORCE_KEY },
      enforceDiskEncryptionSets: { EastUS: DES_ID },
    });
    expect(settings.enforceKeys).toEqual({ westeurope: ENFORCE_KEY });
    expect(regionalSetting(settings.enforceKeys, "westeurope")).toBe(ENFORCE_KEY);
    expect(regionalSetting(settings.enforceDiskEncryptionSets, "East US")).toBe(DES_ID);
    expect(regionalSetting(settings.enforceKeys, "constructor")).toBeUndefined();
    expect(normalizeRegion(" North Europe ")).toBe("northeurope");
  });

  it("refuses a versionless enforce key, naming the region", () => {
    const error = errorOf(() =>
      detectionSettings({ enforceKeys: { westeurope: "https://kv-cmk.vault.azure.net/keys/cmk-aoai" } }),
    );
    expect(error.code).toBe("DetectionSettingsInvalid");
    expect(error.field).toBe("enforceKeys.westeurope");
  });

  it("refuses an enforce key that is not a key URI", () => {
    expect(errorOf(() => detectionSettings({ enforceKeys: { westeurope: "cmk-aoai" } })).field).toBe(
      "enforceKeys.westeurope",
    );
  });

  it("refuses a disk encryption set id of another type", () => {
    const error = errorOf(() =>
      detectionSettings({
        enforceDiskEncryptionSets: { westeurope: DES_ID.replace("diskEncryptionSets", "disks") },
      }),
    );
    expect(error.field).toBe("enforceDiskEncryptionSets.westeurope");
  });

  it("refuses the same region twice", () => {
    expect(
      errorOf(() =>
        detectionSettings({ enforceKeys: { westeurope: ENFORCE_KEY, "West Europe": ENFORCE_KEY } }),
      ).problem,
    ).toMatch(/twice/);
  });

  it("refuses a pattern that would exclude everything, an empty tag name and unknown modes", () => {
    expect(errorOf(() => detectionSettings({ excludedIdPatterns: ["*"] })).field).toBe(
      "excludedIdPatterns[0]",
    );
    expect(errorOf(() => detectionSettings({ exclusionTag: { name: " " } })).field).toBe("exclusionTag.name");
    expect(errorOf(() => detectionSettings({ diskMode: "fix" as "ticket" })).field).toBe("diskMode");
    expect(errorOf(() => detectionSettings({ aiServicesKinds: [] })).field).toBe("aiServicesKinds");
    expect(errorOf(() => detectionSettings({ keyExpiryWarningDays: -1 })).field).toBe("keyExpiryWarningDays");
  });

  it("an exclusion tag without a value matches any value", () => {
    expect(detectionSettings({ exclusionTag: { name: "no-cmk", value: "" } }).exclusionTag).toEqual({
      name: "no-cmk",
    });
  });
});
