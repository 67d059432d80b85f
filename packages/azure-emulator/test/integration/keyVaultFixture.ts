import { parseTenantFile, type TenantFile } from "../../src/tenantFile.js";

export const tenantId = "11111111-2222-3333-4444-555555555555";
export const subscriptionId = "00000000-0000-0000-0000-000000000001";

/** Versions of `cmk-aoai`, named so that id order differs from creation order. */
export const aoaiVersions = {
  oldest: "f0000000000000000000000000000001",
  middle: "a0000000000000000000000000000002",
  newest: "c0000000000000000000000000000003",
} as const;

const otherCloudVersion = {
  version: "22222222222222222222222222222222",
  kty: "RSA-HSM",
  keySize: 2048,
  enabled: true,
  createdOn: "2025-03-01T00:00:00Z",
  keyOps: ["wrapKey", "unwrapKey"],
};

function vaultResource(name: string, properties: Record<string, unknown>): TenantFile["resources"][number] {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/${name}`,
    name,
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    properties: { vaultUri: `https://${name}.vault.azure.net/`, ...properties },
  };
}

/**
 * A tenant with vaults kv-cmk (purge protection, 90 days), kv-short (7 days, purgeable), kv-bare
 * (no ARM resource: Azure's defaults), one in the US Government cloud and one managed HSM pool.
 */
export function keyVaultTenant(): TenantFile {
  return parseTenantFile({
    tenantId,
    subscriptions: [{ subscriptionId, displayName: "prod" }],
    resources: [
      vaultResource("kv-cmk", {
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: true,
      }),
      vaultResource("kv-short", { softDeleteRetentionInDays: 7 }),
    ],
    keyVaults: {
      "https://kv-cmk.vault.azure.net": {
        keys: {
          "cmk-aoai": [
            {
              version: aoaiVersions.oldest,
              kty: "RSA",
              keySize: 2048,
              enabled: true,
              createdOn: "2025-01-01T00:00:00Z",
              notBefore: null,
              expiresOn: null,
              keyOps: ["wrapKey", "unwrapKey"],
            },
            {
              version: aoaiVersions.newest,
              kty: "RSA",
              keySize: 3072,
              enabled: true,
              createdOn: "2025-09-01T00:00:00Z",
              notBefore: "2025-09-01T00:00:00Z",
              expiresOn: "2027-01-01T00:00:00Z",
              keyOps: ["wrapKey", "unwrapKey"],
              tags: { owner: "platform" },
            },
            {
              version: aoaiVersions.middle,
              kty: "RSA-HSM",
              keySize: 4096,
              enabled: false,
              createdOn: "2025-06-01T00:00:00Z",
              keyOps: ["wrapKey", "unwrapKey", "encrypt", "decrypt"],
            },
          ],
          "cmk-ec": [
            {
              version: "0123456789abcdef0123456789abcdef",
              kty: "EC",
              curve: "P-384",
              enabled: true,
              createdOn: "2025-02-01T00:00:00Z",
              keyOps: ["sign", "verify"],
            },
          ],
        },
      },
      "https://kv-short.vault.azure.net": {
        keys: {
          "disk-key": [
            {
              version: "11111111111111111111111111111111",
              kty: "RSA",
              keySize: 2048,
              enabled: true,
              createdOn: "2025-03-01T00:00:00Z",
              keyOps: ["wrapKey", "unwrapKey"],
            },
          ],
        },
      },
      "https://kv-bare.vault.azure.net": { keys: {} },
      "https://kv-gov.vault.usgovcloudapi.net": { keys: { "gov-key": [otherCloudVersion] } },
      "https://pool1.managedhsm.azure.net": { keys: { "hsm-key": [otherCloudVersion] } },
    },
  });
}
