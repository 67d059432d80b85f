import { describe, expect, it } from "vitest";
import { exclusionOf, matchesIdPattern } from "../../src/core/findings/exclusions.js";
import { detectionSettings } from "../../src/core/findings/detectionSettings.js";

const ID =
  "/subscriptions/5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a/resourceGroups/rg-sandbox/providers/Microsoft.Compute/disks/d1";

describe("matchesIdPattern", () => {
  it("matches the whole id, case-insensitively, with * for any characters", () => {
    expect(matchesIdPattern(ID, "*/resourcegroups/RG-SANDBOX/*")).toBe(true);
    expect(matchesIdPattern(ID, "*/providers/Microsoft.Compute/disks/*")).toBe(true);
    expect(matchesIdPattern(ID, "/subscriptions/5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a/*")).toBe(true);
    expect(matchesIdPattern(ID, "*/disks/d")).toBe(false);
    expect(matchesIdPattern(ID, "/resourceGroups/rg-sandbox/*")).toBe(false);
  });

  it("treats regular expression characters literally", () => {
    expect(matchesIdPattern("/subscriptions/s/resourceGroups/rg.x/providers/A.B/c/d", "*/rg.x/*")).toBe(true);
    expect(matchesIdPattern("/subscriptions/s/resourceGroups/rgzx/providers/A.B/c/d", "*/rg.x/*")).toBe(
      false,
    );
    expect(matchesIdPattern("/subscriptions/s/resourceGroups/(rg)/x", "*/(rg)/*")).toBe(true);
  });

  it("ignores trailing slashes", () => {
    expect(matchesIdPattern(`${ID}/`, ID)).toBe(true);
    expect(matchesIdPattern(ID, `${ID}/`)).toBe(true);
  });
});

describe("exclusionOf", () => {
  const settings = detectionSettings();

  it("excludes by tag: name case-insensitive, value case-insensitive", () => {
    expect(exclusionOf({ id: ID, tags: { "Cmk-Remediation": "EXCLUDE" } }, settings)).toEqual({
      by: "tag",
      match: "Cmk-Remediation",
      reason: "excluded by tag Cmk-Remediation=EXCLUDE",
    });
  });

  it("does not exclude on another value, another tag or no tags", () => {
    expect(exclusionOf({ id: ID, tags: { "cmk-remediation": "include" } }, settings)).toBeUndefined();
    expect(exclusionOf({ id: ID, tags: { owner: "exclude" } }, settings)).toBeUndefined();
    expect(exclusionOf({ id: ID }, settings)).toBeUndefined();
    expect(exclusionOf({ id: ID, tags: null }, settings)).toBeUndefined();
  });

  it("with no configured value, any value of the tag excludes", () => {
    const anyValue = detectionSettings({ exclusionTag: { name: "no-cmk" } });
    expect(exclusionOf({ id: ID, tags: { "NO-CMK": "" } }, anyValue)?.reason).toBe("excluded by tag NO-CMK");
  });

  it("excludes by id pattern, naming the pattern", () => {
    const byPattern = detectionSettings({
      excludedIdPatterns: ["*/resourceGroups/rg-prod/*", "*/resourceGroups/rg-sandbox/*"],
    });
    expect(exclusionOf({ id: ID }, byPattern)).toEqual({
      by: "idPattern",
      match: "*/resourceGroups/rg-sandbox/*",
      reason: "excluded by id pattern */resourceGroups/rg-sandbox/*",
    });
  });
});
