import { describe, expect, it } from "vitest";
import { evaluateAiServicesAccount } from "../../src/core/consumers/aiServicesAccount/aiServicesAccountFindings.js";
import { cmkAiAccount, context, keyFacts, KEY_V1, V2, vaultFacts } from "./findingsFixtures.js";

const DAY = 24 * 60 * 60 * 1000;

function withKey(overrides: Parameters<typeof keyFacts>[1], settings = {}) {
  return evaluateAiServicesAccount(
    cmkAiAccount(),
    context(settings, { vault: vaultFacts(), currentKey: keyFacts("cmk-aoai", overrides) }),
  );
}

describe("shared CMK key checks", () => {
  it("a usable key far from expiry raises nothing", () => {
    expect(withKey({}).findings).toEqual([]);
  });

  it("a disabled key is urgent", () => {
    const result = withKey({ enabled: false });
    expect(result.findings.map((f) => [f.code, f.severity])).toEqual([["CmkKeyDisabled", "urgent"]]);
    expect(result.findings[0]?.body).toContain(
      `az keyvault key set-attributes --id ${KEY_V1} --enabled true`,
    );
  });

  it("an expired key is urgent", () => {
    const result = withKey({ expiresOn: new Date("2026-05-31T00:00:00Z") });
    expect(result.findings.map((f) => [f.code, f.severity])).toEqual([["CmkKeyExpired", "urgent"]]);
  });

  it("a key expiring within the warning window is high; the window is configurable", () => {
    const soon = { expiresOn: new Date(new Date("2026-06-01T00:00:00Z").getTime() + 20 * DAY) };
    expect(withKey(soon).findings.map((f) => [f.code, f.severity])).toEqual([["CmkKeyExpiresSoon", "high"]]);
    expect(withKey(soon, { keyExpiryWarningDays: 10 }).findings).toEqual([]);
  });

  it("the catch-up rotation is asked for whatever the key's state", () => {
    expect(withKey({ enabled: false }).maintenance).toEqual([{ kind: "catch-up-rotation", keyId: KEY_V1 }]);
  });

  it("key facts for another version are ignored, with a note", () => {
    const result = withKey({ version: V2, keyId: KEY_V1.replace(/[^/]+$/, V2), enabled: false });
    expect(result.findings).toEqual([]);
    expect(result.notes.join("\n")).toMatch(/not for the key in use/);
  });
});
