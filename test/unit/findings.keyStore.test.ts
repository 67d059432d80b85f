import { describe, expect, it } from "vitest";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { evaluateResource } from "../../src/core/findings/evaluateResource.js";
import { isAtRisk } from "../../src/core/findings/finding.js";
import type { KeyStoreState } from "../../src/core/keyStores/keyStoreState.js";
import type { VaultFacts } from "../../src/core/keyStores/keyFacts.js";
import {
  cmkAiAccount,
  cmkMlWorkspace,
  context,
  des,
  KEY_V1,
  keyFacts,
  PRINCIPAL,
  SUB,
  VAULT_ID,
  VAULT_URL,
  vaultFacts,
} from "./findingsFixtures.js";

function judge(resource: ArmResourceJson, keyStore: KeyStoreState, vault?: VaultFacts) {
  const v =
    vault ?? (keyStore.kind === "present" || keyStore.kind === "key-deleted" ? keyStore.vault : undefined);
  return evaluateResource(
    resource,
    context(
      {},
      { keyStore, vault: v, currentKey: keyStore.kind === "present" ? keyStore.currentKey : undefined },
    ),
  );
}

const present = (vault = vaultFacts(), extra: Partial<Extract<KeyStoreState, { kind: "present" }>> = {}) =>
  ({ kind: "present", vault, currentKey: keyFacts("cmk-aoai"), ...extra }) as const;

describe("a deleted key under a consumer", () => {
  it("soft-deleted: urgent CmkKeyDeleted with the recover command, the purge date and the consequence", () => {
    const result = judge(des(), {
      kind: "key-deleted",
      vault: vaultFacts(),
      lookup: "found",
      deletedKey: {
        vaultUrl: VAULT_URL,
        keyName: "cmk-aoai",
        deletedOn: new Date("2026-05-31T08:00:00Z"),
        scheduledPurgeDate: new Date("2026-08-29T08:00:00Z"),
      },
    });
    expect(result.compliant).toBe(false);
    expect(result.findings.map((f) => [f.code, f.severity])).toEqual([["CmkKeyDeleted", "urgent"]]);
    const body = result.findings[0]?.body ?? "";
    expect(body).toContain("az keyvault key recover --name cmk-aoai --vault-name kv-cmk");
    expect(body).toContain("until 2026-08-29T08:00:00.000Z");
    expect(body).toContain("virtual machines using disks encrypted by this set shut down");
    expect(body).toContain("az vm start --ids");
    // Nothing to rotate to, and no refusal on top.
    expect(result.maintenance).toEqual([]);
  });

  it("purged: restore from a backup, no recover command", () => {
    const result = judge(cmkAiAccount(), { kind: "key-deleted", vault: vaultFacts(), lookup: "not-found" });
    expect(result.findings.map((f) => f.code)).toEqual(["CmkKeyDeleted"]);
    const body = result.findings[0]?.body ?? "";
    expect(body).toMatch(/purged .* cannot be recovered/);
    expect(body).toContain("az keyvault key restore --file <backup file> --vault-name kv-cmk");
    expect(body).not.toContain("key recover");
    expect(body).toContain("fine-tuning, data download and new deployments stop");
  });

  it("in a Managed HSM pool: the --hsm-name form", () => {
    const hsmDes = des({
      activeKey: { keyUrl: `https://pool-one.managedhsm.azure.net/keys/cmk-aoai/${KEY_V1.split("/").pop()}` },
    });
    const result = judge(hsmDes, { kind: "key-deleted", lookup: "found" });
    expect(result.findings[0]?.body).toContain("az keyvault key recover --hsm-name pool-one --name cmk-aoai");
  });

  it("keeps the vault's own findings", () => {
    const result = judge(des(), {
      kind: "key-deleted",
      vault: vaultFacts({ enablePurgeProtection: false }),
      lookup: "not-found",
    });
    expect(result.findings.map((f) => f.code)).toEqual(["CmkVaultPurgeProtectionOff", "CmkKeyDeleted"]);
  });
});

describe("a deleted vault under a consumer", () => {
  it("soft-deleted: urgent CmkVaultDeleted; recover the vault, and re-create RBAC role assignments", () => {
    const result = judge(cmkMlWorkspace(), {
      kind: "vault-deleted",
      lookup: "found",
      deletedVault: {
        id: `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-cmk`,
        name: "kv-cmk",
        vaultId: VAULT_ID,
        location: "westeurope",
        deletionDate: new Date("2026-05-30T00:00:00Z"),
        scheduledPurgeDate: new Date("2026-08-28T00:00:00Z"),
        purgeProtectionEnabled: true,
      },
    });
    expect(result.findings.map((f) => [f.code, f.severity])).toEqual([["CmkVaultDeleted", "urgent"]]);
    const body = result.findings[0]?.body ?? "";
    expect(body).toContain("az keyvault recover --name kv-cmk --location westeurope");
    expect(body).toMatch(/does \*\*not\*\* restore its Azure RBAC role assignments/);
    expect(body).toContain(
      `az role assignment create --assignee-object-id ${PRINCIPAL} --assignee-principal-type ServicePrincipal --role "Key Vault Crypto Service Encryption User" --scope ${VAULT_ID}`,
    );
    expect(body).toContain("until 2026-08-28T00:00:00.000Z");
    expect(result.maintenance).toEqual([]);
  });

  it("not found anywhere: still urgent, saying it may be purged", () => {
    const result = judge(des(), { kind: "vault-deleted", lookup: "not-found" });
    expect(result.findings.map((f) => f.code)).toEqual(["CmkVaultDeleted"]);
    expect(result.findings[0]?.body).toMatch(/No soft-deleted vault of that name was found \(subscription/);
  });
});

describe("a key store that cannot be read", () => {
  it("makes the consumer undetermined, not compliant, with no catch-up rotation", () => {
    const result = judge(des(), {
      kind: "unreadable",
      reason: "the key vault kv-cmk could not be read: 503",
    });
    expect(result.compliant).toBe(false);
    expect(result.findings).toEqual([]);
    expect(result.undetermined).toEqual({ reason: "the key vault kv-cmk could not be read: 503" });
    expect(result.maintenance).toEqual([]);
  });
});

describe("the next rotation, checked against the current key, vault and access", () => {
  it("passes quietly when the preflight holds", () => {
    const result = judge(des(), present());
    expect(result.compliant).toBe(true);
    expect(isAtRisk(result)).toBe(false);
  });

  it("identity without key permission: at risk (CmkNextRotationRefused, high), listing the reason", () => {
    const result = judge(des(), present(vaultFacts({ accessPolicies: [] })));
    expect(result.findings.map((f) => [f.code, f.severity])).toEqual([["CmkNextRotationRefused", "high"]]);
    expect(isAtRisk(result)).toBe(true);
    expect(result.findings[0]?.title).toMatch(
      /^Disk encryption set des-westeurope: .*\(IdentityLacksKeyPermissions\)/,
    );
    expect(result.findings[0]?.body).toContain("`IdentityLacksKeyPermissions`");
  });

  // The current Azure OpenAI CMK doc supports vaults using Azure RBAC (docs/restrictions.md S16).
  it("AI services on a vault using Azure RBAC: not at risk with the encryption role, at risk without", () => {
    const rbac = vaultFacts({ enableRbacAuthorization: true, accessPolicies: [] });
    const withRole = judge(
      cmkAiAccount(),
      present(rbac, {
        roleAssignments: {
          ok: true,
          value: [
            {
              scope: VAULT_ID,
              principalId: PRINCIPAL,
              roleDefinitionId:
                "/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6",
            },
          ],
        },
      }),
    );
    expect(withRole.findings).toEqual([]);
    const withoutRole = judge(cmkAiAccount(), present(rbac, { roleAssignments: { ok: true, value: [] } }));
    expect(withoutRole.findings.map((f) => f.code)).toEqual(["CmkNextRotationRefused"]);
    expect(withoutRole.findings[0]?.body).toContain("`IdentityLacksKeyPermissions`");
    expect(withoutRole.findings[0]?.body).not.toContain("VaultUsesRbac");
  });

  it("a vault firewall that keeps trusted services out: VaultFirewallBlocksTrustedServices", () => {
    const result = judge(
      des(),
      present(vaultFacts({ networkAcls: { defaultAction: "Deny", bypass: "None" } })),
    );
    expect(result.findings[0]?.body).toContain("`VaultFirewallBlocksTrustedServices`");
  });

  it("ML service-side encryption: ServiceSideEncryptionNoRotation", () => {
    const workspace = cmkMlWorkspace({ enableServiceSideCMKEncryption: true });
    const result = judge(workspace, present(vaultFacts(), { currentKey: keyFacts("cmk-ml") }));
    expect(result.findings.map((f) => f.code)).toEqual(["CmkNextRotationRefused"]);
    expect(result.findings[0]?.body).toContain("`ServiceSideEncryptionNoRotation`");
  });

  it("reasons about the version in use are left to the key checks, not counted as at risk", () => {
    const result = judge(
      des(),
      present(vaultFacts(), { currentKey: keyFacts("cmk-aoai", { enabled: false }) }),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["CmkKeyDisabled"]);
    expect(isAtRisk(result)).toBe(false);
  });

  it("a vault using RBAC whose role assignments were not read: undetermined", () => {
    const result = judge(des(), present(vaultFacts({ enableRbacAuthorization: true })));
    expect(result.undetermined?.reason).toMatch(/role assignments .* were not read/);
    expect(result.compliant).toBe(false);
  });

  it("a consumer field of an unexpected shape: undetermined, naming the field", () => {
    const broken = {
      ...des(),
      identity: { type: "SystemAssigned", principalId: 42 },
    } as unknown as ArmResourceJson;
    const result = judge(broken, present());
    expect(result.undetermined).toEqual({
      reason: expect.stringMatching(/field identity\.principalId/) as unknown,
      field: "identity.principalId",
    });
  });
});
