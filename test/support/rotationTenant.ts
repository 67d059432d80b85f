import {
  parseTenantFile,
  type ArmResource,
  type TenantFile,
  type TenantKeyVersion,
} from "@cmkr/azure-emulator";

/** A tenant where one Key Vault key is used by every kind of consumer, for rotation tests. */

export const TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
export const VAULT_HOST = "kv-cmk.vault.azure.net";
export const VAULT_URL = `https://${VAULT_HOST}`;
export const KEY = "cmk";
export const LOCATION = "westeurope";

/** Deterministic 32-hex ids and GUIDs. */
export function hex32(n: number): string {
  return n.toString(16).padStart(32, "0");
}
export function guid(n: number, prefix = "00000000"): string {
  const h = n.toString(16).padStart(12, "0");
  return `${prefix}-0000-4000-8000-${h}`;
}
export function subscriptionId(n: number): string {
  return guid(n, "5e3c6f0a");
}

export const V1 = hex32(0xa1);
export const V2 = hex32(0xb2);
export const V3 = hex32(0xc3);

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
    expiresOn: "2028-01-01T00:00:00Z",
    keyOps: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
    ...overrides,
  };
}

export const keyId = (version: string, name = KEY): string => `${VAULT_URL}/keys/${name}/${version}`;

interface ConsumerOptions {
  sub?: number;
  principal?: number;
  /** Leave the identity out of the vault's access policies. */
  noAccess?: boolean;
  /** Access-policy key permissions (default get, wrapKey, unwrapKey). */
  permissions?: string[];
}

/** Builds the tenant step by step; every consumer starts on `version`. */
export class RotationTenantBuilder {
  private readonly resources: ArmResource[] = [];
  private readonly policies: { tenantId: string; objectId: string; permissions: { keys: string[] } }[] = [];
  private readonly subs = new Set<number>([1]);
  private versions: TenantKeyVersion[] = [keyVersion(V1, "2026-01-01T00:00:00Z")];
  private nextPrincipal = 1;
  private vaultProps: Record<string, unknown> = {};

  constructor(private readonly startVersion = V1) {}

  /** Replaces the key's versions. */
  withVersions(versions: TenantKeyVersion[]): this {
    this.versions = versions;
    return this;
  }

  /** Overrides vault properties (purge protection, RBAC, firewall...). */
  withVault(props: Record<string, unknown>): this {
    this.vaultProps = props;
    return this;
  }

  private principal(options: ConsumerOptions): string {
    const id = guid(options.principal ?? this.nextPrincipal++, "9a1b2c3d");
    if (options.noAccess !== true) {
      this.policies.push({
        tenantId: TENANT_ID,
        objectId: id,
        permissions: { keys: options.permissions ?? ["get", "wrapKey", "unwrapKey"] },
      });
    }
    return id;
  }

  private rg(sub: number, rg: string): string {
    this.subs.add(sub);
    return `/subscriptions/${subscriptionId(sub)}/resourceGroups/${rg}`;
  }

  get vaultId(): string {
    return `${this.rg(1, "rg-keys")}/providers/Microsoft.KeyVault/vaults/kv-cmk`;
  }

  aiAccount(name: string, kind: "OpenAI" | "AIServices", options: ConsumerOptions = {}): string {
    const id = `${this.rg(options.sub ?? 1, "rg-ai")}/providers/Microsoft.CognitiveServices/accounts/${name}`;
    this.resources.push({
      id,
      name,
      type: "Microsoft.CognitiveServices/accounts",
      kind,
      location: LOCATION,
      sku: { name: "S0" },
      identity: { type: "SystemAssigned", principalId: this.principal(options), tenantId: TENANT_ID },
      properties: {
        provisioningState: "Succeeded",
        customSubDomainName: name,
        encryption: {
          keySource: "Microsoft.KeyVault",
          keyVaultProperties: { keyVaultUri: `${VAULT_URL}/`, keyName: KEY, keyVersion: this.startVersion },
        },
      },
    });
    return id;
  }

  des(name: string, options: ConsumerOptions & { autoRotation?: boolean } = {}): string {
    const id = `${this.rg(options.sub ?? 1, "rg-compute")}/providers/Microsoft.Compute/diskEncryptionSets/${name}`;
    this.resources.push({
      id,
      name,
      type: "Microsoft.Compute/diskEncryptionSets",
      location: LOCATION,
      identity: { type: "SystemAssigned", principalId: this.principal(options), tenantId: TENANT_ID },
      properties: {
        activeKey: { keyUrl: keyId(this.startVersion), sourceVault: { id: this.vaultId } },
        encryptionType: "EncryptionAtRestWithCustomerKey",
        rotationToLatestKeyVersionEnabled: options.autoRotation === true,
        previousKeys: [],
        provisioningState: "Succeeded",
      },
    });
    return id;
  }

  mlWorkspace(name: string, options: ConsumerOptions = {}): string {
    const id = `${this.rg(options.sub ?? 1, "rg-ml")}/providers/Microsoft.MachineLearningServices/workspaces/${name}`;
    this.resources.push({
      id,
      name,
      type: "Microsoft.MachineLearningServices/workspaces",
      kind: "Default",
      location: LOCATION,
      identity: { type: "SystemAssigned", principalId: this.principal(options), tenantId: TENANT_ID },
      properties: {
        provisioningState: "Succeeded",
        hbiWorkspace: false,
        encryption: {
          status: "Enabled",
          keyVaultProperties: { keyVaultArmId: this.vaultId, keyIdentifier: keyId(this.startVersion) },
        },
      },
    });
    return id;
  }

  /** A role assignment for a consumer's identity on the vault (RBAC vaults). */
  roleAssignment(principalId: string, roleGuid = "e147488a-f6f5-4113-8e2d-b22465e65bf6"): this {
    const scope = this.vaultId;
    const name = guid(this.resources.length + 1000, "1a2b3c4d");
    this.resources.push({
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: "Microsoft.Authorization/roleAssignments",
      properties: {
        roleDefinitionId: `/subscriptions/${subscriptionId(1)}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
        principalId,
        principalType: "ServicePrincipal",
        scope,
      },
    });
    return this;
  }

  build(): TenantFile {
    const vault: ArmResource = {
      id: this.vaultId,
      name: "kv-cmk",
      type: "Microsoft.KeyVault/vaults",
      location: LOCATION,
      properties: {
        tenantId: TENANT_ID,
        sku: { family: "A", name: "standard" },
        vaultUri: `${VAULT_URL}/`,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: true,
        enableRbacAuthorization: false,
        accessPolicies: this.policies,
        ...this.vaultProps,
      },
    };
    return parseTenantFile({
      tenantId: TENANT_ID,
      subscriptions: [...this.subs]
        .sort((a, b) => a - b)
        .map((n) => ({ subscriptionId: subscriptionId(n), displayName: `sub-${n}` })),
      resources: [vault, ...this.resources],
      keyVaults: { [VAULT_URL]: { keys: { [KEY]: this.versions } } },
    });
  }
}

/** A KeyNewVersionCreated (or expiry) delivery in the Event Grid schema, as Key Vault sends it. */
export function keyEventDelivery(
  version: string,
  options: {
    kind?: "KeyNewVersionCreated" | "KeyNearExpiry" | "KeyExpired";
    id?: string;
    vaultId?: string;
  } = {},
): unknown[] {
  return [
    {
      id: options.id ?? `evt-${version.slice(-6)}-${options.kind ?? "new"}`,
      topic:
        options.vaultId ??
        `/subscriptions/${subscriptionId(1)}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-cmk`,
      subject: KEY,
      eventType: `Microsoft.KeyVault.${options.kind ?? "KeyNewVersionCreated"}`,
      eventTime: "2026-11-22T11:59:00Z",
      dataVersion: "1",
      metadataVersion: "1",
      data: {
        Id: keyId(version),
        VaultName: "kv-cmk",
        ObjectType: "Key",
        ObjectName: KEY,
        Version: version,
        NBF: null,
        EXP: 1830297600,
      },
    },
  ];
}
