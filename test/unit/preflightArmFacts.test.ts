import { describe, expect, it } from "vitest";
import { ArmFactsError } from "../../src/core/arm/armFactsError.js";
import { consumerFactsFromArm } from "../../src/core/consumers/consumerFactsFromArm.js";
import type { KeyVersionFacts } from "../../src/core/keyStores/keyFacts.js";
import { preflight } from "../../src/core/preflight/preflight.js";
import { roleAssignmentFactsFromArm } from "../../src/core/keyStores/roleAssignmentFactsFromArm.js";
import { vaultFactsFromArm } from "../../src/core/keyStores/vaultFactsFromArm.js";

// Fixtures shaped like real GET responses (Azure/azure-rest-api-specs examples of the api-versions
// the service calls), with realistic but made-up ids.
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const SUB = "5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a";
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-cmk`;
const V_OLD = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const V_NEW = "4f2b8c1d9e0a4b7c8d6e5f4a3b2c1d0e";
const SYSTEM_PRINCIPAL = "9b6a0c57-2d4e-4f3a-8b1c-7e6d5c4b3a29";
const UAI_ID = `/subscriptions/${SUB}/resourceGroups/rg-identity/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-cmk`;
const UAI_PRINCIPAL = "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98";
const UAI_CLIENT = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
const UAI2_ID = `/subscriptions/${SUB}/resourceGroups/rg-identity/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-other`;

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** A copy of `value` with the dotted `path` replaced, or removed when `replacement` is undefined. */
function withPath(value: object, path: string, replacement?: unknown): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = path.split(".");
  let node = copy;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (replacement === undefined) Reflect.deleteProperty(node, last);
  else node[last] = replacement;
  return copy;
}

const vaultJson = {
  id: VAULT_ID,
  name: "kv-cmk",
  type: "Microsoft.KeyVault/vaults",
  location: "westeurope",
  tags: {},
  systemData: { createdBy: "ops@contoso.com", createdByType: "User", createdAt: "2025-01-10T09:00:00Z" },
  properties: {
    sku: { family: "A", name: "standard" },
    tenantId: TENANT,
    accessPolicies: [
      {
        tenantId: TENANT,
        objectId: SYSTEM_PRINCIPAL,
        permissions: { keys: ["get", "wrapKey", "unwrapKey"], secrets: [], certificates: [] },
      },
      {
        tenantId: TENANT,
        objectId: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        applicationId: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        permissions: { keys: ["Get", "List"], secrets: ["Get"] },
      },
    ],
    enabledForDeployment: false,
    enabledForDiskEncryption: false,
    enabledForTemplateDeployment: false,
    enableSoftDelete: true,
    softDeleteRetentionInDays: 90,
    enableRbacAuthorization: false,
    enablePurgeProtection: true,
    vaultUri: "https://kv-cmk.vault.azure.net/",
    provisioningState: "Succeeded",
    publicNetworkAccess: "Enabled",
    networkAcls: {
      bypass: "AzureServices",
      defaultAction: "Deny",
      ipRules: [{ value: "203.0.113.0/24" }],
      virtualNetworkRules: [],
    },
  },
};

const aiServicesJson = {
  id: `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-prod`,
  name: "aoai-prod",
  type: "Microsoft.CognitiveServices/accounts",
  etag: '"0a00b1c2-0000-0d00-0000-65f0a1b20000"',
  location: "westeurope",
  kind: "OpenAI",
  sku: { name: "S0" },
  tags: { env: "prod" },
  identity: { type: "SystemAssigned", principalId: SYSTEM_PRINCIPAL, tenantId: TENANT },
  properties: {
    endpoint: "https://aoai-prod.openai.azure.com/",
    internalId: "3f2e1d0c9b8a47e6a5d4c3b2a1f0e9d8",
    dateCreated: "2025-02-01T10:00:00.000Z",
    customSubDomainName: "aoai-prod",
    provisioningState: "Succeeded",
    publicNetworkAccess: "Enabled",
    networkAcls: { defaultAction: "Allow", virtualNetworkRules: [], ipRules: [] },
    encryption: {
      keySource: "Microsoft.KeyVault",
      keyVaultProperties: {
        keyName: "cmk",
        keyVersion: V_OLD,
        keyVaultUri: "https://kv-cmk.vault.azure.net/",
      },
    },
  },
  systemData: { createdBy: "ops@contoso.com", createdByType: "User", createdAt: "2025-02-01T10:00:00Z" },
};

const desJson = {
  name: "des-prod",
  id: `/subscriptions/${SUB}/resourceGroups/rg-vm/providers/Microsoft.Compute/diskEncryptionSets/des-prod`,
  type: "Microsoft.Compute/diskEncryptionSets",
  location: "westeurope",
  tags: {},
  identity: { type: "SystemAssigned", principalId: SYSTEM_PRINCIPAL, tenantId: TENANT },
  properties: {
    activeKey: {
      sourceVault: { id: VAULT_ID },
      keyUrl: `https://kv-cmk.vault.azure.net/keys/cmk/${V_OLD}`,
    },
    encryptionType: "EncryptionAtRestWithCustomerKey",
    rotationToLatestKeyVersionEnabled: false,
    previousKeys: [],
    provisioningState: "Succeeded",
    lastKeyRotationTimestamp: "2025-03-01T08:00:00.0000000+00:00",
  },
};

const mlJson = {
  id: `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod`,
  name: "mlw-prod",
  type: "Microsoft.MachineLearningServices/workspaces",
  location: "westeurope",
  kind: "Default",
  tags: {},
  sku: { name: "Basic", tier: "Basic" },
  identity: {
    type: "SystemAssigned,UserAssigned",
    principalId: SYSTEM_PRINCIPAL,
    tenantId: TENANT,
    userAssignedIdentities: { [UAI_ID]: { principalId: UAI_PRINCIPAL, clientId: UAI_CLIENT } },
  },
  properties: {
    friendlyName: "mlw-prod",
    storageAccount: `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/stmlwprod`,
    keyVault: `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.KeyVault/vaults/kv-mlw-prod`,
    hbiWorkspace: false,
    tenantId: TENANT,
    provisioningState: "Succeeded",
    workspaceId: "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
    enableServiceSideCMKEncryption: false,
    serviceProvisionedResourceGroup: "rg-ml-b1c2d3e4",
    encryption: {
      status: "Enabled",
      identity: { userAssignedIdentity: UAI_ID },
      keyVaultProperties: {
        keyVaultArmId: VAULT_ID,
        keyIdentifier: `https://kv-cmk.vault.azure.net/keys/cmk/${V_OLD}`,
      },
    },
  },
};

const roleAssignmentJson = {
  properties: {
    roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6`,
    principalId: UAI_PRINCIPAL,
    principalType: "ServicePrincipal",
    scope: VAULT_ID,
    condition: null,
    conditionVersion: null,
    createdOn: "2025-03-01T08:00:00.0000000Z",
    updatedOn: "2025-03-01T08:00:00.0000000Z",
    createdBy: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    updatedBy: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    delegatedManagedIdentityResourceId: null,
    description: null,
  },
  id: `${VAULT_ID}/providers/Microsoft.Authorization/roleAssignments/6d4c2b0a-9e8f-4d7c-b6a5-f4e3d2c1b0a9`,
  type: "Microsoft.Authorization/roleAssignments",
  name: "6d4c2b0a-9e8f-4d7c-b6a5-f4e3d2c1b0a9",
};

describe("vaultFactsFromArm", () => {
  it("maps a vault GET body", () => {
    expect(vaultFactsFromArm(vaultJson)).toEqual({
      armId: VAULT_ID,
      vaultUri: "https://kv-cmk.vault.azure.net/",
      location: "westeurope",
      tenantId: TENANT,
      enableSoftDelete: true,
      enablePurgeProtection: true,
      enableRbacAuthorization: false,
      accessPolicies: [
        {
          tenantId: TENANT,
          objectId: SYSTEM_PRINCIPAL,
          applicationId: undefined,
          keyPermissions: ["get", "wrapKey", "unwrapKey"],
        },
        {
          tenantId: TENANT,
          objectId: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
          applicationId: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
          keyPermissions: ["Get", "List"],
        },
      ],
      networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
      publicNetworkAccess: "Enabled",
      sku: "standard",
    });
  });

  it("reads absent flags with ARM's defaults: soft delete on, purge protection and RBAC off", () => {
    const json = clone(vaultJson) as { properties: Record<string, unknown> };
    delete json.properties.enableSoftDelete;
    delete json.properties.enablePurgeProtection;
    delete json.properties.enableRbacAuthorization;
    delete json.properties.accessPolicies;
    delete json.properties.networkAcls;
    delete json.properties.publicNetworkAccess;
    const facts = vaultFactsFromArm(json);
    expect(facts).toMatchObject({
      enableSoftDelete: true,
      enablePurgeProtection: false,
      enableRbacAuthorization: false,
      accessPolicies: [],
      networkAcls: undefined,
      publicNetworkAccess: undefined,
    });
  });

  it("keeps an explicit enableSoftDelete false (an old vault) as off", () => {
    const json = clone(vaultJson);
    json.properties.enableSoftDelete = false;
    expect(vaultFactsFromArm(json).enableSoftDelete).toBe(false);
  });

  it("canonicalises networkAcls values and defaults the missing ones", () => {
    const json = clone(vaultJson) as { properties: { networkAcls: Record<string, unknown> } };
    json.properties.networkAcls = { defaultAction: "deny" };
    expect(vaultFactsFromArm(json).networkAcls).toEqual({ defaultAction: "Deny", bypass: "AzureServices" });
  });

  it("names the field when a required one is missing or malformed", () => {
    const noUri = clone(vaultJson) as { properties: Record<string, unknown> };
    delete noUri.properties.vaultUri;
    expect(() => vaultFactsFromArm(noUri)).toThrow(
      expect.objectContaining({
        code: "ArmFactsInvalid",
        field: "properties.vaultUri",
        resourceId: VAULT_ID,
      }),
    );
    const badPolicy = clone(vaultJson) as { properties: { accessPolicies: Record<string, unknown>[] } };
    delete badPolicy.properties.accessPolicies[1]!.objectId;
    expect(() => vaultFactsFromArm(badPolicy)).toThrow(
      expect.objectContaining({ field: "properties.accessPolicies[1].objectId" }),
    );
    const badBypass = clone(vaultJson) as { properties: { networkAcls: Record<string, unknown> } };
    badBypass.properties.networkAcls.bypass = "Everything";
    expect(() => vaultFactsFromArm(badBypass)).toThrow(
      expect.objectContaining({ field: "properties.networkAcls.bypass" }),
    );
  });

  it("refuses a resource that is not a vault", () => {
    expect(() => vaultFactsFromArm(desJson)).toThrow(ArmFactsError);
    expect(() => vaultFactsFromArm("not json")).toThrow(expect.objectContaining({ field: "(body)" }));
  });
});

describe("consumerFactsFromArm: AI services", () => {
  it("maps a CMK account with a system-assigned identity", () => {
    expect(consumerFactsFromArm(aiServicesJson)).toEqual({
      resourceId: aiServicesJson.id,
      consumerType: "aiServices",
      location: "westeurope",
      tenantId: TENANT,
      identity: { principalId: SYSTEM_PRINCIPAL, kind: "SystemAssigned" },
      hasSystemAssignedIdentity: true,
      identityClientId: undefined,
      currentKey: { vaultUrl: "https://kv-cmk.vault.azure.net", keyName: "cmk", version: V_OLD },
    });
  });

  it("uses the user-assigned identity whose client id identityClientId names", () => {
    const json = clone(aiServicesJson) as typeof aiServicesJson & { identity: Record<string, unknown> };
    json.identity = {
      type: "SystemAssigned, UserAssigned",
      principalId: SYSTEM_PRINCIPAL,
      tenantId: TENANT,
      userAssignedIdentities: {
        [UAI2_ID]: {
          principalId: "7e6d5c4b-3a29-4180-b7c6-d5e4f3a2b190",
          clientId: "8f7e6d5c-4b3a-4291-a0b9-c8d7e6f5a4b3",
        },
        [UAI_ID]: { principalId: UAI_PRINCIPAL, clientId: UAI_CLIENT },
      },
    };
    (json.properties.encryption.keyVaultProperties as Record<string, unknown>).identityClientId =
      UAI_CLIENT.toUpperCase();
    const facts = consumerFactsFromArm(json);
    expect(facts.identity).toEqual({ principalId: UAI_PRINCIPAL, kind: "UserAssigned", resourceId: UAI_ID });
    expect(facts.identityClientId).toBe(UAI_CLIENT.toUpperCase());
    expect(facts.hasSystemAssignedIdentity).toBe(true);
  });

  it("reports no identity when identityClientId matches no attached identity", () => {
    const json = clone(aiServicesJson);
    (json.properties.encryption.keyVaultProperties as Record<string, unknown>).identityClientId = UAI_CLIENT;
    const facts = consumerFactsFromArm(json);
    expect(facts.identity).toBeUndefined();
    expect(preflight(preflightInputFor(facts)).reasons.map((r) => r.code)).toEqual(["IdentityMissing"]);
  });

  it("maps a Microsoft-managed account without a current key, and without an identity", () => {
    const json = clone(aiServicesJson) as Record<string, unknown> & { properties: Record<string, unknown> };
    json.properties.encryption = { keySource: "Microsoft.CognitiveServices" };
    delete json.identity;
    const facts = consumerFactsFromArm(json);
    expect(facts.currentKey).toBeUndefined();
    expect(facts.identity).toBeUndefined();
    expect(facts.hasSystemAssignedIdentity).toBe(false);
    expect(facts.tenantId).toBeUndefined();
  });

  it("treats an empty keyVersion as a versionless reference", () => {
    const json = clone(aiServicesJson);
    json.properties.encryption.keyVaultProperties.keyVersion = "";
    expect(consumerFactsFromArm(json).currentKey).toEqual({
      vaultUrl: "https://kv-cmk.vault.azure.net",
      keyName: "cmk",
      version: undefined,
    });
  });

  it("names keyVaultUri when it is not an https URL", () => {
    const json = clone(aiServicesJson);
    json.properties.encryption.keyVaultProperties.keyVaultUri = "kv-cmk";
    expect(() => consumerFactsFromArm(json)).toThrow(
      expect.objectContaining({
        code: "ArmFactsInvalid",
        field: "properties.encryption.keyVaultProperties.keyVaultUri",
      }),
    );
  });
});

describe("consumerFactsFromArm: disk encryption set", () => {
  it("maps the active key and the system-assigned identity", () => {
    expect(consumerFactsFromArm(desJson)).toEqual({
      resourceId: desJson.id,
      consumerType: "diskEncryptionSet",
      location: "westeurope",
      tenantId: TENANT,
      identity: { principalId: SYSTEM_PRINCIPAL, kind: "SystemAssigned" },
      hasSystemAssignedIdentity: true,
      currentKey: {
        vaultUrl: "https://kv-cmk.vault.azure.net",
        keyName: "cmk",
        version: V_OLD,
        vaultArmId: VAULT_ID,
      },
    });
  });

  it("uses its single user-assigned identity when it has no system-assigned one", () => {
    const json = withPath(desJson, "identity", {
      type: "UserAssigned",
      userAssignedIdentities: { [UAI_ID]: { principalId: UAI_PRINCIPAL, clientId: UAI_CLIENT } },
    });
    const facts = consumerFactsFromArm(json);
    expect(facts.identity).toEqual({ principalId: UAI_PRINCIPAL, kind: "UserAssigned", resourceId: UAI_ID });
    expect(facts.hasSystemAssignedIdentity).toBe(false);
  });

  it("prefers the system-assigned identity when it has both", () => {
    const json = clone(desJson) as typeof desJson & { identity: Record<string, unknown> };
    json.identity = {
      type: "SystemAssigned, UserAssigned",
      principalId: SYSTEM_PRINCIPAL,
      tenantId: TENANT,
      userAssignedIdentities: { [UAI_ID]: { principalId: UAI_PRINCIPAL, clientId: UAI_CLIENT } },
    };
    expect(consumerFactsFromArm(json).identity).toEqual({
      principalId: SYSTEM_PRINCIPAL,
      kind: "SystemAssigned",
    });
  });

  it("reports no identity when several user-assigned identities leave the choice open", () => {
    const json = withPath(desJson, "identity", {
      type: "UserAssigned",
      userAssignedIdentities: {
        [UAI_ID]: { principalId: UAI_PRINCIPAL, clientId: UAI_CLIENT },
        [UAI2_ID]: {
          principalId: "7e6d5c4b-3a29-4180-b7c6-d5e4f3a2b190",
          clientId: "8f7e6d5c-4b3a-4291-a0b9-c8d7e6f5a4b3",
        },
      },
    });
    expect(consumerFactsFromArm(json).identity).toBeUndefined();
  });

  it("names activeKey.keyUrl when it is not a key URL", () => {
    const json = clone(desJson);
    json.properties.activeKey.keyUrl = "https://kv-cmk.vault.azure.net/secrets/cmk/abc";
    expect(() => consumerFactsFromArm(json)).toThrow(
      expect.objectContaining({
        code: "ArmFactsInvalid",
        field: "properties.activeKey.keyUrl",
        resourceId: desJson.id,
      }),
    );
  });
});

describe("consumerFactsFromArm: Machine Learning workspace", () => {
  it("maps the CMK key and the user-assigned identity its encryption names", () => {
    expect(consumerFactsFromArm(mlJson)).toEqual({
      resourceId: mlJson.id,
      consumerType: "mlWorkspace",
      location: "westeurope",
      tenantId: TENANT,
      identity: { principalId: UAI_PRINCIPAL, kind: "UserAssigned", resourceId: UAI_ID },
      hasSystemAssignedIdentity: true,
      currentKey: {
        vaultUrl: "https://kv-cmk.vault.azure.net",
        keyName: "cmk",
        version: V_OLD,
        vaultArmId: VAULT_ID,
      },
      mlServiceSideEncryption: false,
    });
  });

  it("matches the user-assigned identity id case-insensitively", () => {
    const json = clone(mlJson);
    json.properties.encryption.identity.userAssignedIdentity = UAI_ID.toLowerCase();
    expect(consumerFactsFromArm(json).identity?.principalId).toBe(UAI_PRINCIPAL);
  });

  it("uses the system-assigned identity when the encryption names none", () => {
    const json = withPath(mlJson, "properties.encryption.identity");
    expect(consumerFactsFromArm(json).identity).toEqual({
      principalId: SYSTEM_PRINCIPAL,
      kind: "SystemAssigned",
    });
  });

  it("reports no identity when the named identity is not attached", () => {
    const json = clone(mlJson);
    json.properties.encryption.identity.userAssignedIdentity = UAI2_ID;
    expect(consumerFactsFromArm(json).identity).toBeUndefined();
  });

  it("maps a workspace without CMK to no current key, and flags service-side encryption", () => {
    const noCmk = withPath(mlJson, "properties.encryption", { status: "Disabled" });
    expect(consumerFactsFromArm(noCmk).currentKey).toBeUndefined();
    const serviceSide = clone(mlJson);
    serviceSide.properties.enableServiceSideCMKEncryption = true;
    expect(consumerFactsFromArm(serviceSide).mlServiceSideEncryption).toBe(true);
  });

  it("falls back to properties.tenantId when the identity carries none", () => {
    const json = withPath(mlJson, "identity.tenantId");
    expect(consumerFactsFromArm(json).tenantId).toBe(TENANT);
  });
});

describe("consumerFactsFromArm: other input", () => {
  it("refuses other resource types with a stable code", () => {
    expect(() => consumerFactsFromArm(vaultJson)).toThrow(
      expect.objectContaining({ code: "ArmFactsUnsupportedType", field: "type", resourceId: VAULT_ID }),
    );
  });

  it("names a missing location", () => {
    const json = clone(desJson) as Record<string, unknown>;
    delete json.location;
    expect(() => consumerFactsFromArm(json)).toThrow(expect.objectContaining({ field: "location" }));
  });
});

describe("roleAssignmentFactsFromArm", () => {
  it("maps a role assignment", () => {
    expect(roleAssignmentFactsFromArm(roleAssignmentJson)).toEqual({
      scope: VAULT_ID,
      principalId: UAI_PRINCIPAL,
      roleDefinitionId: roleAssignmentJson.properties.roleDefinitionId,
    });
  });

  it("reads the scope from the id when properties.scope is absent", () => {
    const json = clone(roleAssignmentJson) as { properties: Record<string, unknown> };
    delete json.properties.scope;
    expect(roleAssignmentFactsFromArm(json).scope).toBe(VAULT_ID);
    const root = {
      ...json,
      id: "/providers/Microsoft.Authorization/roleAssignments/6d4c2b0a-9e8f-4d7c-b6a5-f4e3d2c1b0a9",
    };
    expect(roleAssignmentFactsFromArm(root).scope).toBe("/");
  });

  it("names a missing principalId", () => {
    const json = clone(roleAssignmentJson) as { properties: Record<string, unknown> };
    delete json.properties.principalId;
    expect(() => roleAssignmentFactsFromArm(json)).toThrow(
      expect.objectContaining({ code: "ArmFactsInvalid", field: "properties.principalId" }),
    );
  });
});

const newKey: KeyVersionFacts = {
  keyId: `https://kv-cmk.vault.azure.net/keys/cmk/${V_NEW}`,
  vaultUrl: "https://kv-cmk.vault.azure.net",
  keyName: "cmk",
  version: V_NEW,
  kty: "RSA",
  keySize: 3072,
  enabled: true,
  createdOn: new Date("2026-05-01T00:00:00Z"),
  expiresOn: new Date("2027-05-01T00:00:00Z"),
  keyOps: ["wrapKey", "unwrapKey"],
};

function preflightInputFor(
  consumer: ReturnType<typeof consumerFactsFromArm>,
  vault = vaultFactsFromArm(vaultJson),
  key: KeyVersionFacts = consumer.consumerType === "aiServices" ? { ...newKey, keySize: 2048 } : newKey,
) {
  return {
    consumer,
    key,
    vault,
    roleAssignments: [roleAssignmentFactsFromArm(roleAssignmentJson)],
    now: new Date("2026-06-01T00:00:00Z"),
    expiryMarginDays: 30,
  };
}

describe("mapped ARM facts feed the preflight proof", () => {
  it("AI services and DES pass on the access-policy vault", () => {
    expect(preflight(preflightInputFor(consumerFactsFromArm(aiServicesJson))).ok).toBe(true);
    expect(preflight(preflightInputFor(consumerFactsFromArm(desJson))).ok).toBe(true);
  });

  it("the ML workspace's user-assigned identity needs its own access policy", () => {
    const result = preflight(preflightInputFor(consumerFactsFromArm(mlJson)));
    expect(result.reasons.map((r) => r.code)).toEqual(["IdentityLacksKeyPermissions"]);
    expect(result.reasons[0]!.message).toContain(UAI_PRINCIPAL);
  });

  // encrypt-data-at-rest.md (11/2025): AI services use RBAC vaults through a Crypto role; this one has none.
  it("on an RBAC vault the ML identity's role assignment counts, and the AI services identity holds none", () => {
    const rbacJson = clone(vaultJson);
    rbacJson.properties.enableRbacAuthorization = true;
    const rbacVault = vaultFactsFromArm(rbacJson);
    expect(preflight(preflightInputFor(consumerFactsFromArm(mlJson), rbacVault)).ok).toBe(true);
    const ai = preflight(preflightInputFor(consumerFactsFromArm(aiServicesJson), rbacVault));
    expect(ai.reasons.map((r) => r.code)).toEqual(["IdentityLacksKeyPermissions"]);
  });
});
