import type { ArmResource, TenantFile } from "@cmkr/azure-emulator";

/** Deterministic ids for generated tenants. */
export const hex32 = (n: number): string => n.toString(16).padStart(32, "0");
export const subscriptionGuid = (n: number): string =>
  `5e3c6f0a-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const principalGuid = (n: number): string => `9a1b2c3d-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

export const benchVaultUrl = "https://kv-bench.vault.azure.net";
export const benchKey = "cmk";
export const oldVersion = hex32(1);
export const newVersion = hex32(2);

/**
 * A tenant of `subscriptions` subscriptions with `consumers` consumers of one key (disk encryption
 * sets and OpenAI accounts, alternating) on the old version, and `noise` unrelated disks per
 * subscription, so a per-subscription listing has real work to do.
 */
export function rotationBenchTenant(subscriptions: number, consumers: number, noise = 0): TenantFile {
  const vaultId = `/subscriptions/${subscriptionGuid(1)}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-bench`;
  const policies: unknown[] = [];
  const resources: ArmResource[] = [];
  for (let i = 0; i < consumers; i++) {
    const sub = subscriptionGuid((i % subscriptions) + 1);
    const principalId = principalGuid(i + 1);
    policies.push({
      tenantId: "t",
      objectId: principalId,
      permissions: { keys: ["get", "wrapKey", "unwrapKey"] },
    });
    const identity = {
      type: "SystemAssigned",
      principalId,
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    };
    if (i % 2 === 0) {
      resources.push({
        id: `/subscriptions/${sub}/resourceGroups/rg-compute/providers/Microsoft.Compute/diskEncryptionSets/des-${i}`,
        name: `des-${i}`,
        type: "Microsoft.Compute/diskEncryptionSets",
        location: "westeurope",
        identity,
        properties: {
          activeKey: {
            keyUrl: `${benchVaultUrl}/keys/${benchKey}/${oldVersion}`,
            sourceVault: { id: vaultId },
          },
          encryptionType: "EncryptionAtRestWithCustomerKey",
          rotationToLatestKeyVersionEnabled: false,
          provisioningState: "Succeeded",
        },
      });
    } else {
      resources.push({
        id: `/subscriptions/${sub}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-${i}`,
        name: `aoai-${i}`,
        type: "Microsoft.CognitiveServices/accounts",
        kind: "OpenAI",
        location: "westeurope",
        identity,
        properties: {
          provisioningState: "Succeeded",
          encryption: {
            keySource: "Microsoft.KeyVault",
            keyVaultProperties: {
              keyVaultUri: `${benchVaultUrl}/`,
              keyName: benchKey,
              keyVersion: oldVersion,
            },
          },
        },
      });
    }
  }
  for (let s = 1; s <= subscriptions; s++) {
    for (let n = 0; n < noise; n++) {
      const sub = subscriptionGuid(s);
      resources.push({
        id: `/subscriptions/${sub}/resourceGroups/rg-data/providers/Microsoft.Compute/disks/disk-${n}`,
        name: `disk-${n}`,
        type: "Microsoft.Compute/disks",
        location: "westeurope",
        properties: { encryption: { type: "EncryptionAtRestWithPlatformKey" }, diskState: "Unattached" },
      });
    }
  }
  resources.unshift({
    id: vaultId,
    name: "kv-bench",
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    properties: {
      tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      vaultUri: `${benchVaultUrl}/`,
      enableSoftDelete: true,
      enablePurgeProtection: true,
      enableRbacAuthorization: false,
      accessPolicies: policies,
    },
  });
  const version = (v: string, createdOn: string) => ({
    version: v,
    kty: "RSA" as const,
    keySize: 2048,
    enabled: true,
    createdOn,
    notBefore: null,
    expiresOn: "2028-01-01T00:00:00Z",
    keyOps: ["wrapKey", "unwrapKey"],
  });
  return {
    tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    subscriptions: Array.from({ length: subscriptions }, (_, i) => ({
      subscriptionId: subscriptionGuid(i + 1),
      displayName: `sub-${i + 1}`,
    })),
    resources,
    keyVaults: {
      [benchVaultUrl]: {
        keys: {
          [benchKey]: [
            version(oldVersion, "2026-01-01T00:00:00Z"),
            version(newVersion, "2026-11-20T00:00:00Z"),
          ],
        },
      },
    },
  };
}

/** A KeyNewVersionCreated delivery for the bench key. */
export function benchKeyEvent(): unknown {
  return {
    id: "bench-event",
    topic: `/subscriptions/${subscriptionGuid(1)}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-bench`,
    subject: benchKey,
    eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
    eventTime: "2026-11-22T12:00:00Z",
    dataVersion: "1",
    metadataVersion: "1",
    data: {
      Id: `${benchVaultUrl}/keys/${benchKey}/${newVersion}`,
      VaultName: "kv-bench",
      ObjectType: "Key",
      ObjectName: benchKey,
      Version: newVersion,
      NBF: null,
      EXP: 1830297600,
    },
  };
}
