import type { ArmResource, TenantFile } from "@cmkr/azure-emulator";

/** Deterministic ids of the sweep tenant. */
const tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const guid = (prefix: string, n: number): string =>
  `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const subscriptionOf = (n: number): string => guid("5e3c6f0a", n);

export const sweepVaultUrl = "https://kv-sweep.vault.azure.net";
export const sweepKeyName = "cmk";
export const sweepOldVersion = "0".repeat(31) + "1";
export const sweepNewVersion = "0".repeat(31) + "2";
const keyOld = `${sweepVaultUrl}/keys/${sweepKeyName}/${sweepOldVersion}`;
const keyNew = `${sweepVaultUrl}/keys/${sweepKeyName}/${sweepNewVersion}`;

/** What the generated tenant holds, so tests can check the sweep found exactly it. */
export interface SweepTenantCounts {
  /** Resources of the in-scope types (what the sweep walks). */
  inScope: number;
  /** Disks on platform keys, unattached: enforce mode attaches the set (a write each). */
  unattachedPlatformDisks: number;
  /** Disks on platform keys attached to a VM: a ticket each. */
  attachedPlatformDisks: number;
  /** OpenAI accounts on Microsoft-managed keys: a ticket each (ticket mode). */
  microsoftManagedAccounts: number;
  /** ML workspaces without CMK: a ticket each. */
  workspacesWithoutCmk: number;
  /** Disk encryption sets on the old key version, automatic rotation off: a catch-up rotation each. */
  laggingSets: number;
  /** Disk encryption sets on the old key version with automatic rotation on: left to the platform. */
  laggingAutoRotatingSets: number;
}

/** The generated tenant, the set enforce mode uses, and what it holds. */
export interface SweepTenant {
  tenant: TenantFile;
  /** The disk encryption set enforce mode attaches to platform-key disks (westeurope). */
  enforceSetId: string;
  counts: SweepTenantCounts;
  subscriptionIds: string[];
}

/**
 * A tenant of about `resources` in-scope resources over `resources / 100` subscriptions, mostly
 * compliant: disks on a disk encryption set, sets and OpenAI accounts and ML workspaces on the
 * newest version of one customer-managed key. About 2% need something: platform-key disks
 * (unattached ones are fixed in enforce mode, attached ones ticketed), Microsoft-managed OpenAI
 * accounts and ML workspaces without CMK (ticketed), sets behind the newest version (rotated), and
 * a few auto-rotating sets behind it (the platform's job). Consumers reach the key through one
 * user-assigned identity with one access policy, as large estates do. Linear in `resources`.
 */
export function sweepBenchTenant(resources: number): SweepTenant {
  const subscriptions = Math.max(1, Math.round(resources / 100));
  const subscriptionIds = Array.from({ length: subscriptions }, (_, i) => subscriptionOf(i + 1));
  const first = subscriptionIds[0] as string;
  const keysGroup = `/subscriptions/${first}/resourceGroups/rg-keys/providers`;
  const vaultId = `${keysGroup}/Microsoft.KeyVault/vaults/kv-sweep`;
  const identityId = `${keysGroup}/Microsoft.ManagedIdentity/userAssignedIdentities/id-cmk`;
  const principalId = guid("9a1b2c3d", 1);
  const clientId = guid("9a1b2c3e", 1);
  const enforceSetId = `${keysGroup}/Microsoft.Compute/diskEncryptionSets/des-enforce`;
  const userAssigned = {
    type: "UserAssigned",
    userAssignedIdentities: { [identityId]: { principalId, clientId } },
  };
  const counts: SweepTenantCounts = {
    inScope: 0,
    unattachedPlatformDisks: 0,
    attachedPlatformDisks: 0,
    microsoftManagedAccounts: 0,
    workspacesWithoutCmk: 0,
    laggingSets: 0,
    laggingAutoRotatingSets: 0,
  };
  const out: ArmResource[] = [];
  const add = (r: ArmResource, inScope = true): void => {
    out.push(r);
    if (inScope) counts.inScope++;
  };
  const vault = (name: string, id: string, uri: string): ArmResource => ({
    id,
    name,
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    properties: {
      tenantId,
      vaultUri: `${uri}/`,
      sku: { family: "A", name: "standard" },
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      enableRbacAuthorization: false,
      accessPolicies: [
        { tenantId, objectId: principalId, permissions: { keys: ["get", "wrapKey", "unwrapKey"] } },
      ],
      provisioningState: "Succeeded",
    },
  });
  add(vault("kv-sweep", vaultId, sweepVaultUrl));
  add(vault("kv-apps", `${keysGroup}/Microsoft.KeyVault/vaults/kv-apps`, "https://kv-apps.vault.azure.net"));
  add(
    {
      id: identityId,
      name: "id-cmk",
      type: "Microsoft.ManagedIdentity/userAssignedIdentities",
      location: "westeurope",
      properties: { tenantId, principalId, clientId },
    },
    false,
  );
  const des = (id: string, keyUrl: string, autoRotation: boolean): ArmResource => ({
    id,
    name: id.split("/").pop() ?? "",
    type: "Microsoft.Compute/diskEncryptionSets",
    location: "westeurope",
    identity: userAssigned,
    properties: {
      activeKey: { sourceVault: { id: vaultId }, keyUrl },
      encryptionType: "EncryptionAtRestWithCustomerKey",
      rotationToLatestKeyVersionEnabled: autoRotation,
      previousKeys: [],
      provisioningState: "Succeeded",
    },
  });
  add(des(enforceSetId, keyNew, false));

  for (let i = 0; i < resources - 3; i++) {
    const sub = subscriptionIds[i % subscriptions] as string;
    const group = `/subscriptions/${sub}/resourceGroups/rg-${i % 7}/providers`;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
      case 3: {
        const platform = i % 53 === 0;
        const attached = platform && i % 2 === 0;
        if (platform && attached) counts.attachedPlatformDisks++;
        else if (platform) counts.unattachedPlatformDisks++;
        add({
          id: `${group}/Microsoft.Compute/disks/disk-${i}`,
          name: `disk-${i}`,
          type: "Microsoft.Compute/disks",
          location: "westeurope",
          ...(attached ? { managedBy: `${group}/Microsoft.Compute/virtualMachines/vm-${i}` } : {}),
          sku: { name: "Premium_LRS", tier: "Premium" },
          properties: {
            creationData: { createOption: "Empty" },
            diskSizeGB: 128,
            diskState: attached ? "Attached" : "Unattached",
            encryption: platform
              ? { type: "EncryptionAtRestWithPlatformKey" }
              : { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: enforceSetId },
            provisioningState: "Succeeded",
          },
        });
        break;
      }
      case 4:
      case 5:
      case 6: {
        const autoLagging = i % 499 === 5;
        const lagging = !autoLagging && i % 61 === 4;
        if (lagging) counts.laggingSets++;
        if (autoLagging) counts.laggingAutoRotatingSets++;
        add(
          des(
            `${group}/Microsoft.Compute/diskEncryptionSets/des-${i}`,
            lagging || autoLagging ? keyOld : keyNew,
            autoLagging,
          ),
        );
        break;
      }
      case 7:
      case 8: {
        const microsoftManaged = i % 47 === 7;
        if (microsoftManaged) counts.microsoftManagedAccounts++;
        add({
          id: `${group}/Microsoft.CognitiveServices/accounts/aoai-${i}`,
          name: `aoai-${i}`,
          type: "Microsoft.CognitiveServices/accounts",
          kind: "OpenAI",
          location: "westeurope",
          sku: { name: "S0" },
          identity: userAssigned,
          properties: {
            ...(microsoftManaged
              ? {}
              : {
                  encryption: {
                    keySource: "Microsoft.KeyVault",
                    keyVaultProperties: {
                      keyVaultUri: `${sweepVaultUrl}/`,
                      keyName: sweepKeyName,
                      keyVersion: sweepNewVersion,
                      identityClientId: clientId,
                    },
                  },
                }),
            provisioningState: "Succeeded",
          },
        });
        break;
      }
      default: {
        const withoutCmk = i % 41 === 9;
        if (withoutCmk) counts.workspacesWithoutCmk++;
        add({
          id: `${group}/Microsoft.MachineLearningServices/workspaces/mlw-${i}`,
          name: `mlw-${i}`,
          type: "Microsoft.MachineLearningServices/workspaces",
          kind: "Default",
          location: "westeurope",
          identity: userAssigned,
          properties: {
            friendlyName: `mlw-${i}`,
            hbiWorkspace: false,
            ...(withoutCmk
              ? {}
              : {
                  encryption: {
                    status: "Enabled",
                    identity: { userAssignedIdentity: identityId },
                    keyVaultProperties: {
                      keyVaultArmId: vaultId,
                      keyIdentifier: keyNew,
                      identityClientId: clientId,
                    },
                  },
                }),
            provisioningState: "Succeeded",
          },
        });
      }
    }
  }
  const version = (v: string, createdOn: string, expiresOn: string) => ({
    version: v,
    kty: "RSA" as const,
    keySize: 3072,
    enabled: true,
    createdOn,
    notBefore: null,
    expiresOn,
    keyOps: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
  });
  return {
    enforceSetId,
    counts,
    subscriptionIds,
    tenant: {
      tenantId,
      subscriptions: subscriptionIds.map((subscriptionId, i) => ({
        subscriptionId,
        displayName: `sweep-${i + 1}`,
      })),
      resources: out,
      keyVaults: {
        [sweepVaultUrl]: {
          keys: {
            [sweepKeyName]: [
              version(sweepOldVersion, "2026-01-01T00:00:00Z", "2027-06-01T00:00:00Z"),
              version(sweepNewVersion, "2026-10-01T00:00:00Z", "2027-12-01T00:00:00Z"),
            ],
          },
        },
        "https://kv-apps.vault.azure.net": { keys: {} },
      },
    },
  };
}
