import { describe, expect, it } from "vitest";
import { evaluateKeyVault } from "../../src/core/consumers/keyVault/keyVaultFindings.js";
import { context, keyVaultResource, SUB, VAULT_ID } from "./findingsFixtures.js";

describe("evaluateKeyVault", () => {
  it("is out of scope unless the caller says the vault holds CMK keys", () => {
    const bare = keyVaultResource({ enablePurgeProtection: false });
    for (const holdsCmkKeys of [undefined, false]) {
      const result = evaluateKeyVault(bare, context({}, { holdsCmkKeys }));
      expect(result.compliant).toBe(true);
      expect(result.notes[0]).toMatch(/out of scope/);
    }
  });

  it("is compliant with soft delete and purge protection on", () => {
    const result = evaluateKeyVault(keyVaultResource(), context({}, { holdsCmkKeys: true }));
    expect(result.compliant).toBe(true);
    expect(result.findings).toEqual([]);
  });

  it("raises VaultPurgeProtectionOff (ticket only) when purge protection is absent", () => {
    const vault = keyVaultResource();
    const { enablePurgeProtection: _dropped, ...props } = vault.properties ?? {};
    const result = evaluateKeyVault({ ...vault, properties: props }, context({}, { holdsCmkKeys: true }));
    expect(result.findings.map((f) => f.code)).toEqual(["VaultPurgeProtectionOff"]);
    const finding = result.findings[0];
    expect(finding?.remediation).toBeUndefined();
    expect(finding?.body).toMatch(/never changes this setting itself/);
    expect(finding?.body).toMatch(/irreversible/);
    expect(finding?.body).toContain(`- Subscription: ${SUB}`);
    expect(finding?.body).toContain("- Resource group: rg-keys");
    expect(finding?.body).toContain(`https://portal.azure.com/#resource${VAULT_ID}`);
    expect(finding?.body).toContain(
      "az keyvault update --name kv-cmk --resource-group rg-keys --enable-purge-protection true",
    );
  });

  it("raises both findings when soft delete is explicitly off", () => {
    const result = evaluateKeyVault(
      keyVaultResource({ enableSoftDelete: false, enablePurgeProtection: false }),
      context({}, { holdsCmkKeys: true }),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["VaultSoftDeleteOff", "VaultPurgeProtectionOff"]);
    expect(result.findings.every((f) => f.remediation === undefined)).toBe(true);
  });

  it("reads booleans sent as 1/0 (Resource Notifications shape)", () => {
    const result = evaluateKeyVault(
      keyVaultResource({ enableSoftDelete: 1, enablePurgeProtection: 0 }),
      context({}, { holdsCmkKeys: true }),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["VaultPurgeProtectionOff"]);
  });

  it("is undetermined, naming the field, when the vault body is malformed", () => {
    const result = evaluateKeyVault(keyVaultResource({ vaultUri: 42 }), context({}, { holdsCmkKeys: true }));
    expect(result.compliant).toBe(false);
    expect(result.undetermined?.reason).toContain("properties.vaultUri");
  });
});
