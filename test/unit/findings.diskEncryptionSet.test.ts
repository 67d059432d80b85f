import { describe, expect, it } from "vitest";
import { evaluateDiskEncryptionSet } from "../../src/core/consumers/diskEncryptionSet/diskEncryptionSetFindings.js";
import { context, des, KEY_V1, SUB, vaultFacts } from "./findingsFixtures.js";

const rotationError = {
  code: "KeyVaultAccessForbidden",
  message: "The disk encryption set's identity does not have access to the key vault.",
};

describe("evaluateDiskEncryptionSet", () => {
  it("is compliant with a protected vault; auto-rotation off only asks for a catch-up rotation by default", () => {
    const result = evaluateDiskEncryptionSet(des(), context({}, { vault: vaultFacts() }));
    expect(result.compliant).toBe(true);
    expect(result.maintenance).toEqual([{ kind: "catch-up-rotation", keyId: KEY_V1 }]);
    expect(result.notes.join("\n")).toMatch(/desAutoRotation is off/);
  });

  it("needs no catch-up rotation while the platform rotates automatically", () => {
    const result = evaluateDiskEncryptionSet(
      des({ rotationToLatestKeyVersionEnabled: true }),
      context({ desAutoRotation: "ticket" }, { vault: vaultFacts() }),
    );
    expect(result.compliant).toBe(true);
    expect(result.maintenance).toEqual([]);
  });

  it("reports the vault prerequisites it lacks", () => {
    const result = evaluateDiskEncryptionSet(
      des(),
      context({}, { vault: vaultFacts({ enableSoftDelete: false }) }),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["CmkVaultSoftDeleteOff"]);
  });

  it("opens a high ticket when the platform reports an auto-rotation error", () => {
    const result = evaluateDiskEncryptionSet(
      des({ rotationToLatestKeyVersionEnabled: true, autoKeyRotationError: rotationError }),
      context({}, { vault: vaultFacts() }),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["DesAutoRotationError"]);
    const finding = result.findings[0];
    expect(finding?.severity).toBe("high");
    expect(finding?.title).toContain("KeyVaultAccessForbidden");
    expect(finding?.body).toContain(rotationError.message);
    expect(finding?.body).toContain(`- Subscription: ${SUB}`);
    expect(finding?.body).toContain("- Resource group: rg-keys");
    expect(finding?.body).toContain(
      "az disk-encryption-set update --name des-westeurope --resource-group rg-keys --key-url",
    );
  });

  it("ignores a null autoKeyRotationError", () => {
    const result = evaluateDiskEncryptionSet(des({ autoKeyRotationError: null }), context());
    expect(result.findings).toEqual([]);
  });

  it('desAutoRotation "enable": DesAutoRotationOff carries an enable-auto-rotation patch', () => {
    const result = evaluateDiskEncryptionSet(
      des(),
      context({ desAutoRotation: "enable" }, { vault: vaultFacts() }),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["DesAutoRotationOff"]);
    expect(result.findings[0]?.remediation).toEqual({
      kind: "enable-auto-rotation",
      patch: { properties: { rotationToLatestKeyVersionEnabled: true } },
    });
    expect(result.maintenance).toEqual([{ kind: "catch-up-rotation", keyId: KEY_V1 }]);
  });

  it('desAutoRotation "ticket": DesAutoRotationOff without a remediation', () => {
    const result = evaluateDiskEncryptionSet(des(), context({ desAutoRotation: "ticket" }));
    expect(result.findings.map((f) => f.code)).toEqual(["DesAutoRotationOff"]);
    expect(result.findings[0]?.remediation).toBeUndefined();
    expect(result.findings[0]?.body).toContain("--enable-auto-key-rotation true");
  });

  it("reads auto-rotation sent as 1 (Resource Graph shape) as on", () => {
    const result = evaluateDiskEncryptionSet(
      des({ rotationToLatestKeyVersionEnabled: 1 }),
      context({ desAutoRotation: "ticket" }),
    );
    expect(result.findings).toEqual([]);
  });

  it("notes a rotation in progress", () => {
    const result = evaluateDiskEncryptionSet(des({ previousKeys: [{ keyUrl: KEY_V1 }] }), context());
    expect(result.notes.join("\n")).toMatch(/rotation is in progress/);
  });

  it("raises CmkKeyReferenceInvalid when the active key URL is malformed", () => {
    const result = evaluateDiskEncryptionSet(des({ activeKey: { keyUrl: "kv-cmk/keys/x" } }), context());
    expect(result.findings.map((f) => f.code)).toEqual(["CmkKeyReferenceInvalid"]);
  });
});
