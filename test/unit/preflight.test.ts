import { describe, expect, it } from "vitest";
import type {
  ConsumerFacts,
  KeyVersionFacts,
  RoleAssignmentFacts,
  VaultFacts,
} from "../../src/core/keyStores/keyFacts.js";
import { preflight, PreflightInputError, type PreflightInput } from "../../src/core/preflight/preflight.js";
import {
  PREFLIGHT_REASON_CODES,
  RETIRED_PREFLIGHT_REASON_CODES,
  type PreflightReasonCode,
} from "../../src/core/preflight/preflightReason.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TENANT = "0b1e5c8d-3a4f-4c2e-9d7b-6a5f4e3d2c1b";
const SUB = "5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a";
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-cmk`;
const VAULT_URL = "https://kv-cmk.vault.azure.net";
const HSM_URL = "https://hsm-cmk.managedhsm.azure.net";
const OTHER_SUB = "0f1e2d3c-4b5a-4968-8776-655443322110";
const VERSION = "4f2b8c1d9e0a4b7c8d6e5f4a3b2c1d0e";
const PRINCIPAL = "9b6a0c57-2d4e-4f3a-8b1c-7e6d5c4b3a29";
const UAI_PRINCIPAL = "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98";
const NOW = new Date("2026-06-01T00:00:00Z");
const DAY = 24 * 60 * 60 * 1000;

function key(overrides: Partial<KeyVersionFacts> = {}): KeyVersionFacts {
  return {
    keyId: `${VAULT_URL}/keys/cmk/${VERSION}`,
    vaultUrl: VAULT_URL,
    keyName: "cmk",
    version: VERSION,
    kty: "RSA",
    keySize: 2048,
    enabled: true,
    createdOn: new Date("2026-05-01T00:00:00Z"),
    notBefore: new Date("2026-05-01T00:00:00Z"),
    expiresOn: new Date("2027-05-01T00:00:00Z"),
    keyOps: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
    ...overrides,
  };
}

function vault(overrides: Partial<VaultFacts> = {}): VaultFacts {
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
      { tenantId: TENANT, objectId: UAI_PRINCIPAL, keyPermissions: ["Get", "WrapKey", "UnwrapKey"] },
    ],
    networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
    publicNetworkAccess: "Enabled",
    ...overrides,
  };
}

/** The consumer types of the registry this proof is tested for. */
type ConsumerType = "aiServices" | "diskEncryptionSet" | "mlWorkspace";

const RESOURCE_IDS: Record<ConsumerType, string> = {
  aiServices: `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-prod`,
  diskEncryptionSet: `/subscriptions/${SUB}/resourceGroups/rg-vm/providers/Microsoft.Compute/diskEncryptionSets/des-prod`,
  mlWorkspace: `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod`,
};

function consumer(type: ConsumerType, overrides: Partial<ConsumerFacts> = {}): ConsumerFacts {
  return {
    resourceId: RESOURCE_IDS[type],
    consumerType: type,
    location: "West Europe",
    tenantId: TENANT,
    identity: { principalId: PRINCIPAL, kind: "SystemAssigned" },
    hasSystemAssignedIdentity: true,
    currentKey: { vaultUrl: VAULT_URL, keyName: "cmk", version: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" },
    ...(type === "mlWorkspace" ? { mlServiceSideEncryption: false } : {}),
    ...overrides,
  };
}

function input(type: ConsumerType, overrides: Partial<PreflightInput> = {}): PreflightInput {
  return {
    consumer: consumer(type),
    key: type === "mlWorkspace" ? key({ keySize: 3072 }) : key(),
    vault: vault(),
    roleAssignments: [],
    now: NOW,
    expiryMarginDays: 30,
    ...overrides,
  };
}

function codes(i: PreflightInput): PreflightReasonCode[] {
  return preflight(i).reasons.map((r) => r.code);
}

const rbacVault = vault({ enableRbacAuthorization: true, accessPolicies: [] });
const cryptoServiceEncryptionUser = (scope: string, principalId = PRINCIPAL): RoleAssignmentFacts => ({
  scope,
  principalId,
  roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6`,
});

describe("preflight: a fully compliant key version passes for every consumer", () => {
  it.each<ConsumerType>(["aiServices", "diskEncryptionSet", "mlWorkspace"])("%s", (type) => {
    expect(preflight(input(type))).toEqual({ ok: true, reasons: [] });
  });

  // AI services: encrypt-data-at-rest.md (11/2025) documents RBAC vaults with the Crypto Service Encryption User role.
  it("passes for every consumer on an RBAC vault with a key-scoped role assignment", () => {
    for (const type of ["aiServices", "diskEncryptionSet", "mlWorkspace"] as const) {
      const result = preflight(
        input(type, {
          vault: rbacVault,
          roleAssignments: [cryptoServiceEncryptionUser(`${VAULT_ID}/keys/cmk`)],
        }),
      );
      expect(result).toEqual({ ok: true, reasons: [] });
    }
  });
});

/**
 * One mutation per reason code: applying it to the compliant baseline must produce exactly that
 * reason (with the given severity), and the baseline must not produce it.
 */
const failures: {
  code: PreflightReasonCode;
  type: ConsumerType;
  severity: "error" | "warning";
  mutate: (i: PreflightInput) => PreflightInput;
}[] = [
  {
    code: "KeyDisabled",
    type: "diskEncryptionSet",
    severity: "error",
    mutate: (i) => ({ ...i, key: { ...i.key, enabled: false } }),
  },
  {
    code: "KeyNotYetValid",
    type: "aiServices",
    severity: "error",
    mutate: (i) => ({ ...i, key: { ...i.key, notBefore: new Date(NOW.getTime() + 1000) } }),
  },
  {
    code: "KeyExpired",
    type: "diskEncryptionSet",
    severity: "error",
    mutate: (i) => ({ ...i, key: { ...i.key, expiresOn: new Date(NOW.getTime() - DAY) } }),
  },
  {
    code: "KeyExpiresWithinMargin",
    type: "mlWorkspace",
    severity: "error",
    mutate: (i) => ({ ...i, key: { ...i.key, expiresOn: new Date(NOW.getTime() + 29 * DAY) } }),
  },
  {
    code: "KeyTypeNotRsa",
    type: "diskEncryptionSet",
    severity: "error",
    mutate: (i) => ({ ...i, key: { ...i.key, kty: "EC", keySize: undefined, curve: "P-256" } }),
  },
  {
    code: "KeySizeNotAllowed",
    type: "aiServices",
    severity: "error",
    mutate: (i) => ({ ...i, key: { ...i.key, keySize: 3072 } }),
  },
  {
    code: "KeySizeBelowRecommended",
    type: "mlWorkspace",
    severity: "warning",
    mutate: (i) => ({ ...i, key: { ...i.key, keySize: 2048 } }),
  },
  {
    code: "KeyOpsMissing",
    type: "diskEncryptionSet",
    severity: "error",
    mutate: (i) => ({ ...i, key: { ...i.key, keyOps: ["encrypt", "decrypt"] } }),
  },
  {
    code: "VaultSoftDeleteDisabled",
    type: "mlWorkspace",
    severity: "error",
    mutate: (i) => ({ ...i, vault: { ...i.vault, enableSoftDelete: false } }),
  },
  {
    code: "VaultPurgeProtectionDisabled",
    type: "aiServices",
    severity: "error",
    mutate: (i) => ({ ...i, vault: { ...i.vault, enablePurgeProtection: false } }),
  },
  {
    code: "IdentityMissing",
    type: "diskEncryptionSet",
    severity: "error",
    mutate: (i) => ({
      ...i,
      consumer: { ...i.consumer, identity: undefined, hasSystemAssignedIdentity: false },
    }),
  },
  {
    code: "SystemIdentityRequired",
    type: "aiServices",
    severity: "error",
    mutate: (i) => ({
      ...i,
      consumer: { ...i.consumer, identity: undefined, hasSystemAssignedIdentity: false },
    }),
  },
  {
    code: "IdentityLacksKeyPermissions",
    type: "mlWorkspace",
    severity: "error",
    mutate: (i) => ({
      ...i,
      vault: {
        ...i.vault,
        accessPolicies: [{ tenantId: TENANT, objectId: PRINCIPAL, keyPermissions: ["get", "wrapKey"] }],
      },
    }),
  },
  {
    code: "KeyStoreNotSupported",
    type: "aiServices",
    severity: "error",
    mutate: (i) => ({
      ...i,
      key: { ...i.key, vaultUrl: HSM_URL, keyId: `${HSM_URL}/keys/cmk/${VERSION}` },
      vault: { ...i.vault, vaultUri: `${HSM_URL}/` },
    }),
  },
  {
    code: "VaultSubscriptionMismatch",
    type: "mlWorkspace",
    severity: "error",
    mutate: (i) => ({ ...i, vault: { ...i.vault, armId: VAULT_ID.replace(SUB, OTHER_SUB) } }),
  },
  {
    code: "VaultFirewallBlocksTrustedServices",
    type: "diskEncryptionSet",
    severity: "error",
    mutate: (i) => ({ ...i, vault: { ...i.vault, networkAcls: { defaultAction: "Deny", bypass: "None" } } }),
  },
  {
    code: "VaultRegionMismatch",
    type: "aiServices",
    severity: "error",
    mutate: (i) => ({ ...i, vault: { ...i.vault, location: "eastus" } }),
  },
  {
    code: "VaultTenantMismatch",
    type: "aiServices",
    severity: "error",
    mutate: (i) => ({
      ...i,
      consumer: { ...i.consumer, tenantId: OTHER_TENANT },
      vault: {
        ...i.vault,
        // The policy names the identity in its own tenant so only the tenant rule fails.
        accessPolicies: [{ tenantId: OTHER_TENANT, objectId: PRINCIPAL, keyPermissions: ["all"] }],
      },
    }),
  },
  {
    code: "KeyVaultChanged",
    type: "mlWorkspace",
    severity: "error",
    mutate: (i) => ({
      ...i,
      consumer: {
        ...i.consumer,
        currentKey: { vaultUrl: "https://kv-old.vault.azure.net", keyName: "cmk", version: VERSION },
      },
    }),
  },
  {
    code: "ServiceSideEncryptionNoRotation",
    type: "mlWorkspace",
    severity: "error",
    mutate: (i) => ({ ...i, consumer: { ...i.consumer, mlServiceSideEncryption: true } }),
  },
];

describe("preflight: each reason code", () => {
  it("covers every exported reason code", () => {
    expect(new Set(failures.map((f) => f.code))).toEqual(
      new Set(PREFLIGHT_REASON_CODES.filter((c) => !RETIRED_PREFLIGHT_REASON_CODES.includes(c))),
    );
  });

  it.each(failures)("$code ($type)", ({ code, type, severity, mutate }) => {
    const baseline = input(type);
    expect(codes(baseline)).not.toContain(code);
    const result = preflight(mutate(baseline));
    expect(result.reasons.map((r) => r.code)).toEqual([code]);
    const reason = result.reasons[0]!;
    expect(reason.severity).toBe(severity);
    expect(result.ok).toBe(severity === "warning");
    expect(reason.message).toContain(RESOURCE_IDS[type].split("/").pop()!);
  });
});

describe("preflight: key validity window", () => {
  it("accepts a key whose notBefore is exactly now and that never expires", () => {
    expect(codes(input("diskEncryptionSet", { key: key({ notBefore: NOW, expiresOn: undefined }) }))).toEqual(
      [],
    );
  });

  it("treats expiry exactly at now as expired, not merely near", () => {
    expect(codes(input("diskEncryptionSet", { key: key({ expiresOn: NOW }) }))).toEqual(["KeyExpired"]);
  });

  it("refuses expiry exactly at the margin and accepts one millisecond beyond it", () => {
    const at = new Date(NOW.getTime() + 30 * DAY);
    const beyond = new Date(NOW.getTime() + 30 * DAY + 1);
    expect(codes(input("diskEncryptionSet", { key: key({ expiresOn: at }) }))).toEqual([
      "KeyExpiresWithinMargin",
    ]);
    expect(codes(input("diskEncryptionSet", { key: key({ expiresOn: beyond }) }))).toEqual([]);
  });

  it("honours the margin the caller passes", () => {
    const expiresOn = new Date(NOW.getTime() + 10 * DAY);
    expect(codes(input("diskEncryptionSet", { key: key({ expiresOn }), expiryMarginDays: 7 }))).toEqual([]);
    expect(codes(input("diskEncryptionSet", { key: key({ expiresOn }), expiryMarginDays: 14 }))).toEqual([
      "KeyExpiresWithinMargin",
    ]);
  });
});

describe("preflight: key type, size and operations per consumer", () => {
  it("accepts RSA-HSM like RSA", () => {
    expect(codes(input("aiServices", { key: key({ kty: "RSA-HSM" }) }))).toEqual([]);
  });

  it.each(["EC", "EC-HSM", "oct-HSM"])("refuses kty %s without also judging its size", (kty) => {
    expect(codes(input("mlWorkspace", { key: key({ kty, keySize: undefined }) }))).toEqual(["KeyTypeNotRsa"]);
  });

  it.each<[ConsumerType, number, PreflightReasonCode[]]>([
    ["aiServices", 2048, []],
    ["aiServices", 3072, ["KeySizeNotAllowed"]],
    ["aiServices", 4096, ["KeySizeNotAllowed"]],
    ["diskEncryptionSet", 2048, []],
    ["diskEncryptionSet", 3072, []],
    ["diskEncryptionSet", 4096, []],
    ["diskEncryptionSet", 1024, ["KeySizeNotAllowed"]],
    ["mlWorkspace", 1024, ["KeySizeNotAllowed"]],
    ["mlWorkspace", 2048, ["KeySizeBelowRecommended"]],
    ["mlWorkspace", 3072, []],
    ["mlWorkspace", 4096, []],
  ])("%s with RSA %i bits -> %j", (type, keySize, expected) => {
    expect(codes(input(type, { key: key({ keySize }) }))).toEqual(expected);
  });

  it("refuses an RSA key of unknown size", () => {
    expect(codes(input("diskEncryptionSet", { key: key({ keySize: undefined }) }))).toEqual([
      "KeySizeNotAllowed",
    ]);
  });

  it("an ML key below the recommended size is still ok", () => {
    const result = preflight(input("mlWorkspace", { key: key({ keySize: 2048 }) }));
    expect(result.ok).toBe(true);
    expect(result.reasons).toHaveLength(1);
  });

  it("accepts a key restricted to exactly wrapKey and unwrapKey, in any case", () => {
    expect(codes(input("diskEncryptionSet", { key: key({ keyOps: ["WRAPKEY", "unwrapkey"] }) }))).toEqual([]);
  });

  it("treats an empty keyOps list as permitting nothing", () => {
    const result = preflight(input("diskEncryptionSet", { key: key({ keyOps: [] }) }));
    expect(result.reasons.map((r) => r.code)).toEqual(["KeyOpsMissing"]);
    expect(result.reasons[0]!.message).toContain("wrapKey and unwrapKey");
  });

  it("names the one missing operation", () => {
    const [reason] = preflight(input("diskEncryptionSet", { key: key({ keyOps: ["wrapKey"] }) })).reasons;
    expect(reason?.message).toContain("does not permit unwrapKey");
  });
});

describe("preflight: vault network rules", () => {
  it("accepts no firewall at all and a firewall that lets trusted services through", () => {
    expect(codes(input("aiServices", { vault: vault({ networkAcls: undefined }) }))).toEqual([]);
    expect(
      codes(
        input("aiServices", { vault: vault({ networkAcls: { defaultAction: "Allow", bypass: "None" } }) }),
      ),
    ).toEqual([]);
  });

  it("treats disabled public network access like a Deny firewall", () => {
    const blocked = vault({
      publicNetworkAccess: "Disabled",
      networkAcls: { defaultAction: "Allow", bypass: "None" },
    });
    expect(codes(input("mlWorkspace", { vault: blocked }))).toEqual(["VaultFirewallBlocksTrustedServices"]);
    const open = vault({ publicNetworkAccess: "disabled", networkAcls: undefined });
    expect(codes(input("mlWorkspace", { vault: open }))).toEqual([]);
  });
});

describe("preflight: region and tenant", () => {
  it("compares regions without case or spaces", () => {
    expect(codes(input("aiServices", { vault: vault({ location: "WestEurope" }) }))).toEqual([]);
  });

  it("requires the same region for disk encryption sets but not for ML workspaces", () => {
    expect(codes(input("diskEncryptionSet", { vault: vault({ location: "northeurope" }) }))).toEqual([
      "VaultRegionMismatch",
    ]);
    expect(codes(input("mlWorkspace", { vault: vault({ location: "northeurope" }) }))).toEqual([]);
  });

  it("checks the tenant for AI services only, and only when the account's tenant is known", () => {
    const policies = [{ tenantId: OTHER_TENANT, objectId: PRINCIPAL, keyPermissions: ["all"] }];
    const other = { tenantId: OTHER_TENANT };
    expect(
      codes(
        input("diskEncryptionSet", {
          consumer: consumer("diskEncryptionSet", other),
          vault: vault({ accessPolicies: policies }),
        }),
      ),
    ).toEqual([]);
    expect(codes(input("aiServices", { consumer: consumer("aiServices", { tenantId: undefined }) }))).toEqual(
      [],
    );
  });
});

describe("preflight: identity and access policies", () => {
  it("accepts an AI services account using a user-assigned identity through identityClientId", () => {
    const c = consumer("aiServices", {
      identity: { principalId: UAI_PRINCIPAL, kind: "UserAssigned", resourceId: "/subscriptions/x/id-aoai" },
      hasSystemAssignedIdentity: false,
      identityClientId: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
    });
    expect(codes(input("aiServices", { consumer: c }))).toEqual([]);
  });

  it("reports IdentityMissing (not SystemIdentityRequired) when identityClientId names no attached identity", () => {
    const c = consumer("aiServices", {
      identity: undefined,
      hasSystemAssignedIdentity: false,
      identityClientId: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
    });
    const [reason] = preflight(input("aiServices", { consumer: c })).reasons;
    expect(reason?.code).toBe("IdentityMissing");
    expect(reason?.message).toContain("5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a");
  });

  it("accepts the legacy 'all' key permission", () => {
    const v = vault({ accessPolicies: [{ tenantId: TENANT, objectId: PRINCIPAL, keyPermissions: ["all"] }] });
    expect(codes(input("diskEncryptionSet", { vault: v }))).toEqual([]);
  });

  it("unions the permissions of several entries for the same identity", () => {
    const v = vault({
      accessPolicies: [
        { tenantId: TENANT, objectId: PRINCIPAL, keyPermissions: ["get"] },
        { tenantId: TENANT, objectId: PRINCIPAL.toUpperCase(), keyPermissions: ["wrapKey", "unwrapKey"] },
      ],
    });
    expect(codes(input("diskEncryptionSet", { vault: v }))).toEqual([]);
  });

  it("ignores compound-identity entries, which only apply when their application acts for the principal", () => {
    const v = vault({
      accessPolicies: [
        {
          tenantId: TENANT,
          objectId: PRINCIPAL,
          applicationId: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
          keyPermissions: ["get", "wrapKey", "unwrapKey"],
        },
      ],
    });
    expect(codes(input("diskEncryptionSet", { vault: v }))).toEqual(["IdentityLacksKeyPermissions"]);
  });

  it("lists every missing permission, and ignores policies of other principals", () => {
    const v = vault({
      accessPolicies: [
        { tenantId: TENANT, objectId: UAI_PRINCIPAL, keyPermissions: ["get", "wrapKey", "unwrapKey"] },
      ],
    });
    const [reason] = preflight(input("diskEncryptionSet", { vault: v })).reasons;
    expect(reason?.code).toBe("IdentityLacksKeyPermissions");
    expect(reason?.message).toContain("get, wrapKey, unwrapKey");
  });

  it("ignores access policies when the vault uses RBAC, and role assignments when it does not", () => {
    const rbacWithPolicies = vault({ enableRbacAuthorization: true });
    expect(codes(input("diskEncryptionSet", { vault: rbacWithPolicies }))).toEqual([
      "IdentityLacksKeyPermissions",
    ]);
    const policiesWithRole = vault({ accessPolicies: [] });
    expect(
      codes(
        input("diskEncryptionSet", {
          vault: policiesWithRole,
          roleAssignments: [cryptoServiceEncryptionUser(VAULT_ID)],
        }),
      ),
    ).toEqual(["IdentityLacksKeyPermissions"]);
  });

  it("on an RBAC vault, counts only assignments of key-use roles for the consumer's identity at a covering scope", () => {
    const readerRole: RoleAssignmentFacts = {
      scope: VAULT_ID,
      principalId: PRINCIPAL,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/21090545-7ca7-4776-b22c-e363652d74d2`,
    };
    const cases: [RoleAssignmentFacts[], PreflightReasonCode[]][] = [
      [[readerRole], ["IdentityLacksKeyPermissions"]],
      [[cryptoServiceEncryptionUser(VAULT_ID, UAI_PRINCIPAL)], ["IdentityLacksKeyPermissions"]],
      [[cryptoServiceEncryptionUser(`${VAULT_ID}/keys/other-key`)], ["IdentityLacksKeyPermissions"]],
      [[cryptoServiceEncryptionUser(`/subscriptions/${SUB}/resourceGroups/rg-keys`)], []],
      [[cryptoServiceEncryptionUser(`/subscriptions/${SUB}`)], []],
      [[cryptoServiceEncryptionUser("/")], []],
    ];
    for (const [roleAssignments, expected] of cases) {
      expect(codes(input("diskEncryptionSet", { vault: rbacVault, roleAssignments }))).toEqual(expected);
    }
  });

  it("respects known management-group ancestry", () => {
    const mg = cryptoServiceEncryptionUser(
      "/providers/Microsoft.Management/managementGroups/contoso-platform",
    );
    const base = input("diskEncryptionSet", { vault: rbacVault, roleAssignments: [mg] });
    expect(codes(base)).toEqual([]);
    expect(codes({ ...base, managementGroupIds: ["contoso-root", "Contoso-Platform"] })).toEqual([]);
    expect(codes({ ...base, managementGroupIds: ["contoso-root"] })).toEqual(["IdentityLacksKeyPermissions"]);
  });
});

describe("preflight: ML workspace key vault", () => {
  it("accepts a different key in the same vault, compared by host", () => {
    const c = consumer("mlWorkspace", {
      currentKey: { vaultUrl: "https://KV-CMK.vault.azure.net/", keyName: "older-key", version: VERSION },
    });
    expect(codes(input("mlWorkspace", { consumer: c }))).toEqual([]);
  });

  it("does not apply the same-vault rule to disk encryption sets", () => {
    const c = consumer("diskEncryptionSet", {
      currentKey: { vaultUrl: "https://kv-old.vault.azure.net", keyName: "cmk", version: VERSION },
    });
    expect(codes(input("diskEncryptionSet", { consumer: c }))).toEqual([]);
  });
});

describe("preflight: several failures at once", () => {
  it("reports all of them in a fixed order", () => {
    const i = input("aiServices", {
      key: key({ enabled: false, kty: "EC", keySize: undefined, keyOps: [] }),
      vault: vault({ enablePurgeProtection: false, location: "eastus" }),
    });
    expect(codes(i)).toEqual([
      "KeyDisabled",
      "KeyTypeNotRsa",
      "KeyOpsMissing",
      "VaultPurgeProtectionDisabled",
      "VaultRegionMismatch",
    ]);
    expect(preflight(i).ok).toBe(false);
  });
});

describe("preflight: vault URIs in every spelling ARM writes", () => {
  const spellings = [
    "https://kv-cmk.vault.azure.net",
    "https://kv-cmk.vault.azure.net:443/",
    "https://KV-CMK.Vault.Azure.Net/",
    "HTTPS://KV-CMK.VAULT.AZURE.NET:443",
  ];

  it.each(spellings)("judges the key against the vault written %s", (vaultUri) => {
    expect(preflight(input("aiServices", { vault: vault({ vaultUri }) }))).toEqual({ ok: true, reasons: [] });
  });

  it.each(spellings)(
    "a Machine Learning workspace on the vault written %s stays in its vault",
    (vaultUrl) => {
      const i = input("mlWorkspace");
      const result = preflight({
        ...i,
        key: { ...i.key, vaultUrl },
        consumer: { ...i.consumer, currentKey: { vaultUrl, keyName: "cmk", version: VERSION } },
      });
      expect(result).toEqual({ ok: true, reasons: [] });
    },
  );
});

describe("preflight: inconsistent input", () => {
  it("refuses to judge a key against a vault that does not hold it", () => {
    expect(() =>
      preflight(input("aiServices", { vault: vault({ vaultUri: "https://kv-other.vault.azure.net/" }) })),
    ).toThrow(PreflightInputError);
  });

  it("refuses the same-named vault in another cloud", () => {
    expect(() =>
      preflight(input("aiServices", { vault: vault({ vaultUri: "https://kv-cmk.vault.azure.cn:443/" }) })),
    ).toThrow(expect.objectContaining({ code: "PreflightInputInvalid", field: "vault" }));
  });

  it.each([
    "https://kv-cmk.vault.azure.net:8443/",
    "https://kv-cmk.vault.azure.net/keys/",
    "http://kv-cmk.vault.azure.net/",
  ])("refuses a vault written %s, which is not a vault URI", (vaultUri) => {
    expect(() => preflight(input("aiServices", { vault: vault({ vaultUri }) }))).toThrow(
      expect.objectContaining({ code: "PreflightInputInvalid", field: "vault.vaultUri" }),
    );
  });

  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY])("refuses expiryMarginDays %s", (expiryMarginDays) => {
    expect(() => preflight(input("aiServices", { expiryMarginDays }))).toThrow(
      expect.objectContaining({ code: "PreflightInputInvalid", field: "expiryMarginDays" }),
    );
  });

  it("refuses an invalid now", () => {
    expect(() => preflight(input("aiServices", { now: new Date("not a date") }))).toThrow(
      expect.objectContaining({ code: "PreflightInputInvalid", field: "now" }),
    );
  });
});
