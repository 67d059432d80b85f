import { describe, expect, it } from "vitest";
import { TenantState, parseTenantFile, TenantFileError, type ArmResource } from "@cmkr/azure-emulator";
import { consumerFactsFromArm } from "../../src/core/consumers/consumerFactsFromArm.js";
import { roleAssignmentFactsFromArm } from "../../src/core/keyStores/roleAssignmentFactsFromArm.js";
import { vaultFactsFromArm } from "../../src/core/keyStores/vaultFactsFromArm.js";
import { DeterministicIds, KEY_VAULT_ROLES, TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SUB = "0b1f6471-1bf0-4dda-aec3-111111111111";
const rg = (name: string) => ({ subscriptionId: SUB, resourceGroup: name });

/** A tenant with one of everything, wired the way the service expects. */
function sampleTenant(seed = "sample") {
  const b = new TenantBuilder({ seed });
  b.subscription(SUB, "prod");
  const vault = b.vault({
    ...rg("rg-keys"),
    name: "kv-cmk",
    networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
  });
  const key = b.key(vault, "cmk", [
    { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2027-06-01T00:00:00Z" },
    { createdOn: "2026-11-20T00:00:00Z", keySize: 3072 },
  ]);
  const [v1] = key.versionIds as [string, string];
  const uai = b.userAssignedIdentity({ ...rg("rg-identity"), name: "id-cmk" });
  const account = b.aiServicesAccount({
    ...rg("rg-ai"),
    name: "aoai-one",
    kind: "OpenAI",
    cmk: { vaultUrl: vault.url, keyName: "cmk", keyVersion: key.versions[0] as string },
  });
  const uaiAccount = b.aiServicesAccount({
    ...rg("rg-ai"),
    name: "ais-uai",
    kind: "AIServices",
    identity: { userAssigned: [uai] },
    cmk: {
      vaultUrl: vault.url,
      keyName: "cmk",
      keyVersion: key.versions[0] as string,
      identityClientId: uai.clientId,
    },
  });
  const des = b.diskEncryptionSet({
    ...rg("rg-compute"),
    name: "des-one",
    keyUrl: v1,
    sourceVaultId: vault.id,
    autoRotation: true,
  });
  const vm = b.virtualMachine({ ...rg("rg-compute"), name: "vm-one", powerState: "deallocated" });
  const osDisk = b.disk({
    ...rg("rg-compute"),
    name: "vm-one-os",
    osType: "Linux",
    encryption: "platform",
    managedBy: vm.id,
  });
  const dataDisk = b.disk({
    ...rg("rg-compute"),
    name: "vm-one-data",
    encryption: { desId: des.id },
    managedBy: vm.id,
  });
  // The Project comes before its Hub on purpose: the Hub's list must still name it.
  const hubId = `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlh-one`;
  const project = b.mlWorkspace({ ...rg("rg-ml"), name: "mlp-one", kind: "Project", hubId });
  const hub = b.mlWorkspace({
    ...rg("rg-ml"),
    name: "mlh-one",
    kind: "Hub",
    cmk: { vaultId: vault.id, keyId: v1 },
  });
  const sse = b.mlWorkspace({
    ...rg("rg-ml"),
    name: "mlw-sse",
    cmk: { vaultId: vault.id, keyId: v1 },
    serviceSideEncryption: true,
    hbi: true,
    identity: { userAssigned: [uai], systemAssigned: true },
  });
  const assignment = b.roleAssignment({
    scope: vault.id,
    principalId: des.principalId as string,
    roleDefinitionName: "Key Vault Crypto Service Encryption User",
  });
  for (const principal of [account.principalId, des.principalId, hub.principalId, uai.principalId]) {
    b.grantKeyAccess(vault, principal as string);
  }
  return {
    b,
    vault,
    key,
    uai,
    account,
    uaiAccount,
    des,
    vm,
    osDisk,
    dataDisk,
    project,
    hub,
    sse,
    assignment,
  };
}

function body(tenant: { resources: ArmResource[] }, id: string): ArmResource {
  const found = tenant.resources.find((r) => r.id === id);
  if (found === undefined) throw new Error(`no ${id}`);
  return found;
}

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

  it("writes vaults the way ARM returns them, and the service reads them back", () => {
    const b = new TenantBuilder({ seed: "vaults" });
    b.subscription(SUB, "prod");
    const strict = b.vault({
      ...rg("rg-keys"),
      name: "kv-strict",
      accessPolicies: [{ objectId: "p1", keys: ["get"] }],
    });
    const loose = b.vault({ ...rg("rg-keys"), name: "kv-loose", purgeProtection: false, rbac: true });
    b.grantKeyAccess(strict, "p2");
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
    const facts = vaultFactsFromArm(strictBody);
    expect(facts.accessPolicies.map((ap) => [ap.objectId, ap.keyPermissions])).toEqual([
      ["p1", ["get"]],
      ["p2", ["get", "wrapKey", "unwrapKey"]],
    ]);
    expect(vaultFactsFromArm(body(tenant, loose.id))).toMatchObject({
      enablePurgeProtection: false,
      enableRbacAuthorization: true,
    });
    expect(tenant.keyVaults).toEqual({
      "https://kv-strict.vault.azure.net": { keys: {} },
      "https://kv-loose.vault.azure.net": { keys: {} },
    });
    expect(() =>
      b.grantKeyAccess("/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/z", "p"),
    ).toThrow(/no vault/);
  });

  it("writes consumers whose key and identity the service reads as configured", () => {
    const { b, key, uai, account, uaiAccount, des, hub, sse } = sampleTenant();
    const tenant = b.build();
    const v1 = { vaultUrl: "https://kv-cmk.vault.azure.net", keyName: "cmk", version: key.versions[0] };

    const accountFacts = consumerFactsFromArm(body(tenant, account.id));
    expect(accountFacts).toMatchObject({
      consumerType: "aiServices",
      currentKey: v1,
      identity: { kind: "SystemAssigned", principalId: account.principalId },
      tenantId: b.tenantId,
    });
    expect(body(tenant, account.id).properties).toMatchObject({
      endpoint: "https://aoai-one.openai.azure.com/",
      customSubDomainName: "aoai-one",
      encryption: {
        keySource: "Microsoft.KeyVault",
        keyVaultProperties: { keyVaultUri: "https://kv-cmk.vault.azure.net/" },
      },
    });

    const uaiFacts = consumerFactsFromArm(body(tenant, uaiAccount.id));
    expect(uaiFacts.identity).toEqual({
      kind: "UserAssigned",
      principalId: uai.principalId,
      resourceId: uai.id,
    });
    expect(uaiFacts.hasSystemAssignedIdentity).toBe(false);
    expect(body(tenant, uaiAccount.id).identity).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: { [uai.id]: { principalId: uai.principalId, clientId: uai.clientId } },
    });

    expect(consumerFactsFromArm(body(tenant, des.id))).toMatchObject({
      consumerType: "diskEncryptionSet",
      currentKey: v1,
      identity: { principalId: des.principalId },
    });
    expect(body(tenant, des.id).properties).toMatchObject({
      rotationToLatestKeyVersionEnabled: true,
      encryptionType: "EncryptionAtRestWithCustomerKey",
      previousKeys: [],
    });

    expect(consumerFactsFromArm(body(tenant, hub.id))).toMatchObject({
      consumerType: "mlWorkspace",
      currentKey: v1,
    });
    expect(consumerFactsFromArm(body(tenant, sse.id))).toMatchObject({ mlServiceSideEncryption: true });
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
    expect(roleAssignmentFactsFromArm(body(tenant, assignment.id))).toEqual({
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
    const b = new TenantBuilder();
    b.subscription(SUB, "prod");
    const bare = b.aiServicesAccount({ ...rg("rg"), name: "a1", kind: "AIServices", identity: "None" });
    const explicit = b.aiServicesAccount({
      ...rg("rg"),
      name: "a2",
      kind: "OpenAI",
      explicitMicrosoftManagedKey: true,
    });
    const ml = b.mlWorkspace({ ...rg("rg"), name: "w1" });
    const tenant = b.build();
    expect(bare.principalId).toBeUndefined();
    expect(body(tenant, bare.id)).not.toHaveProperty("identity");
    expect(body(tenant, bare.id).properties).not.toHaveProperty("encryption");
    expect(body(tenant, explicit.id).properties).toMatchObject({
      encryption: { keySource: "Microsoft.CognitiveServices" },
    });
    expect(body(tenant, ml.id).properties).not.toHaveProperty("encryption");
    expect(consumerFactsFromArm(body(tenant, bare.id))).toMatchObject({
      identity: undefined,
      currentKey: undefined,
    });
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
