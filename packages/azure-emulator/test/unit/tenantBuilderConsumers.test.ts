import { describe, expect, it } from "vitest";
import type { ArmResource, TenantFile } from "../../src/tenantFile.js";
import { TenantState } from "../../src/tenantState.js";
import {
  CMK_KEY_PERMISSIONS,
  KEY_VAULT_ROLES,
  SINGLE_KEY,
  SingleKeyTenant,
  TenantBuilder,
  keyVersion,
} from "../../src/tenantBuilder/index.js";

const SUB = "0b1f6471-1bf0-4dda-aec3-111111111111";
const rg = (name: string) => ({ subscriptionId: SUB, resourceGroup: name });

function body(tenant: TenantFile, id: string): ArmResource {
  const found = tenant.resources.find((r) => r.id === id);
  if (found === undefined) throw new Error(`no ${id}`);
  return found;
}

const policiesOf = (tenant: TenantFile, vaultId: string) =>
  (body(tenant, vaultId).properties as { accessPolicies: { objectId: string; permissions: unknown }[] })
    .accessPolicies;

function twoVaults() {
  const b = new TenantBuilder({ seed: "consumers" });
  b.subscription(SUB, "prod");
  const ap = b.vault({ ...rg("rg-keys"), name: "kv-ap" });
  const rbac = b.vault({ ...rg("rg-keys"), name: "kv-rbac", rbac: true });
  const [v1] = b.key(ap, "cmk", [{ createdOn: "2026-01-01T00:00:00Z" }]).versions as [string];
  const [r1] = b.key(rbac, "cmk", [{ createdOn: "2026-01-01T00:00:00Z" }]).versions as [string];
  return {
    b,
    ap,
    rbac,
    onAp: { vault: ap, keyName: "cmk", version: v1 },
    onRbac: { vault: rbac, keyName: "cmk", version: r1 },
  };
}

describe("keyVersion", () => {
  it("fills the builder's defaults, the same as TenantBuilder.key stores", () => {
    expect(keyVersion({ version: "abc", createdOn: "2026-01-01T00:00:00Z" })).toEqual({
      version: "abc",
      kty: "RSA",
      keySize: 2048,
      enabled: true,
      createdOn: "2026-01-01T00:00:00Z",
      notBefore: null,
      expiresOn: null,
      keyOps: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
    });
    const b = new TenantBuilder();
    const spec = { version: "v1", createdOn: "2026-01-01T00:00:00Z", kty: "EC" as const, enabled: false };
    b.key("https://kv-x.vault.azure.net", "k", [spec]);
    expect(b.build().keyVaults["https://kv-x.vault.azure.net"]?.keys.k).toEqual([keyVersion(spec)]);
    expect(keyVersion(spec)).toMatchObject({ curve: "P-256" });
    expect(keyVersion(spec)).not.toHaveProperty("keySize");
  });
});

describe("TenantBuilder.virtualMachine", () => {
  it("leaves the instance view out when asked, as a GET without $expand=instanceView", () => {
    const b = new TenantBuilder();
    b.subscription(SUB, "prod");
    const vm = b.virtualMachine({ ...rg("rg"), name: "vm", instanceView: false });
    const disk = b.disk({ ...rg("rg"), name: "d", encryption: "platform", managedBy: vm.id });
    const tenant = b.build();
    expect(body(tenant, vm.id).properties).not.toHaveProperty("instanceView");
    expect(body(tenant, vm.id).properties).toMatchObject({ storageProfile: { dataDisks: [{ name: "d" }] } });
    expect(body(tenant, disk.id).properties).toMatchObject({ diskState: "Attached" });
  });
});

describe("TenantBuilder.cmkConsumer", () => {
  it("writes each consumer type on the key version, as the type-specific methods do", () => {
    const { b, ap, onAp } = twoVaults();
    const keyUrl = `${ap.url}/keys/cmk/${onAp.version}`;
    const des = b.cmkConsumer({
      kind: "diskEncryptionSet",
      ...rg("rg-c"),
      name: "des",
      key: onAp,
      autoRotation: true,
    });
    const openai = b.cmkConsumer({ kind: "openAI", ...rg("rg-ai"), name: "aoai", key: onAp });
    const ais = b.cmkConsumer({ kind: "aiServices", ...rg("rg-ai"), name: "ais", key: onAp });
    const ml = b.cmkConsumer({ kind: "mlWorkspace", ...rg("rg-ml"), name: "mlw", key: onAp });
    const tenant = b.build();
    expect(body(tenant, des.id).properties).toMatchObject({
      activeKey: { sourceVault: { id: ap.id }, keyUrl },
      rotationToLatestKeyVersionEnabled: true,
    });
    expect(body(tenant, openai.id)).toMatchObject({
      kind: "OpenAI",
      properties: {
        encryption: {
          keySource: "Microsoft.KeyVault",
          keyVaultProperties: { keyName: "cmk", keyVersion: onAp.version, keyVaultUri: ap.uri },
        },
      },
    });
    expect(body(tenant, ais.id).kind).toBe("AIServices");
    expect(body(tenant, ml.id).properties).toMatchObject({
      encryption: { status: "Enabled", keyVaultProperties: { keyVaultArmId: ap.id, keyIdentifier: keyUrl } },
    });
    expect(policiesOf(tenant, ap.id).map((p) => p.objectId)).toEqual(
      [des, openai, ais, ml].map((r) => r.principalId),
    );
  });

  it("writes the key or vault URI in the spelling asked for, and vaults of other clouds", () => {
    const b = new TenantBuilder({ seed: "spelling" });
    b.subscription(SUB, "prod");
    const cn = b.vault({ ...rg("rg-keys"), name: "kv-cn", domain: "vault.azure.cn" });
    const [v1] = b.key(cn, "cmk", [{ createdOn: "2026-01-01T00:00:00Z" }]).versions as [string];
    const key = { vault: cn, keyName: "cmk", version: v1 };
    const spelling = (uri: string) => uri.replace("kv-cn.vault.azure.cn", "KV-CN.vault.azure.cn:443");
    const des = b.cmkConsumer({ kind: "diskEncryptionSet", ...rg("rg-c"), name: "des", key, spelling });
    const ais = b.cmkConsumer({ kind: "aiServices", ...rg("rg-ai"), name: "ais", key, spelling });
    const ml = b.cmkConsumer({ kind: "mlWorkspace", ...rg("rg-ml"), name: "mlw", key, spelling });
    const tenant = b.build();
    expect(cn).toMatchObject({ url: "https://kv-cn.vault.azure.cn", uri: "https://kv-cn.vault.azure.cn/" });
    expect(body(tenant, cn.id).properties).toMatchObject({ vaultUri: "https://kv-cn.vault.azure.cn/" });
    const spelled = `https://KV-CN.vault.azure.cn:443/keys/cmk/${v1}`;
    expect(body(tenant, des.id).properties).toMatchObject({ activeKey: { keyUrl: spelled } });
    expect(body(tenant, ais.id).properties).toMatchObject({
      encryption: { keyVaultProperties: { keyVaultUri: "https://KV-CN.vault.azure.cn:443/" } },
    });
    expect(body(tenant, ml.id).properties).toMatchObject({
      encryption: { keyVaultProperties: { keyIdentifier: spelled } },
    });
    // The data plane serves the other cloud's vault by its host.
    expect(new TenantState(tenant).vaultByHost("kv-cn.vault.azure.cn")).toBeDefined();
  });

  it("grants an access policy on an access-policy vault and the crypto role on an RBAC vault", () => {
    const { b, ap, rbac, onAp, onRbac } = twoVaults();
    const onPolicy = b.cmkConsumer({ kind: "diskEncryptionSet", ...rg("rg-c"), name: "des-ap", key: onAp });
    const onRole = b.cmkConsumer({ kind: "diskEncryptionSet", ...rg("rg-c"), name: "des-rbac", key: onRbac });
    const tenant = b.build();
    expect(policiesOf(tenant, ap.id)).toEqual([
      expect.objectContaining({
        objectId: onPolicy.principalId,
        permissions: { keys: [...CMK_KEY_PERMISSIONS] },
      }),
    ]);
    expect(policiesOf(tenant, rbac.id)).toEqual([]);
    const assignments = tenant.resources.filter((r) => r.type === "Microsoft.Authorization/roleAssignments");
    expect(assignments).toHaveLength(1);
    expect(assignments[0]?.properties).toMatchObject({
      scope: rbac.id,
      principalId: onRole.principalId,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES["Key Vault Crypto Service Encryption User"]}`,
    });
  });

  it("grants exactly the permissions given, or nothing", () => {
    const { b, ap, rbac, onAp, onRbac } = twoVaults();
    const partial = b.cmkConsumer({
      kind: "openAI",
      ...rg("rg-ai"),
      name: "a1",
      key: onAp,
      access: ["get", "wrapKey"],
    });
    b.cmkConsumer({ kind: "openAI", ...rg("rg-ai"), name: "a2", key: onAp, access: "none" });
    const listed = b.cmkConsumer({
      kind: "openAI",
      ...rg("rg-ai"),
      name: "a3",
      key: onRbac,
      access: ["get"],
    });
    b.cmkConsumer({ kind: "openAI", ...rg("rg-ai"), name: "a4", key: onRbac, access: "none" });
    const tenant = b.build();
    expect(policiesOf(tenant, ap.id)).toEqual([
      expect.objectContaining({ objectId: partial.principalId, permissions: { keys: ["get", "wrapKey"] } }),
    ]);
    // A list is always an access policy, even where Key Vault ignores it.
    expect(policiesOf(tenant, rbac.id)).toEqual([
      expect.objectContaining({ objectId: listed.principalId, permissions: { keys: ["get"] } }),
    ]);
    expect(tenant.resources.some((r) => r.type === "Microsoft.Authorization/roleAssignments")).toBe(false);
  });

  it("reaches the key through the first user-assigned identity when there is one", () => {
    const { b, ap, onAp } = twoVaults();
    const uai = b.userAssignedIdentity({ ...rg("rg-id"), name: "id-cmk" });
    const identity = { userAssigned: [uai] };
    const account = b.cmkConsumer({ kind: "openAI", ...rg("rg-ai"), name: "aoai", key: onAp, identity });
    const ml = b.cmkConsumer({ kind: "mlWorkspace", ...rg("rg-ml"), name: "mlw", key: onAp, identity });
    const tenant = b.build();
    expect(account.principalId).toBeUndefined();
    expect(body(tenant, account.id).properties).toMatchObject({
      encryption: { keyVaultProperties: { identityClientId: uai.clientId } },
    });
    expect(body(tenant, ml.id).properties).toMatchObject({
      encryption: {
        identity: { userAssignedIdentity: uai.id },
        keyVaultProperties: { identityClientId: uai.clientId },
      },
    });
    expect(policiesOf(tenant, ap.id).map((p) => p.objectId)).toEqual([uai.principalId, uai.principalId]);
  });
});

describe("SingleKeyTenant (preset)", () => {
  it("holds one vault and one key at fixed ids, consumers in their type's resource group, each with access", () => {
    const t = new SingleKeyTenant();
    const des = t.diskEncryptionSet("des-1");
    const ai = t.aiServicesAccount("aoai-1", "OpenAI", { sub: 2 });
    const ml = t.mlWorkspace("mlw-1", { access: "none" });
    const tenant = t.build();
    expect(tenant.tenantId).toBe(SINGLE_KEY.tenantId);
    expect(tenant.subscriptions).toEqual([
      { subscriptionId: SINGLE_KEY.subscriptionId(1), displayName: "sub-1" },
      { subscriptionId: SINGLE_KEY.subscriptionId(2), displayName: "sub-2" },
    ]);
    expect(t.vault).toMatchObject({
      id: SINGLE_KEY.vaultId,
      url: SINGLE_KEY.vaultUrl,
      name: SINGLE_KEY.vaultName,
    });
    expect(tenant.keyVaults[SINGLE_KEY.vaultUrl]?.keys[SINGLE_KEY.keyName]).toEqual([
      keyVersion({
        version: SINGLE_KEY.versions.v1,
        createdOn: "2026-01-01T00:00:00Z",
        expiresOn: SINGLE_KEY.expiresOn,
      }),
    ]);
    expect(des.id).toBe(
      `/subscriptions/${SINGLE_KEY.subscriptionId(1)}/resourceGroups/rg-compute/providers/Microsoft.Compute/diskEncryptionSets/des-1`,
    );
    expect(ai.id).toContain(`/subscriptions/${SINGLE_KEY.subscriptionId(2)}/resourceGroups/rg-ai/`);
    expect(ml.resourceGroup).toBe("rg-ml");
    expect(body(tenant, des.id).properties).toMatchObject({
      activeKey: { keyUrl: SINGLE_KEY.keyId(SINGLE_KEY.versions.v1) },
    });
    expect(policiesOf(tenant, t.vault.id).map((p) => p.objectId)).toEqual([des.principalId, ai.principalId]);
    expect(new TenantState(tenant).keyVersions(SINGLE_KEY.vaultUrl, "cmk")).toHaveLength(1);
  });

  it("takes versions (expiring with the preset's events unless told), vault settings and a start version", () => {
    const { v1, v2, v3 } = SINGLE_KEY.versions;
    const t = new SingleKeyTenant({
      versions: [
        { version: v1, createdOn: "2026-01-01T00:00:00Z" },
        { version: v2, createdOn: "2026-11-01T00:00:00Z", expiresOn: null },
        { version: v3, createdOn: "2026-11-20T00:00:00Z", expiresOn: "2027-01-01T00:00:00Z", keySize: 3072 },
      ],
      vault: { purgeProtection: false, rbac: true },
    });
    const des = t.diskEncryptionSet("des-auto", { version: v2, autoRotation: true, principalId: "p-1" });
    t.roleAssignment("someone", "Key Vault Administrator");
    const tenant = t.build();
    expect(
      tenant.keyVaults[SINGLE_KEY.vaultUrl]?.keys.cmk?.map((v) => [v.version, v.expiresOn, v.keySize]),
    ).toEqual([
      [v1, SINGLE_KEY.expiresOn, 2048],
      [v2, null, 2048],
      [v3, "2027-01-01T00:00:00Z", 3072],
    ]);
    expect(body(tenant, t.vault.id).properties).toMatchObject({ enableRbacAuthorization: true });
    expect(body(tenant, t.vault.id).properties).not.toHaveProperty("enablePurgeProtection");
    expect(des.principalId).toBe("p-1");
    expect(body(tenant, des.id).properties).toMatchObject({
      activeKey: { keyUrl: SINGLE_KEY.keyId(v2) },
      rotationToLatestKeyVersionEnabled: true,
    });
    // On the RBAC vault the set got the crypto role; the administrator's assignment was asked for.
    const roles = tenant.resources
      .filter((r) => r.type === "Microsoft.Authorization/roleAssignments")
      .map((r) => (r.properties as { principalId: string }).principalId);
    expect(roles).toEqual(["p-1", "someone"]);
  });
});
