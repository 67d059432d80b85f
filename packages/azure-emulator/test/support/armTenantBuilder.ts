import {
  parseTenantFile,
  type ArmResource,
  type TenantFile,
  type TenantKeyVersion,
} from "../../src/index.js";

/** Small tenants for ARM tests, built in code so each test shows what it relies on. */

export const TENANT_ID = "72f988bf-0000-0000-0000-0000000000aa";
export const SUB = "5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a";
export const SUB2 = "6f4d7a1b-2c3d-4e5f-9a0b-1c2d3e4f5a6b";
export const VAULT_URL = "https://kv-cmk.vault.azure.net";
export const OTHER_VAULT_URL = "https://kv-other.vault.azure.net";
export const LOCATION = "westeurope";

/** A usable RSA 2048 key version created at `createdOn`. */
export function keyVersion(
  version: string,
  createdOn: string,
  overrides: Partial<TenantKeyVersion> = {},
): TenantKeyVersion {
  return {
    version,
    kty: "RSA",
    keySize: 2048,
    enabled: true,
    createdOn,
    notBefore: null,
    expiresOn: null,
    keyOps: ["wrapKey", "unwrapKey"],
    ...overrides,
  };
}

export function rgId(rg: string, sub = SUB): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}`;
}

export function vaultId(rg: string, name: string, sub = SUB): string {
  return `${rgId(rg, sub)}/providers/Microsoft.KeyVault/vaults/${name}`;
}

export class TenantBuilder {
  private readonly subscriptions: TenantFile["subscriptions"] = [
    { subscriptionId: SUB, displayName: "prod" },
  ];
  private readonly resources: ArmResource[] = [];
  private readonly keyVaults: TenantFile["keyVaults"] = {};

  subscription(subscriptionId: string, displayName: string, managementGroupId?: string): this {
    this.subscriptions.push({
      subscriptionId,
      displayName,
      ...(managementGroupId === undefined ? {} : { managementGroupId }),
    });
    return this;
  }

  /** Data-plane keys of a vault. */
  keys(vaultUrl: string, keys: Record<string, TenantKeyVersion[]>): this {
    this.keyVaults[vaultUrl] = { keys };
    return this;
  }

  resource(body: ArmResource): this {
    this.resources.push(body);
    return this;
  }

  /** A Microsoft.KeyVault/vaults resource serving `vaultUrl`. */
  vault(rg: string, name: string, vaultUrl: string): this {
    return this.resource({
      id: vaultId(rg, name),
      name,
      type: "Microsoft.KeyVault/vaults",
      location: LOCATION,
      properties: {
        vaultUri: `${vaultUrl}/`,
        enableSoftDelete: true,
        enablePurgeProtection: true,
        tenantId: TENANT_ID,
        sku: { family: "A", name: "standard" },
        accessPolicies: [],
      },
    });
  }

  diskEncryptionSet(rg: string, name: string, keyUrl: string, sourceVaultId: string): this {
    return this.resource({
      id: `${rgId(rg)}/providers/Microsoft.Compute/diskEncryptionSets/${name}`,
      name,
      type: "Microsoft.Compute/diskEncryptionSets",
      location: LOCATION,
      identity: {
        type: "SystemAssigned",
        principalId: "9a1b2c3d-0000-0000-0000-00000000de51",
        tenantId: TENANT_ID,
      },
      properties: {
        activeKey: { keyUrl, sourceVault: { id: sourceVaultId } },
        encryptionType: "EncryptionAtRestWithCustomerKey",
        rotationToLatestKeyVersionEnabled: false,
        provisioningState: "Succeeded",
      },
    });
  }

  cognitiveAccount(rg: string, name: string, encryption?: Record<string, unknown>): this {
    return this.resource({
      id: `${rgId(rg)}/providers/Microsoft.CognitiveServices/accounts/${name}`,
      name,
      type: "Microsoft.CognitiveServices/accounts",
      kind: "OpenAI",
      location: LOCATION,
      sku: { name: "S0" },
      identity: {
        type: "SystemAssigned",
        principalId: "9a1b2c3d-0000-0000-0000-0000000000a1",
        tenantId: TENANT_ID,
      },
      properties: {
        provisioningState: "Succeeded",
        ...(encryption === undefined ? {} : { encryption }),
      },
    });
  }

  mlWorkspace(rg: string, name: string, encryption?: Record<string, unknown>): this {
    return this.resource({
      id: `${rgId(rg)}/providers/Microsoft.MachineLearningServices/workspaces/${name}`,
      name,
      type: "Microsoft.MachineLearningServices/workspaces",
      kind: "Default",
      location: LOCATION,
      identity: {
        type: "SystemAssigned",
        principalId: "9a1b2c3d-0000-0000-0000-0000000000b1",
        tenantId: TENANT_ID,
      },
      properties: {
        provisioningState: "Succeeded",
        hbiWorkspace: false,
        ...(encryption === undefined ? {} : { encryption }),
      },
    });
  }

  disk(rg: string, name: string, properties: Record<string, unknown>, managedBy?: string): this {
    return this.resource({
      id: `${rgId(rg)}/providers/Microsoft.Compute/disks/${name}`,
      name,
      type: "Microsoft.Compute/disks",
      location: LOCATION,
      ...(managedBy === undefined ? {} : { managedBy }),
      properties: { provisioningState: "Succeeded", diskSizeGB: 128, ...properties },
    });
  }

  /** A VM; `powerState` like `running` or `deallocated` becomes an instance view status. */
  vm(rg: string, name: string, powerState?: string): this {
    return this.resource({
      id: `${rgId(rg)}/providers/Microsoft.Compute/virtualMachines/${name}`,
      name,
      type: "Microsoft.Compute/virtualMachines",
      location: LOCATION,
      properties: {
        provisioningState: "Succeeded",
        ...(powerState === undefined
          ? {}
          : {
              instanceView: {
                statuses: [{ code: "ProvisioningState/succeeded" }, { code: `PowerState/${powerState}` }],
              },
            }),
      },
    });
  }

  roleAssignment(scope: string, name: string, principalId: string, roleGuid: string, withScope = true): this {
    return this.resource({
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: "Microsoft.Authorization/roleAssignments",
      properties: {
        roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
        principalId,
        principalType: "ServicePrincipal",
        ...(withScope ? { scope } : {}),
      },
    });
  }

  /** The tenant file, validated against the contract. */
  build(): TenantFile {
    return parseTenantFile({
      tenantId: TENANT_ID,
      subscriptions: this.subscriptions,
      resources: this.resources,
      keyVaults: this.keyVaults,
    });
  }
}
