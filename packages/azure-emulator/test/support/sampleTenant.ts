import type { ArmResource } from "../../src/tenantFile.js";
import { TenantBuilder } from "../../src/tenantBuilder/index.js";

/**
 * Tenants of the builder's own tests, shared with the product's test of what the service reads back
 * from them (test/unit/builtTenantFacts.test.ts).
 */

export const SUB = "0b1f6471-1bf0-4dda-aec3-111111111111";
export const rg = (name: string) => ({ subscriptionId: SUB, resourceGroup: name });

/** A tenant with one of everything, wired the way the service expects. */
export function sampleTenant(seed = "sample") {
  const b = new TenantBuilder({ seed });
  b.subscription(SUB, "prod");
  const vault = b.vault({
    ...rg("rg-keys"),
    name: "kv-cmk",
    networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
  });
  const key = b.key(vault, "cmk", [
    { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2027-06-01T00:00:00Z" },
    { createdOn: "2026-11-20T00:00:00Z", keySize: 3072 },
  ]);
  const [v1] = key.versionIds as [string, string];
  const uai = b.userAssignedIdentity({ ...rg("rg-identity"), name: "id-cmk" });
  const account = b.aiServicesAccount({
    ...rg("rg-ai"),
    name: "aoai-one",
    kind: "OpenAI",
    cmk: { vaultUrl: vault.url, keyName: "cmk", keyVersion: key.versions[0] as string },
  });
  const uaiAccount = b.aiServicesAccount({
    ...rg("rg-ai"),
    name: "ais-uai",
    kind: "AIServices",
    identity: { userAssigned: [uai] },
    cmk: {
      vaultUrl: vault.url,
      keyName: "cmk",
      keyVersion: key.versions[0] as string,
      identityClientId: uai.clientId,
    },
  });
  const des = b.diskEncryptionSet({
    ...rg("rg-compute"),
    name: "des-one",
    keyUrl: v1,
    sourceVaultId: vault.id,
    autoRotation: true,
  });
  const vm = b.virtualMachine({ ...rg("rg-compute"), name: "vm-one", powerState: "deallocated" });
  const osDisk = b.disk({
    ...rg("rg-compute"),
    name: "vm-one-os",
    osType: "Linux",
    encryption: "platform",
    managedBy: vm.id,
  });
  const dataDisk = b.disk({
    ...rg("rg-compute"),
    name: "vm-one-data",
    encryption: { desId: des.id },
    managedBy: vm.id,
  });
  // The Project comes before its Hub on purpose: the Hub's list must still name it.
  const hubId = `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlh-one`;
  const project = b.mlWorkspace({ ...rg("rg-ml"), name: "mlp-one", kind: "Project", hubId });
  const hub = b.mlWorkspace({
    ...rg("rg-ml"),
    name: "mlh-one",
    kind: "Hub",
    cmk: { vaultId: vault.id, keyId: v1 },
  });
  const sse = b.mlWorkspace({
    ...rg("rg-ml"),
    name: "mlw-sse",
    cmk: { vaultId: vault.id, keyId: v1 },
    serviceSideEncryption: true,
    hbi: true,
    identity: { userAssigned: [uai], systemAssigned: true },
  });
  const assignment = b.roleAssignment({
    scope: vault.id,
    principalId: des.principalId as string,
    roleDefinitionName: "Key Vault Crypto Service Encryption User",
  });
  for (const principal of [account.principalId, des.principalId, hub.principalId, uai.principalId]) {
    b.grantKeyAccess(vault, principal as string);
  }
  return {
    b,
    vault,
    key,
    uai,
    account,
    uaiAccount,
    des,
    vm,
    osDisk,
    dataDisk,
    project,
    hub,
    sse,
    assignment,
  };
}

/** The body of resource `id` in `tenant`. */
export function body(tenant: { resources: ArmResource[] }, id: string): ArmResource {
  const found = tenant.resources.find((r) => r.id === id);
  if (found === undefined) throw new Error(`no ${id}`);
  return found;
}

/** The vaults of the vault test: strict (access policies) and loose (RBAC, no purge protection). */
export function vaultTenant() {
  const b = new TenantBuilder({ seed: "vaults" });
  b.subscription(SUB, "prod");
  const strict = b.vault({
    ...rg("rg-keys"),
    name: "kv-strict",
    accessPolicies: [{ objectId: "p1", keys: ["get"] }],
  });
  const loose = b.vault({ ...rg("rg-keys"), name: "kv-loose", purgeProtection: false, rbac: true });
  b.grantKeyAccess(strict, "p2");
  return { b, strict, loose };
}

/** Consumers without identity or CMK. */
export function bareTenant() {
  const b = new TenantBuilder();
  b.subscription(SUB, "prod");
  const bare = b.aiServicesAccount({ ...rg("rg"), name: "a1", kind: "AIServices", identity: "None" });
  const explicit = b.aiServicesAccount({
    ...rg("rg"),
    name: "a2",
    kind: "OpenAI",
    explicitMicrosoftManagedKey: true,
  });
  const ml = b.mlWorkspace({ ...rg("rg"), name: "w1" });
  return { b, bare, explicit, ml };
}

export const KEY_SUB = "0b1f6471-1bf0-4dda-aec3-111111111111";

/** A vault with one key of two versions, for addBulkConsumers. */
export function keyTenant(seed: string) {
  const b = new TenantBuilder({ seed });
  b.subscription(KEY_SUB, "keys");
  const vault = b.vault({ subscriptionId: KEY_SUB, resourceGroup: "rg-keys", name: "kv-bulk" });
  const key = b.key(vault, "cmk", [
    { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
    { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-11-20T00:00:00Z" },
  ]);
  return { b, vault, key, version: key.versions[0] as string };
}
