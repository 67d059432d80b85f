import { describe, expect, it } from "vitest";
import { sweepResourceFromRow } from "../../src/core/sweep/sweepRow.js";
import { asArm, exampleBodies } from "./support/exampleBodies.js";
import { keyVaultReplayClient } from "./support/keyVaultReplay.js";
import { entriesOfKind, shortName, type MaterialEntry } from "./support/material.js";
import { recordedChallenge, recordedEntries } from "./support/recordings.js";
import { adapterOver, keyFactsLine, readArm, readRoleAssignment } from "./support/serviceReaders.js";

/*
 * Every example response body of the types the service reads goes through the service's own
 * readers (facts mappers, detection rules, the sweep's row mapping, the Key Vault adapter), and
 * what they make of it is stated below, line by line. A change of classification fails here and
 * must be checked against Microsoft's docs before the table is updated.
 *
 * Line format: `<status>[<item>] <outcome>`; `+type`/`+id` when the example left out a field an
 * ARM GET always returns (filled from the operation). Outcomes: `compliant`, `finding:<codes>`
 * (`(attach-des)` etc. when the finding carries a remediation), `undetermined`, `excluded`,
 * `not judged` (no detection rule for the type), `out of scope (kind X)` (an AI services kind the
 * service does not judge; `as in scope:` then gives the verdict with that kind configured), and
 * after `|` what the facts mapper read (`ArmFactsInvalid@<field>` is its typed refusal).
 * Disks are also judged in enforce mode with a disk encryption set configured for their region.
 */

const challenge = recordedChallenge(
  recordedEntries(entriesOfKind("recording").find((e) => e.file.includes("recording_can_get_a_key"))!),
);

const keyBundleOperations = new Set(["CreateKey", "GetKey", "RotateKey", "UpdateKey"]);
/** Operations whose answers the service never reads (with why). */
const notRead: Record<string, string> = {
  GetKeys: "the service lists a key's versions, never a vault's keys",
  Release: "secure key release is not used by the service",
  GetKeyRotationPolicy: "Key Vault's own rotation policy is not read",
  DiskEncryptionSets_ListAssociatedResources: "the service finds consumers with Resource Graph",
  DiskEncryptionSets_Delete: "no body",
  VirtualMachines_InstanceView: "an instance view, not a resource; the service reads disks, never VMs",
};

/** A published `kid` split by hand: the examples' versions are not all what the service accepts. */
function splitKid(kid: string): { vaultUrl: string; name: string; version: string } {
  const url = new URL(kid);
  const [, , name = "", version = ""] = url.pathname.split("/");
  return { vaultUrl: url.origin, name, version };
}

async function outcomes(entry: MaterialEntry): Promise<string[]> {
  const operation = entry.operation ?? "";
  const out: string[] = [];
  for (const b of exampleBodies(entry)) {
    const label = `${b.status}${b.index === undefined ? "" : `[${b.index}]`}${b.completed.map((c) => `+${c}`).join("")}`;
    let outcome: string;
    if (notRead[operation] !== undefined) outcome = `not read: ${notRead[operation]}`;
    else if (operation.startsWith("RoleAssignments_")) outcome = readRoleAssignment(b.body);
    else if (operation === "Resources") {
      const row = sweepResourceFromRow(b.body as Record<string, unknown>);
      outcome = row === undefined ? "row without id or type: skipped" : readArm(row.resource);
    } else if (keyBundleOperations.has(operation)) {
      const kid = splitKid((b.body as { key: { kid: string } }).key.kid);
      const port = adapterOver(keyVaultReplayClient({ challenge, bundles: [b.body] }));
      outcome = keyFactsLine(await port.getKeyVersion(kid.vaultUrl, kid.name, kid.version));
    } else if (operation === "GetKeyVersions") {
      const kid = splitKid((b.body as { kid: string }).kid);
      // The example is one page of a longer list (its nextLink is followed): an empty last page ends it.
      const page = {
        value: [b.body],
        nextLink: "https://myvault.vault.azure.net:443/keys/x/versions?$skiptoken=next",
      };
      const port = adapterOver(
        keyVaultReplayClient({ challenge, versionPages: [page, { value: [], nextLink: null }] }),
      );
      const versions = await port.listKeyVersions(kid.vaultUrl, kid.name);
      outcome = `versions ${JSON.stringify(versions?.map((v) => `${v.version} ${v.enabled ? "enabled" : "disabled"} ${v.createdOn.toISOString()}`))}`;
    } else if (typeof (b.body as { type?: unknown }).type === "string") {
      outcome = readArm(asArm(b.body));
    } else {
      outcome = "not an ARM resource";
    }
    out.push(`${label} ${outcome}`);
  }
  return out;
}

const expected: Record<string, string[]> = {
  "authorization/2022-04-01/examples/RoleAssignments_Get.json": [
    "200 role 0b5fe924-9a61-425c-96af-cfe6e287ca2d at /subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2",
  ],
  "authorization/2022-04-01/examples/RoleAssignments_ListForScope.json": [
    "200[0] role 0b5fe924-9a61-425c-96af-cfe6e287ca2d at /subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2",
  ],
  "cognitiveservices/2024-10-01/examples/CreateAccount.json": [
    "200 out of scope (kind Emotion); as in scope: compliant | key=FakeKeyName@891CF236-D241-4738-9462-D506AF493DFA identity=SystemAssigned",
    "201 out of scope (kind Emotion); as in scope: compliant | key=FakeKeyName@891CF236-D241-4738-9462-D506AF493DFA identity=SystemAssigned",
    "202 out of scope (kind Emotion); as in scope: compliant | key=FakeKeyName@891CF236-D241-4738-9462-D506AF493DFA identity=SystemAssigned",
  ],
  "cognitiveservices/2024-10-01/examples/ListAccountsByResourceGroup.json": [
    "200[0] out of scope (kind Emotion); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=none",
    "200[1] out of scope (kind Face); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=none",
  ],
  "cognitiveservices/2025-06-01/examples/ListAccountsBySubscription.json": [
    "200[0] out of scope (kind Bing.Search); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=none",
    "200[1] out of scope (kind CRIS); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=none",
    "200[2] out of scope (kind Face); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=none",
    "200[3] out of scope (kind Emotion); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=none",
  ],
  "cognitiveservices/2025-06-01/examples/UpdateAccount.json": [
    "200 out of scope (kind Bing.Search); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=none",
    "202 out of scope (kind Bing.Search); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=none",
  ],
  "cognitiveservices/2025-09-01/examples/CreateAccountMin.json": [
    "200 out of scope (kind Emotion); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=SystemAssigned",
    "201 out of scope (kind Emotion); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=SystemAssigned",
    "202 out of scope (kind Emotion); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=SystemAssigned",
  ],
  "cognitiveservices/2025-09-01/examples/CreateProjectMin.json": [
    "200 not judged",
    "201 not judged",
    "202 not judged",
  ],
  "cognitiveservices/2025-09-01/examples/GetAccount.json": [
    "200 out of scope (kind Emotion); as in scope: finding:AiServicesMicrosoftManagedKey | key=none identity=none",
  ],
  "compute-computerp/2024-11-01/examples/virtualMachineExamples/VirtualMachine_Create_WithSecurityTypeConfidentialVMWithCustomerManagedKeys.json":
    ["200 not judged", "201 not judged"],
  "compute-computerp/2024-11-01/examples/virtualMachineExamples/VirtualMachine_Get_InstanceView.json": [
    "200+type+id not read: an instance view, not a resource; the service reads disks, never VMs",
  ],
  "compute-computerp/2025-04-01/examples/virtualMachineExamples/VirtualMachine_Get_InstanceView.json": [
    "200+type+id not read: an instance view, not a resource; the service reads disks, never VMs",
  ],
  // The DES examples name a versionless placeholder key URL (`.../keys/{key}` on an internal host):
  // the API requires a versioned one, so the service reports the reference and its mapper refuses it.
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_Create.json": [
    "200+type finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
    "202+type finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
  ],
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_Create_WithKeyVaultFromADifferentSubscription.json":
    [
      "200+type finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
      "202+type finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
    ],
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_Create_WithKeyVaultFromADifferentTenant.json":
    [
      "200+type finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
      "202+type finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
    ],
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_Delete.json": [],
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_Get.json": [
    "200 finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
  ],
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_Get_WithAutoKeyRotationError.json":
    ["200 finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl"],
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_ListAssociatedResources.json":
    [
      "200[0] not read: the service finds consumers with Resource Graph",
      "200[1] not read: the service finds consumers with Resource Graph",
    ],
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_ListByResourceGroup.json": [
    "200[0] finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
    "200[1] finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
  ],
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_ListBySubscription.json": [
    "200[0] finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
    "200[1] finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
  ],
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_Update.json": [
    "200+type+id finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
    "202+type+id finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
  ],
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_Update_WithRotationToLatestKeyVersionEnabled.json":
    [
      "200 finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
      "202 finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
    ],
  "compute-diskrp/2025-01-02/examples/diskEncryptionSetExamples/DiskEncryptionSet_Update_WithRotationToLatestKeyVersionEnabledInProgress.json":
    [
      "200 finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
      "202 finding:CmkKeyReferenceInvalid | ArmFactsInvalid@properties.activeKey.keyUrl",
    ],
  "compute-diskrp/2025-01-02/examples/diskExamples/Disk_Create_ConfidentialVMSupportedDiskEncryptedWithCMK.json":
    ["200+type compliant; enforce: compliant", "202+type compliant; enforce: compliant"],
  // Fixed: the 200 body has `diskEncryptionSetId` and no `type` (customer-managed, DiskRP `EncryptionType`);
  // the 202 body leaves `encryption` out while the create runs.
  "compute-diskrp/2025-01-02/examples/diskExamples/Disk_Create_WithDiskEncryptionSet.json": [
    "200+type compliant; enforce: compliant",
    "202+type finding:DiskPlatformKey; enforce: finding:DiskAttachedCannotEnforce",
  ],
  "compute-diskrp/2025-01-02/examples/diskExamples/Disk_Create_WithSecurityProfile.json": [
    "200+type finding:DiskPlatformKey; enforce: finding:DiskAttachedCannotEnforce",
    "202+type finding:DiskPlatformKey; enforce: finding:DiskAttachedCannotEnforce",
  ],
  // Fixed: `encryptionSettingsCollection` (Azure Disk Encryption) can never take a customer-managed key,
  // so even in enforce mode the finding carries no attach-des.
  "compute-diskrp/2025-01-02/examples/diskExamples/Disk_Get.json": [
    "200 finding:DiskPlatformKey; enforce: finding:DiskPlatformKey",
  ],
  "compute-diskrp/2025-01-02/examples/diskExamples/Disk_ListByResourceGroup.json": [
    "200[0] finding:DiskPlatformKey; enforce: finding:DiskPlatformKey",
    "200[1] finding:DiskPlatformKey; enforce: finding:DiskAttachedCannotEnforce",
    "200[2] finding:DiskPlatformKey; enforce: finding:DiskPlatformKey",
  ],
  "compute-diskrp/2025-01-02/examples/diskExamples/Disk_ListBySubscription.json": [
    "200[0] finding:DiskPlatformKey; enforce: finding:DiskPlatformKey",
    "200[1] finding:DiskPlatformKey; enforce: finding:DiskAttachedCannotEnforce",
    "200[2] finding:DiskPlatformKey; enforce: finding:DiskPlatformKey",
  ],
  "compute-diskrp/2025-01-02/examples/diskExamples/Disk_Update_ChangeTier.json": [
    "200+type+id finding:DiskPlatformKey; enforce: finding:DiskAttachedCannotEnforce",
    "202+type+id finding:DiskPlatformKey; enforce: finding:DiskAttachedCannotEnforce",
  ],
  "compute-diskrp/2025-01-02/examples/snapshotExamples/Snapshot_Create_FromAnExistingSnapshot.json": [
    "200+type not judged",
    "202+type not judged",
  ],
  "compute-diskrp/2025-01-02/examples/snapshotExamples/Snapshot_Get.json": ["200 not judged"],
  "compute-diskrp/2025-01-02/examples/snapshotExamples/Snapshot_GetIncrementalSnapshot.json": [
    "200 not judged",
  ],
  "compute-diskrp/2025-01-02/examples/snapshotExamples/Snapshot_ListByResourceGroup.json": [
    "200[0] not judged",
  ],
  "keyvault-dataplane/7.5/examples/CreateKey-example.json": [
    "200 RSA, 2048 bits, enabled, created 2017-05-05T00:00:51.000Z, no expiry, ops encrypt,decrypt,sign,verify,wrapKey,unwrapKey",
  ],
  "keyvault-dataplane/7.5/examples/GetKey-example.json": [
    "200 RSA, 2048 bits, enabled, created 2017-05-05T00:00:51.000Z, no expiry, ops encrypt,decrypt,sign,verify,wrapKey,unwrapKey",
  ],
  "keyvault-dataplane/7.5/examples/GetRoleAssignments-example.json": ["200 role roleDefinitionId at /keys"],
  "keyvault-dataplane/7.5/examples/ListRoleAssignments-example.json": [
    "200[0] role roleDefinitionId at /keys",
  ],
  "keyvault-dataplane/7.5/examples/RotateKey-example.json": [
    "200 RSA, 2048 bits, enabled, created 2017-05-05T00:00:51.000Z, no expiry, ops encrypt,decrypt,sign,verify,wrapKey,unwrapKey",
  ],
  "keyvault-dataplane/7.5/examples/release-example.json": [
    "200 not read: secure key release is not used by the service",
  ],
  "keyvault-dataplane/7.6/examples/GetKeyRotationPolicy-example.json": [
    "200 not read: Key Vault's own rotation policy is not read",
  ],
  // As published: `created` 1493937.61 (seconds, so 1970) and a version with a dot.
  "keyvault-dataplane/7.6/examples/GetKeyVersions-example.json": [
    '200[0] versions ["7c9dc67.6d0e4177827c4f98f482fc12 enabled 1970-01-18T06:58:57.610Z"]',
  ],
  "keyvault-dataplane/7.6/examples/GetKeys-example.json": [
    "200[0] not read: the service lists a key's versions, never a vault's keys",
  ],
  "keyvault-dataplane/7.6/examples/UpdateKey-example.json": [
    "200 RSA, 2048 bits, disabled, created 2017-05-04T01:11:15.000Z, expires 1991-01-01T08:00:00.000Z, ops decrypt,encrypt",
  ],
  "keyvault-mgmt/2024-11-01/examples/ManagedHsm_CreateOrUpdate.json": ["200 not judged", "202 not judged"],
  "keyvault-mgmt/2024-11-01/examples/ManagedHsm_Get.json": ["200 not judged"],
  "keyvault-mgmt/2024-11-01/examples/ManagedHsm_ListByResourceGroup.json": [
    "200[0] not judged",
    "200[1] not judged",
  ],
  "keyvault-mgmt/2024-11-01/examples/ManagedHsm_ListBySubscription.json": [
    "200[0] not judged",
    "200[1] not judged",
  ],
  "keyvault-mgmt/2024-11-01/examples/createVault.json": [
    "200 finding:VaultPurgeProtectionOff | vault softDelete=true purgeProtection=false rbac=false policies=1",
    "201 finding:VaultPurgeProtectionOff | vault softDelete=true purgeProtection=false rbac=false policies=1",
  ],
  "keyvault-mgmt/2024-11-01/examples/createVaultWithNetworkAcls.json": [
    "200 finding:VaultPurgeProtectionOff | vault softDelete=true purgeProtection=false rbac=false policies=0",
    "201 finding:VaultPurgeProtectionOff | vault softDelete=true purgeProtection=false rbac=false policies=0",
  ],
  "keyvault-mgmt/2024-11-01/examples/getKey.json": ["200 not judged"],
  "keyvault-mgmt/2024-11-01/examples/getKeyVersion.json": ["200 not judged"],
  "keyvault-mgmt/2024-11-01/examples/getVault.json": [
    "200 finding:VaultPurgeProtectionOff | vault softDelete=true purgeProtection=false rbac=false policies=1",
  ],
  "keyvault-mgmt/2024-11-01/examples/listKeyVersions.json": ["200[0] not judged", "200[1] not judged"],
  "keyvault-mgmt/2024-11-01/examples/listVaultByResourceGroup.json": [
    "200[0] finding:VaultPurgeProtectionOff | vault softDelete=true purgeProtection=false rbac=false policies=1",
  ],
  "keyvault-mgmt/2024-11-01/examples/managedHsmGetKey.json": ["200 not judged"],
  "keyvault-mgmt/2024-11-01/examples/managedHsmListKeyVersions.json": [
    "200[0] not judged",
    "200[1] not judged",
  ],
  "keyvault-mgmt/2024-11-01/examples/updateVault.json": [
    "200 finding:VaultPurgeProtectionOff | vault softDelete=true purgeProtection=false rbac=false policies=1",
    "201 finding:VaultPurgeProtectionOff | vault softDelete=true purgeProtection=false rbac=false policies=1",
  ],
  "machinelearningservices/2025-09-01/examples/Compute/list.json": ["200[0] not judged", "200[1] not judged"],
  "machinelearningservices/2025-09-01/examples/Datastore/list.json": ["200[0] not judged"],
  "machinelearningservices/2025-09-01/examples/OnlineDeployment/list.json": ["200[0] not judged"],
  "machinelearningservices/2025-09-01/examples/PrivateEndpointConnection/list.json": [
    "200[0] not judged",
    "200[1] not judged",
  ],
  "machinelearningservices/2025-09-01/examples/Schedule/list.json": ["200[0] not judged"],
  "machinelearningservices/2025-09-01/examples/Workspace/BatchDeployment/list.json": ["200[0] not judged"],
  "machinelearningservices/2025-09-01/examples/Workspace/ComponentContainer/list.json": ["200[0] not judged"],
  "machinelearningservices/2025-09-01/examples/Workspace/DataContainer/list.json": [
    "200[0] not judged",
    "200[1] not judged",
  ],
  "machinelearningservices/2025-09-01/examples/Workspace/EnvironmentContainer/list.json": [
    "200[0] not judged",
  ],
  "machinelearningservices/2025-09-01/examples/Workspace/ModelContainer/list.json": ["200[0] not judged"],
  "machinelearningservices/2025-09-01/examples/Workspace/OnlineEndpoint/list.json": ["200[0] not judged"],
  "machinelearningservices/2025-09-01/examples/Workspace/create.json": [
    "200 compliant | key=testkey@aabbccddee112233445566778899aabb identity=UserAssigned",
  ],
  "machinelearningservices/2025-09-01/examples/Workspace/get.json": [
    "200 compliant | key=testkey@aabbccddee112233445566778899aabb identity=UserAssigned",
  ],
  "machinelearningservices/2025-09-01/examples/Workspace/listBySubscription.json": [
    "200[0] finding:MlWorkspaceWithoutCmk | key=none identity=none",
    "200[1] finding:MlWorkspaceWithoutCmk | key=none identity=none",
  ],
  "machinelearningservices/2025-09-01/examples/Workspace/update.json": [
    "200 finding:MlWorkspaceWithoutCmk | key=none identity=SystemAssigned",
  ],
  "machinelearningservices/2025-09-01/examples/WorkspaceConnection/list.json": [
    "200[0] not judged",
    "200[1] not judged",
  ],
  "resourcegraph/2024-04-01/examples/ResourcesBasicQuery.json": [
    "200[0] not judged",
    "200[1] not judged",
    "200[2] not judged",
  ],
  "resourcegraph/2024-04-01/examples/ResourcesFirstPageQuery.json": [
    "200[0] finding:DiskPlatformKey; enforce: finding:DiskAttachedCannotEnforce",
    "200[1] not judged",
    "200[2] not judged",
  ],
  "resourcegraph/2024-04-01/examples/ResourcesNextPageQuery.json": [
    "200[0] finding:DiskPlatformKey; enforce: finding:DiskAttachedCannotEnforce",
    "200[1] not judged",
    "200[2] not judged",
  ],
};

const examples = entriesOfKind("example").filter((e) => !e.file.endsWith(".txt"));

describe("Azure's example response bodies through the service's readers", () => {
  it.each(examples.map((e) => [shortName(e.file), e] as const))("%s", async (name, entry) => {
    expect(await outcomes(entry)).toEqual(expected[name]);
  });

  it("the table has a line for every example and nothing else", () => {
    expect(Object.keys(expected).sort()).toEqual(examples.map((e) => shortName(e.file)).sort());
  });

  it("the one example that is not JSON is the one the manifest says", () => {
    expect(
      entriesOfKind("example")
        .filter((e) => e.file.endsWith(".txt"))
        .map((e) => e.operation),
    ).toEqual(["Vaults_ListBySubscription"]);
  });
});
