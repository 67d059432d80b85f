import type { KeyVersionFacts, VaultFacts } from "../../src/core/keyStores/keyFacts.js";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { detectionSettings, type DetectionSettingsInput } from "../../src/core/findings/detectionSettings.js";
import type { RuleContext } from "../../src/core/findings/ruleContext.js";

/** Realistic ARM resources for the detection rule tests, shaped as a GET returns them. */

export const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const SUB = "5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a";
export const NOW = new Date("2026-06-01T00:00:00Z");
export const VAULT_URL = "https://kv-cmk.vault.azure.net";
export const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-cmk`;
export const V1 = "4f2b8c1d9e0a4b7c8d6e5f4a3b2c1d0e";
export const V2 = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
export const KEY_V1 = `${VAULT_URL}/keys/cmk-aoai/${V1}`;
export const ENFORCE_KEY = `${VAULT_URL}/keys/cmk-aoai/${V2}`;
export const DES_ID = `/subscriptions/${SUB}/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets/des-westeurope`;
export const PRINCIPAL = "9b6a0c57-2d4e-4f3a-8b1c-7e6d5c4b3a29";

export function rg(name: string): string {
  return `/subscriptions/${SUB}/resourceGroups/${name}`;
}

/** An Azure OpenAI account with Microsoft-managed keys and a system-assigned identity. */
export function aiAccount(overrides: Partial<ArmResourceJson> = {}): ArmResourceJson {
  return {
    id: `${rg("rg-ai")}/providers/Microsoft.CognitiveServices/accounts/aoai-prod`,
    name: "aoai-prod",
    type: "Microsoft.CognitiveServices/accounts",
    location: "westeurope",
    kind: "OpenAI",
    sku: { name: "S0" },
    identity: { type: "SystemAssigned", principalId: PRINCIPAL, tenantId: TENANT },
    properties: {
      endpoint: "https://aoai-prod.openai.azure.com/",
      provisioningState: "Succeeded",
      customSubDomainName: "aoai-prod",
      publicNetworkAccess: "Enabled",
    },
    ...overrides,
  };
}

/** The same account encrypted with `KEY_V1`. */
export function cmkAiAccount(): ArmResourceJson {
  const base = aiAccount();
  return {
    ...base,
    properties: {
      ...base.properties,
      encryption: {
        keySource: "Microsoft.KeyVault",
        keyVaultProperties: { keyVaultUri: `${VAULT_URL}/`, keyName: "cmk-aoai", keyVersion: V1 },
      },
    },
  };
}

/** A Machine Learning workspace (kind Default) created without CMK. */
export function mlWorkspace(overrides: Partial<ArmResourceJson> = {}): ArmResourceJson {
  return {
    id: `${rg("rg-ml")}/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod`,
    name: "mlw-prod",
    type: "Microsoft.MachineLearningServices/workspaces",
    location: "westeurope",
    kind: "Default",
    identity: { type: "SystemAssigned", principalId: PRINCIPAL, tenantId: TENANT },
    sku: { name: "Basic", tier: "Basic" },
    properties: {
      friendlyName: "mlw-prod",
      storageAccount: `${rg("rg-ml")}/providers/Microsoft.Storage/storageAccounts/stmlwprod`,
      keyVault: `${rg("rg-ml")}/providers/Microsoft.KeyVault/vaults/kv-mlw-prod`,
      hbiWorkspace: false,
      encryption: { status: "Disabled" },
      provisioningState: "Succeeded",
    },
    ...overrides,
  };
}

/** A Machine Learning workspace encrypted with a key of `kv-cmk`. */
export function cmkMlWorkspace(extra: Record<string, unknown> = {}): ArmResourceJson {
  const base = mlWorkspace();
  return {
    ...base,
    properties: {
      ...base.properties,
      encryption: {
        status: "Enabled",
        keyVaultProperties: { keyVaultArmId: VAULT_ID, keyIdentifier: `${VAULT_URL}/keys/cmk-ml/${V1}` },
      },
      serviceProvisionedResourceGroup: "azureml-rg-mlw-prod_0d7f0a1e-3b2c-4d5e-8f9a-1b2c3d4e5f6a",
      ...extra,
    },
  };
}

/** A managed disk on a platform-managed key. */
export function disk(state: string, overrides: Partial<ArmResourceJson> = {}): ArmResourceJson {
  return {
    id: `${rg("rg-vm")}/providers/Microsoft.Compute/disks/vm1-data0`,
    name: "vm1-data0",
    type: "Microsoft.Compute/disks",
    location: "West Europe",
    sku: { name: "Premium_LRS", tier: "Premium" },
    ...(state === "Attached" || state === "Reserved"
      ? { managedBy: `${rg("rg-vm")}/providers/Microsoft.Compute/virtualMachines/vm1` }
      : {}),
    properties: {
      creationData: { createOption: "Empty" },
      diskSizeGB: 128,
      encryption: { type: "EncryptionAtRestWithPlatformKey" },
      diskState: state,
      provisioningState: "Succeeded",
    },
    ...overrides,
  };
}

/** A disk encryption set on `KEY_V1`, automatic rotation off. */
export function des(properties: Record<string, unknown> = {}): ArmResourceJson {
  return {
    id: DES_ID,
    name: "des-westeurope",
    type: "Microsoft.Compute/diskEncryptionSets",
    location: "westeurope",
    identity: { type: "SystemAssigned", principalId: PRINCIPAL, tenantId: TENANT },
    properties: {
      activeKey: { keyUrl: KEY_V1, sourceVault: { id: VAULT_ID } },
      encryptionType: "EncryptionAtRestWithCustomerKey",
      rotationToLatestKeyVersionEnabled: false,
      provisioningState: "Succeeded",
      ...properties,
    },
  };
}

/** The `kv-cmk` vault as ARM returns it. */
export function keyVaultResource(properties: Record<string, unknown> = {}): ArmResourceJson {
  return {
    id: VAULT_ID,
    name: "kv-cmk",
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    properties: {
      tenantId: TENANT,
      sku: { family: "A", name: "standard" },
      vaultUri: `${VAULT_URL}/`,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      enableRbacAuthorization: false,
      accessPolicies: [
        { tenantId: TENANT, objectId: PRINCIPAL, permissions: { keys: ["get", "wrapKey", "unwrapKey"] } },
      ],
      ...properties,
    },
  };
}

export function vaultFacts(overrides: Partial<VaultFacts> = {}): VaultFacts {
  return {
    armId: VAULT_ID,
    vaultUri: `${VAULT_URL}/`,
    location: "westeurope",
    tenantId: TENANT,
    enableSoftDelete: true,
    enablePurgeProtection: true,
    enableRbacAuthorization: false,
    accessPolicies: [
      { tenantId: TENANT, objectId: PRINCIPAL, keyPermissions: ["get", "wrapKey", "unwrapKey"] },
    ],
    ...overrides,
  };
}

export function keyFacts(keyName: string, overrides: Partial<KeyVersionFacts> = {}): KeyVersionFacts {
  return {
    keyId: `${VAULT_URL}/keys/${keyName}/${V1}`,
    vaultUrl: VAULT_URL,
    keyName,
    version: V1,
    kty: "RSA",
    keySize: 2048,
    enabled: true,
    createdOn: new Date("2026-01-01T00:00:00Z"),
    expiresOn: new Date("2027-01-01T00:00:00Z"),
    keyOps: ["wrapKey", "unwrapKey"],
    ...overrides,
  };
}

export function context(
  settings: DetectionSettingsInput = {},
  extra: Omit<Partial<RuleContext>, "settings"> = {},
): RuleContext {
  return { settings: detectionSettings(settings), now: NOW, ...extra };
}
