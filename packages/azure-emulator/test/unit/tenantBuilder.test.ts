import { describe, expect, it } from "vitest";
import { TenantFileError, parseTenantFile } from "../../src/tenantFile.js";
import { TenantState } from "../../src/tenantState.js";
import { DeterministicIds, KEY_VAULT_ROLES, TenantBuilder } from "../../src/tenantBuilder/index.js";
import { SUB, bareTenant, body, rg, sampleTenant, vaultTenant } from "../support/sampleTenant.js";

// What the service reads back from these tenants is tested with the service: test/unit/builtTenantFacts.test.ts.

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("TenantBuilder", () => {
  it("builds a tenant file that parses and that the emulator loads", () => {
    const { b, vault } = sampleTenant();
    const tenant = b.build();
    expect(parseTenantFile(JSON.parse(JSON.stringify(tenant)) as unknown)).toEqual(tenant);
    const state = new TenantState(tenant);
    expect(state.vaultByHost("kv-cmk.vault.azure.net")?.url).toBe(vault.url);
    expect(state.keyVersions(vault.url, "cmk")?.map((v) => v.keySize)).toEqual([2048, 3072]);
    expect(state.getResource(vault.id)?.body.name).toBe("kv-cmk");
  });

  it("is deterministic for a seed, and different across seeds", () => {
    const one = JSON.stringify(sampleTenant("a").b.build());
    expect(JSON.stringify(sampleTenant("a").b.build())).toBe(one);
    expect(JSON.stringify(sampleTenant("b").b.build())).not.toBe(one);
  });

  it("generates v4-shaped GUIDs and 32-hex key versions", () => {
    const ids = new DeterministicIds("x");
    for (let i = 0; i < 200; i++) expect(ids.guid()).toMatch(GUID);
    const { key, account, b } = sampleTenant();
    for (const v of key.versions) expect(v).toMatch(/^[0-9a-f]{32}$/);
    expect(account.principalId).toMatch(GUID);
    expect(b.tenantId).toMatch(GUID);
  });

  it("fills key version defaults and appends versions given later", () => {
    const b = new TenantBuilder();
    const first = b.key("https://kv-x.vault.azure.net/", "k", [{ createdOn: "2026-01-01T00:00:00Z" }]);
    expect(first.vaultUrl).toBe("https://kv-x.vault.azure.net");
    const both = b.key("https://kv-x.vault.azure.net", "k", [
      { version: "abc123", kty: "EC", createdOn: "2026-02-01T00:00:00Z", enabled: false, keyOps: ["sign"] },
    ]);
    expect(both.versions).toEqual([first.versions[0], "abc123"]);
    expect(both.versionIds[1]).toBe("https://kv-x.vault.azure.net/keys/k/abc123");
    const [rsa, ec] = b.build().keyVaults["https://kv-x.vault.azure.net"]?.keys.k ?? [];
    expect(rsa).toEqual({
      version: first.versions[0],
      kty: "RSA",
      keySize: 2048,
      enabled: true,
      createdOn: "2026-01-01T00:00:00Z",
      notBefore: null,
      expiresOn: null,
      keyOps: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
    });
    expect(ec).toMatchObject({ kty: "EC", curve: "P-256", enabled: false, keyOps: ["sign"] });
    expect(ec).not.toHaveProperty("keySize");
  });

  it("writes vaults the way ARM returns them", () => {
    const { b, strict, loose } = vaultTenant();
    const tenant = b.build();
    const strictBody = body(tenant, strict.id);
    expect(strictBody.properties).toMatchObject({
      vaultUri: "https://kv-strict.vault.azure.net/",
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      enableRbacAuthorization: false,
      tenantId: b.tenantId,
    });
    expect(strictBody.properties).not.toHaveProperty("networkAcls");
    // ARM leaves purge protection out until it is turned on; it can never be turned off.
    expect(body(tenant, loose.id).properties).not.toHaveProperty("enablePurgeProtection");
    expect(tenant.keyVaults).toEqual({
      "https://kv-strict.vault.azure.net": { keys: {} },
      "https://kv-loose.vault.azure.net": { keys: {} },
    });
    expect(() =>
      b.grantKeyAccess("/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/z", "p"),
    ).toThrow(/no vault/);
  });

  it("writes consumers with their key and identity as configured", () => {
    const { b, uai, account, uaiAccount, des, hub, sse } = sampleTenant();
    const tenant = b.build();
    expect(body(tenant, account.id).properties).toMatchObject({
      endpoint: "https://aoai-one.openai.azure.com/",
      customSubDomainName: "aoai-one",
      encryption: {
        keySource: "Microsoft.KeyVault",
        keyVaultProperties: { keyVaultUri: "https://kv-cmk.vault.azure.net/" },
      },
    });
    expect(body(tenant, uaiAccount.id).identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: { [uai.id]: { principalId: uai.principalId, clientId: uai.clientId } },
    });
    expect(body(tenant, des.id).properties).toMatchObject({
      rotationToLatestKeyVersionEnabled: true,
      encryptionType: "EncryptionAtRestWithCustomerKey",
      previousKeys: [],
    });
    expect(body(tenant, sse.id).identity).toMatchObject({
      type: "SystemAssigned,UserAssigned",
      principalId: sse.principalId,
    });
    expect(body(tenant, sse.id).properties).toMatchObject({
      hbiWorkspace: true,
      enableServiceSideCMKEncryption: true,
    });
    // Only a CMK workspace without service-side encryption gets the managed resource group.
    expect(body(tenant, hub.id).properties).toHaveProperty("serviceProvisionedResourceGroup");
    expect(body(tenant, sse.id).properties).not.toHaveProperty("serviceProvisionedResourceGroup");
  });

  it("links Projects and Hubs both ways, whichever comes first", () => {
    const { b, project, hub } = sampleTenant();
    const tenant = b.build();
    expect(body(tenant, project.id).properties).toMatchObject({ hubResourceId: hub.id });
    expect(body(tenant, project.id).properties).not.toHaveProperty("storageAccount");
    expect(body(tenant, hub.id).properties).toMatchObject({ associatedWorkspaces: [project.id] });
    expect(body(tenant, hub.id).properties).not.toHaveProperty("hubResourceId");
  });

  it("attaches disks to their VM and derives the disk state from the VM's power state", () => {
    const { b, vm, osDisk, dataDisk, des } = sampleTenant();
    const tenant = b.build();
    expect(body(tenant, osDisk.id)).toMatchObject({
      managedBy: vm.id,
      properties: {
        diskState: "Reserved",
        osType: "Linux",
        encryption: { type: "EncryptionAtRestWithPlatformKey" },
      },
    });
    expect(body(tenant, dataDisk.id).properties).toMatchObject({
      diskState: "Reserved",
      encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: des.id },
      tier: "P10",
      diskSizeBytes: 128 * 1024 ** 3,
    });
    const vmProps = body(tenant, vm.id).properties as {
      storageProfile: {
        osDisk: { managedDisk: { id: string } };
        dataDisks: { lun: number; managedDisk: Record<string, unknown> }[];
      };
      instanceView: { statuses: { code: string }[] };
    };
    expect(Object.keys(vmProps.storageProfile)).toEqual(["osDisk", "dataDisks"]);
    expect(vmProps.storageProfile.osDisk.managedDisk.id).toBe(osDisk.id);
    expect(vmProps.storageProfile.dataDisks).toHaveLength(1);
    expect(vmProps.storageProfile.dataDisks[0]).toMatchObject({
      lun: 0,
      managedDisk: { id: dataDisk.id, diskEncryptionSet: { id: des.id } },
    });
    expect(vmProps.instanceView.statuses.map((s) => s.code)).toContain("PowerState/deallocated");

    const b2 = new TenantBuilder();
    b2.subscription(SUB, "prod");
    const running = b2.virtualMachine({ ...rg("rg"), name: "vm" });
    const attached = b2.disk({ ...rg("rg"), name: "d1", encryption: "platform", managedBy: running.id });
    const loose = b2.disk({ ...rg("rg"), name: "d2", encryption: "platform" });
    const t2 = b2.build();
    expect(body(t2, attached.id).properties).toMatchObject({ diskState: "Attached" });
    expect(body(t2, loose.id).properties).toMatchObject({ diskState: "Unattached" });
    expect(body(t2, loose.id)).not.toHaveProperty("managedBy");
  });

  it("writes role assignments by role name or id, as ARM lists them", () => {
    const { b, vault, des, assignment } = sampleTenant();
    const tenant = b.build();
    expect(assignment.id).toBe(
      `${vault.id}/providers/Microsoft.Authorization/roleAssignments/${assignment.name}`,
    );
    expect(body(tenant, assignment.id).properties).toMatchObject({
      scope: vault.id,
      principalId: des.principalId,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES["Key Vault Crypto Service Encryption User"]}`,
    });
    const byId = b.roleAssignment({
      scope: `/subscriptions/${SUB}`,
      principalId: "p",
      roleDefinitionId: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    });
    expect(byId.name).toMatch(GUID);
    expect(b.build().resources.at(-1)?.properties).toMatchObject({
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
      scope: `/subscriptions/${SUB}`,
      principalType: "ServicePrincipal",
    });
  });

  it("leaves the identity out for identity None, and encryption out without a CMK unless asked", () => {
    const { b, bare, explicit, ml } = bareTenant();
    const tenant = b.build();
    expect(bare.principalId).toBeUndefined();
    expect(body(tenant, bare.id)).not.toHaveProperty("identity");
    expect(body(tenant, bare.id).properties).not.toHaveProperty("encryption");
    expect(body(tenant, explicit.id).properties).toMatchObject({
      encryption: { keySource: "Microsoft.CognitiveServices" },
    });
    expect(body(tenant, ml.id).properties).not.toHaveProperty("encryption");
  });

  it("refuses duplicates and reports contract problems with their JSON path", () => {
    const b = new TenantBuilder();
    b.subscription(SUB, "prod");
    expect(() => b.subscription(SUB.toUpperCase(), "again")).toThrow(/added twice/);
    b.diskEncryptionSet({
      ...rg("rg"),
      name: "des",
      keyUrl: "https://kv.vault.azure.net/keys/k/1",
      sourceVaultId: "/x",
    });
    expect(() =>
      b.diskEncryptionSet({
        ...rg("RG"),
        name: "DES",
        keyUrl: "https://kv.vault.azure.net/keys/k/1",
        sourceVaultId: "/x",
      }),
    ).toThrow(/added twice/);
    b.disk({ subscriptionId: "not-listed", resourceGroup: "rg", name: "d", encryption: "platform" });
    expect(() => b.build()).toThrow(TenantFileError);
    expect(() => b.build()).toThrow(/\$\.resources\[1\]\.id: subscription not-listed is not listed/);
  });

  it("soft-deletes keys and vaults: the key under deletedKeys, the vault and what is scoped to it gone", () => {
    const { b, vault, key } = sampleTenant();
    const other = b.vault({ ...rg("rg-keys"), name: "kv-other", rbac: true });
    const otherKey = b.key(other, "k", [{ createdOn: "2026-01-01T00:00:00Z" }]);
    const assignment = b.roleAssignment({
      scope: other.id,
      principalId: "11111111-2222-4333-8444-555555555555",
      roleDefinitionName: "Key Vault Crypto Service Encryption User",
    });
    b.deleteKey(key, { deletedDate: "2026-11-21T00:00:00Z" });
    b.deleteVault(other, { deletionDate: "2026-11-21T00:00:00Z" });
    const tenant = b.build();
    expect(tenant.keyVaults[vault.url]?.keys).not.toHaveProperty("cmk");
    expect(tenant.keyVaults[vault.url]?.deletedKeys?.cmk).toMatchObject({
      deletedDate: "2026-11-21T00:00:00Z",
      versions: key.versions.map((version) => expect.objectContaining({ version }) as unknown),
    });
    expect(tenant.keyVaults).not.toHaveProperty(otherKey.vaultUrl);
    const ids = tenant.resources.map((r) => r.id);
    expect(ids).not.toContain(other.id);
    expect(ids).not.toContain(assignment.id);
    expect(tenant.deletedVaults).toEqual([
      {
        id: `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-other`,
        name: "kv-other",
        type: "Microsoft.KeyVault/deletedVaults",
        properties: {
          vaultId: other.id,
          location: "westeurope",
          deletionDate: "2026-11-21T00:00:00Z",
          scheduledPurgeDate: "2027-02-19T00:00:00.000Z",
          tags: {},
          purgeProtectionEnabled: true,
        },
      },
    ]);
    const state = new TenantState(tenant);
    expect(state.keyVersions(vault.url, "cmk")).toBeUndefined();
    expect(state.deletedKey(vault.url, "cmk")?.versions).toHaveLength(2);
    expect(state.vaultByHost("kv-other.vault.azure.net")).toBeUndefined();
    expect(() => b.deleteKey(key, { deletedDate: "2026-11-21T00:00:00Z" })).toThrow(/no key/);
  });

  it("returns a copy from build, so later changes to either side do not leak", () => {
    const { b, account } = sampleTenant();
    const first = b.build();
    (body(first, account.id).properties as Record<string, unknown>).endpoint = "changed";
    b.aiServicesAccount({ ...rg("rg-ai"), name: "aoai-two", kind: "OpenAI" });
    const second = b.build();
    expect(body(second, account.id).properties).toMatchObject({
      endpoint: "https://aoai-one.openai.azure.com/",
    });
    expect(second.resources).toHaveLength(first.resources.length + 1);
    expect(b.resourceCount).toBe(second.resources.length);
  });
});
