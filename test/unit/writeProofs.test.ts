import { describe, expect, it } from "vitest";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { enableCmkProof } from "../../src/core/consumers/aiServicesAccount/enableCmkProof.js";
import {
  CONFIDENTIAL_DES_TYPE,
  desAutoRotationProof,
  desKeyChangeProof,
} from "../../src/core/consumers/diskEncryptionSet/desKeyChangeProof.js";
import { attachDesProof, type AttachDesInput } from "../../src/core/consumers/managedDisk/attachDesProof.js";
import type { KeyVersionFacts, VaultFacts } from "../../src/core/keyStores/keyFacts.js";
import type { VmStates } from "../../src/core/writes/keyChangeInput.js";
import { provisioningStateProof } from "../../src/core/writes/provisioningStateProof.js";
import { onlyTransient, type WriteRestriction } from "../../src/core/writes/writeRestriction.js";

/*
 * One test per documented restriction a write is proven against. Each names the source it follows
 * (the S-numbers of docs/restrictions.md, where the quotes are); the proofs cite the same beside the
 * rule. Every case starts from a write the proof allows and changes one fact, so a test fails if the
 * rule is dropped, and the first test of each group fails if the proof refuses too much.
 */

const SUB = "0b1f6471-1bf0-4dda-aec3-111111111111";
const OTHER_SUB = "0b1f6471-1bf0-4dda-aec3-222222222222";
const RG = `/subscriptions/${SUB}/resourceGroups/rg`;
const VAULT_URL = "https://kv-cvm.vault.azure.net";
const SET_ID = `${RG}/providers/Microsoft.Compute/diskEncryptionSets/des`;
const CVM_POLICY = JSON.stringify({
  version: "1.0.0",
  anyOf: [{ authority: "https://sharedeus.eus.attest.azure.net/", allOf: [] }],
});

const codes = (restrictions: readonly WriteRestriction[]) => restrictions.map((r) => r.code);

function keyVersion(over: Partial<KeyVersionFacts> = {}): KeyVersionFacts {
  return {
    keyId: `${VAULT_URL}/keys/cmk/v2`,
    vaultUrl: VAULT_URL,
    keyName: "cmk",
    version: "v2",
    kty: "RSA-HSM",
    keySize: 3072,
    enabled: true,
    createdOn: new Date("2026-11-01T00:00:00Z"),
    keyOps: ["wrapKey", "unwrapKey"],
    exportable: true,
    releasePolicy: CVM_POLICY,
    ...over,
  };
}

function vault(over: Partial<VaultFacts> = {}): VaultFacts {
  return {
    armId: `${RG}/providers/Microsoft.KeyVault/vaults/kv-cvm`,
    vaultUri: `${VAULT_URL}/`,
    location: "westeurope",
    tenantId: "00000000-0000-0000-0000-0000000000aa",
    enableSoftDelete: true,
    enablePurgeProtection: true,
    enableRbacAuthorization: false,
    accessPolicies: [],
    sku: "premium",
    ...over,
  };
}

function set(properties: Record<string, unknown> = {}, over: Partial<ArmResourceJson> = {}): ArmResourceJson {
  return {
    id: SET_ID,
    name: "des",
    type: "Microsoft.Compute/diskEncryptionSets",
    location: "westeurope",
    properties: {
      provisioningState: "Succeeded",
      encryptionType: "EncryptionAtRestWithCustomerKey",
      activeKey: { keyUrl: `${VAULT_URL}/keys/cmk/v1` },
      previousKeys: [],
      ...properties,
    },
    ...over,
  };
}

const cvmSet = (properties: Record<string, unknown> = {}) =>
  set({ encryptionType: CONFIDENTIAL_DES_TYPE, ...properties });
const stopped: VmStates = {
  vms: [{ id: `${RG}/providers/Microsoft.Compute/virtualMachines/cvm`, powerState: "deallocated" }],
};

describe("every write: the resource's last operation has ended well (S34, ARM RPC)", () => {
  it("Succeeded, or no state at all, lets the write through", () => {
    expect(provisioningStateProof(set(), "set")).toEqual([]);
    expect(provisioningStateProof(set({ provisioningState: undefined }), "set")).toEqual([]);
  });

  it.each(["Updating", "Creating", "Failed", "Canceled"])(
    "%s holds the write back (retried, then ticketed)",
    (state) => {
      const proof = provisioningStateProof(set({ provisioningState: state }), "disk encryption set");
      expect(codes(proof)).toEqual(["ResourceNotSucceeded"]);
      expect(onlyTransient(proof)).toBe(true);
      expect(proof[0]?.message).toContain(state);
    },
  );
});

describe("disk encryption set key change (S11 previousKeys and autoKeyRotationError)", () => {
  const input = (resource: ArmResourceJson) => ({
    resource,
    target: keyVersion({ kty: "RSA", exportable: false, releasePolicy: undefined }),
    vault: vault({ sku: "standard" }),
  });

  it("an ordinary settled set may change key: none of the confidential VM rules apply to it", () => {
    expect(desKeyChangeProof(input(set()))).toEqual([]);
  });

  it("a set still re-wrapping from an earlier rotation waits (previousKeys not empty)", () => {
    const proof = desKeyChangeProof(input(set({ previousKeys: [{ keyUrl: `${VAULT_URL}/keys/cmk/v0` }] })));
    expect(codes(proof)).toEqual(["DesRotationInProgress"]);
    expect(onlyTransient(proof)).toBe(true);
  });

  it("the platform's automatic rotation error refuses at once, quoting it", () => {
    const proof = desKeyChangeProof(
      input(
        set({ autoKeyRotationError: { code: "KeyVaultAccessForbidden", message: "no access to the vault" } }),
      ),
    );
    expect(codes(proof)).toEqual(["DesAutoRotationError"]);
    expect(onlyTransient(proof)).toBe(false);
    expect(proof[0]?.message).toContain("KeyVaultAccessForbidden: no access to the vault");
  });

  it("an empty error object is no error", () => {
    expect(desKeyChangeProof(input(set({ autoKeyRotationError: {} })))).toEqual([]);
  });
});

describe("confidential VM disk encryption set key change (S1 offline rotation, S3/S4 key requirements)", () => {
  it("an RSA-HSM, exportable key with a release policy in a Premium vault, every VM deallocated: allowed", () => {
    expect(
      desKeyChangeProof({ resource: cvmSet(), target: keyVersion(), vault: vault(), vmStates: stopped }),
    ).toEqual([]);
  });

  it("a Managed HSM key needs no Premium vault", () => {
    const hsm = "https://hsm-cvm.managedhsm.azure.net";
    expect(
      desKeyChangeProof({
        resource: cvmSet(),
        target: keyVersion({ vaultUrl: hsm, keyId: `${hsm}/keys/cmk/v2` }),
        vault: vault({ sku: undefined, vaultUri: `${hsm}/` }),
        vmStates: stopped,
      }),
    ).toEqual([]);
  });

  it.each<[string, Partial<KeyVersionFacts>, Partial<VaultFacts>, string]>([
    ["an RSA (software) key", { kty: "RSA" }, {}, "DesConfidentialKeyNotHsm"],
    ["a key that is not exportable", { exportable: false }, {}, "DesConfidentialKeyNotExportable"],
    ["a key without a release policy", { releasePolicy: undefined }, {}, "DesConfidentialKeyNoReleasePolicy"],
    [
      "a release policy naming no authority",
      { releasePolicy: '{"anyOf":[]}' },
      {},
      "DesConfidentialKeyNoReleasePolicy",
    ],
    [
      "a release policy that is not JSON",
      { releasePolicy: "not json" },
      {},
      "DesConfidentialKeyNoReleasePolicy",
    ],
    ["a Standard vault", {}, { sku: "standard" }, "DesConfidentialVaultNotPremium"],
  ])("refuses %s", (_name, key, store, code) => {
    const proof = desKeyChangeProof({
      resource: cvmSet(),
      target: keyVersion(key),
      vault: vault(store),
      vmStates: stopped,
    });
    expect(codes(proof)).toEqual([code]);
    expect(onlyTransient(proof)).toBe(false);
  });

  it.each(["running", "stopped", "starting", "unknown"])(
    "refuses while a VM using the set is %s",
    (powerState) => {
      const vmStates: VmStates = {
        vms: [...stopped.vms, { id: `${RG}/providers/Microsoft.Compute/virtualMachines/cvm-2`, powerState }],
      };
      const proof = desKeyChangeProof({ resource: cvmSet(), target: keyVersion(), vault: vault(), vmStates });
      expect(codes(proof)).toEqual(["DesConfidentialRotationOffline"]);
      expect(proof[0]?.message).toContain(`cvm-2 is ${powerState}`);
      expect(proof[0]?.message).not.toContain("/cvm is");
    },
  );

  it("refuses when the VMs were not read, or one could not be", () => {
    expect(codes(desKeyChangeProof({ resource: cvmSet(), target: keyVersion(), vault: vault() }))).toEqual([
      "DesConfidentialVmStateUnknown",
    ]);
    const proof = desKeyChangeProof({
      resource: cvmSet(),
      target: keyVersion(),
      vault: vault(),
      vmStates: { vms: [], unreadable: "virtual machine cvm could not be read" },
    });
    expect(codes(proof)).toEqual(["DesConfidentialVmStateUnknown"]);
    expect(proof[0]?.message).toContain("virtual machine cvm could not be read");
  });
});

describe("turning on a set's automatic key rotation (S1, S11)", () => {
  it("allowed when the newest version is usable by the set", () => {
    expect(desAutoRotationProof(set(), { keyId: `${VAULT_URL}/keys/cmk/v2`, problems: [] })).toEqual([]);
  });

  it("never on a confidential VM set", () => {
    expect(
      codes(desAutoRotationProof(cvmSet(), { keyId: `${VAULT_URL}/keys/cmk/v2`, problems: [] })),
    ).toEqual(["DesConfidentialNoAutoRotation"]);
  });

  it("not when the platform would move it to a version it cannot use", () => {
    const proof = desAutoRotationProof(set(), {
      keyId: `${VAULT_URL}/keys/cmk/v2`,
      problems: ["KeyDisabled: disabled"],
    });
    expect(codes(proof)).toEqual(["DesAutoRotationNewestUnusable"]);
    expect(proof[0]?.message).toContain("KeyDisabled: disabled");
  });

  it("not when the key store cannot be read", () => {
    expect(codes(desAutoRotationProof(set(), { unreadable: "403 from the vault" }))).toEqual([
      "DesKeyStoreUnreadable",
    ]);
  });
});

describe("attaching a disk encryption set to a disk (S7, S9, S10, S12, S2)", () => {
  const diskId = `${RG}/providers/Microsoft.Compute/disks/data-01`;
  function disk(
    properties: Record<string, unknown> = {},
    over: Partial<ArmResourceJson> = {},
  ): ArmResourceJson {
    return {
      id: diskId,
      name: "data-01",
      type: "Microsoft.Compute/disks",
      location: "westeurope",
      properties: {
        provisioningState: "Succeeded",
        diskState: "Unattached",
        uniqueId: "11111111-2222-3333-4444-555555555555",
        encryption: { type: "EncryptionAtRestWithPlatformKey" },
        ...properties,
      },
      ...over,
    };
  }
  function snapshot(properties: Record<string, unknown>): ArmResourceJson {
    return {
      id: `${RG}/providers/Microsoft.Compute/snapshots/snap-01`,
      name: "snap-01",
      type: "Microsoft.Compute/snapshots",
      location: "westeurope",
      properties: {
        incremental: true,
        creationData: { createOption: "Copy", sourceResourceId: diskId },
        ...properties,
      },
    };
  }
  const base = (over: Partial<AttachDesInput> = {}): AttachDesInput => ({
    disk: disk(),
    set: set(),
    setInScope: true,
    setKey: { problems: [] },
    snapshots: [],
    ...over,
  });

  it("an unattached platform-key disk and a settled, usable set of its region and subscription: the patch names only the encryption", () => {
    expect(attachDesProof(base())).toEqual({
      restrictions: [],
      patch: {
        properties: { encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: SET_ID } },
      },
    });
    // A disk of a deallocated VM (Reserved) may change too; a double-encryption set gives its type.
    const double = attachDesProof(
      base({
        disk: disk({ diskState: "Reserved" }),
        set: set({ encryptionType: "EncryptionAtRestWithPlatformAndCustomerKeys" }),
      }),
    );
    expect(double.patch).toEqual({
      properties: {
        encryption: { type: "EncryptionAtRestWithPlatformAndCustomerKeys", diskEncryptionSetId: SET_ID },
      },
    });
  });

  it.each<[string, Partial<AttachDesInput>, string]>([
    [
      "a disk that used Azure Disk Encryption",
      { disk: disk({ encryptionSettingsCollection: { enabled: false } }) },
      "DiskUsedAzureDiskEncryption",
    ],
    [
      "a confidential VM disk",
      { disk: disk({ securityProfile: { securityType: "ConfidentialVM_DiskEncryptedWithCustomerKey" } }) },
      "DiskConfidentialVm",
    ],
    ["a disk attached to a running VM", { disk: disk({ diskState: "Attached" }) }, "DiskAttachedToRunningVm"],
    [
      "a disk whose state is not reported",
      { disk: disk({ diskState: undefined }) },
      "DiskAttachedToRunningVm",
    ],
    ["a set that does not exist", { set: undefined }, "DesNotFound"],
    [
      "a set of another region (ARM spelling differences aside)",
      { set: set({}, { location: "northeurope" }) },
      "DesRegionMismatch",
    ],
    [
      "a set of another subscription",
      { set: set({}, { id: SET_ID.replace(SUB, OTHER_SUB) }) },
      "DesSubscriptionMismatch",
    ],
    ["a set outside the configured scope", { setInScope: false }, "DesOutOfScope"],
    ["a confidential VM set", { set: cvmSet() }, "DiskEncryptionTypeMismatch"],
    [
      "a set of an unknown encryption type",
      { set: set({ encryptionType: "SomethingNew" }) },
      "DiskEncryptionTypeMismatch",
    ],
    [
      "a set whose key its identity cannot use",
      { setKey: { problems: ["IdentityLacksKeyPermissions: unwrapKey"] } },
      "DesKeyNotUsable",
    ],
    ["a set whose key store cannot be read", { setKey: { unreadable: "403" } }, "DesKeyNotUsable"],
    [
      "a set with an automatic rotation error",
      { set: set({ autoKeyRotationError: { code: "E", message: "m" } }) },
      "DesKeyNotUsable",
    ],
    [
      "an incremental snapshot of the disk under another set",
      { snapshots: [snapshot({ encryption: { type: "EncryptionAtRestWithPlatformKey" } })] },
      "DiskHasIncrementalSnapshots",
    ],
  ])("refuses %s", (_name, over, code) => {
    const proof = attachDesProof(base(over));
    expect(codes(proof.restrictions)).toEqual([code]);
    expect(proof.patch).toBeUndefined();
  });

  it("accepts 'West Europe' for westeurope: ARM writes regions both ways", () => {
    expect(attachDesProof(base({ set: set({}, { location: "West Europe" }) })).restrictions).toEqual([]);
  });

  it("an incremental snapshot already under the set is no obstacle; one still copying waits", () => {
    const same = snapshot({
      encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: SET_ID },
    });
    expect(attachDesProof(base({ snapshots: [same] })).restrictions).toEqual([]);
    const copying = attachDesProof(
      base({ snapshots: [{ ...same, properties: { ...same.properties, completionPercent: 40 } }] }),
    );
    expect(codes(copying.restrictions)).toEqual(["SnapshotBackgroundCopyInProgress"]);
    expect(onlyTransient(copying.restrictions)).toBe(true);
  });

  it("finds a snapshot by the disk's unique id when its source id was reused, and ignores full snapshots", () => {
    const byUniqueId = snapshot({
      creationData: { createOption: "Copy", sourceUniqueId: "11111111-2222-3333-4444-555555555555" },
    });
    expect(codes(attachDesProof(base({ snapshots: [byUniqueId] })).restrictions)).toEqual([
      "DiskHasIncrementalSnapshots",
    ]);
    const full = snapshot({ incremental: false });
    expect(attachDesProof(base({ snapshots: [full] })).restrictions).toEqual([]);
  });
});

describe("switching an AI services account to a customer-managed key (S16, S18, S19)", () => {
  const account = (kind: string, properties: Record<string, unknown> = {}): ArmResourceJson => ({
    id: `${RG}/providers/Microsoft.CognitiveServices/accounts/acct`,
    name: "acct",
    type: "Microsoft.CognitiveServices/accounts",
    kind,
    location: "westeurope",
    properties: { provisioningState: "Succeeded", ...properties },
  });

  it("an Azure OpenAI account with a usable key: allowed (S16 documents the switch)", () => {
    expect(enableCmkProof(account("OpenAI"), [])).toEqual([]);
  });

  it("an AIServices account or Foundry resource: refused, the sources disagree (S18 vs S19)", () => {
    expect(codes(enableCmkProof(account("AIServices"), []))).toEqual(["AiServicesFoundryNoSwitch"]);
    const foundry = enableCmkProof(account("AIServices", { allowProjectManagement: true }), []);
    expect(foundry[0]?.message).toMatch(/^a Foundry resource/);
  });

  it("any other kind: refused, no source documents the switch", () => {
    expect(codes(enableCmkProof(account("TextAnalytics"), []))).toEqual(["AiServicesKindCannotSwitch"]);
  });

  it("a key the account cannot use, or cannot be shown to: refused", () => {
    expect(codes(enableCmkProof(account("OpenAI"), ["KeyExpired: expired"]))).toEqual([
      "AiServicesKeyNotUsable",
    ]);
    expect(codes(enableCmkProof(account("OpenAI"), { unreadable: "vault not found" }))).toEqual([
      "AiServicesKeyNotUsable",
    ]);
  });
});
