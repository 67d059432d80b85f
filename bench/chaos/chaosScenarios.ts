import type { TenantKeyVersion } from "@cmkr/azure-emulator";
import {
  CVM_RELEASE_POLICY,
  type DeterministicIds,
  type ResourceRef,
  type TenantBuilder,
  type VaultRef,
} from "@cmkr/azure-emulator/tenant-builder";
// Types only: chaosTenant.ts calls this module.
import type { ChaosConsumer, ChaosKey, ChaosSize, Random } from "./chaosTenant.js";

function pick<T>(random: Random, list: readonly T[]): T {
  const item = list[Math.floor(random() * list.length)];
  if (item === undefined) throw new RangeError("pick from an empty list");
  return item;
}

/*
 * The chaos tenant's write-path scenarios beyond key rotation (issue 13 item 15): platform-key disks
 * that enforce mode may or may not attach a set to, confidential VM disk encryption sets with running
 * and deallocated VMs, and keys in a Managed HSM.
 */

/** Shapes of platform-key disks; only `plain` and `reserved` may be given the enforce set. */
export type DiskShape =
  | "plain"
  | "reserved"
  | "running"
  | "azureDiskEncryption"
  | "otherRegion"
  | "otherSubscription"
  | "incrementalSnapshots"
  | "confidential";

const diskShapes: readonly DiskShape[] = [
  "plain",
  "plain",
  "reserved",
  "running",
  "azureDiskEncryption",
  "otherRegion",
  "otherSubscription",
  "incrementalSnapshots",
  "confidential",
];

/** A platform-key disk of the chaos tenant, and what it is. */
export interface ChaosDisk {
  id: string;
  name: string;
  type: string;
  subscriptionId: string;
  shape: DiskShape;
}

/** A VM of the chaos tenant whose power state people change during a run. */
export interface ChaosVm {
  id: string;
  name: string;
}

/** The main region of the chaos tenant and the region whose configured set lives elsewhere. */
export const chaosRegion = "westeurope";
export const chaosOtherRegion = "northeurope";

/** What the scenarios add to the tenant. */
export interface ChaosScenarios {
  keys: ChaosKey[];
  consumers: ChaosConsumer[];
  disks: ChaosDisk[];
  vms: ChaosVm[];
  /** CMKR_ENFORCE_DISK_ENCRYPTION_SETS: region -> set id. */
  enforceSets: Record<string, string>;
  /** The subscription that holds only disks (the configured set is not in it). */
  otherSubscriptionId: string;
}

/** The base64url form the data plane returns a release policy in. */
function encodedPolicy(policy: Record<string, unknown>): NonNullable<TenantKeyVersion["releasePolicy"]> {
  return {
    contentType: "application/json; charset=utf-8",
    data: Buffer.from(JSON.stringify(policy)).toString("base64url"),
    immutable: false,
  };
}

/**
 * A key version for a key of this profile: confidential VM keys are RSA-HSM, exportable, with the
 * confidential VM release policy (`withoutReleasePolicy`: a version someone created without one);
 * Managed HSM keys are RSA-HSM.
 */
export function profiled(
  version: TenantKeyVersion,
  profile: ChaosKey["profile"],
  withoutReleasePolicy = false,
): TenantKeyVersion {
  if (profile === "software") return version;
  if (profile === "hsm") return { ...version, kty: "RSA-HSM" };
  return {
    ...version,
    kty: "RSA-HSM",
    exportable: !withoutReleasePolicy,
    ...(withoutReleasePolicy ? {} : { releasePolicy: encodedPolicy(CVM_RELEASE_POLICY) }),
  };
}

const sizes: Record<ChaosSize, { disks: number; cvmSets: number; hsmConsumers: number }> = {
  small: { disks: 8, cvmSets: 2, hsmConsumers: 2 },
  large: { disks: 30, cvmSets: 5, hsmConsumers: 4 },
};

/**
 * Adds the scenarios to a chaos tenant under construction: the enforce set (a consumer of the
 * access-policy key) and the sets configured for the other region; a Premium vault with a
 * confidential VM key and confidential sets whose VMs run or are deallocated; a Managed HSM with a key
 * used by an AI services account and a disk encryption set; platform-key disks of every shape.
 */
export function addChaosScenarios(
  b: TenantBuilder,
  ids: DeterministicIds,
  random: Random,
  size: ChaosSize,
  base: { subscriptionId: string; apVault: VaultRef; apKey: ChaosKey; apVersion: string; firstIndex: number },
): ChaosScenarios {
  const sub = base.subscriptionId;
  const otherSubscriptionId = b.subscription("5e3c6f0a-0000-4000-8000-0000000000ff", "chaos-disks-only");
  const consumers: ChaosConsumer[] = [];
  const keys: ChaosKey[] = [];
  const consumer = (ref: ResourceRef, key: number, extra: Partial<ChaosConsumer>): ChaosConsumer => {
    const c: ChaosConsumer = {
      id: ref.id,
      name: ref.name,
      type: ref.type,
      subscriptionId: ref.subscriptionId,
      key,
      hasAccess: true,
      autoRotation: false,
      ...extra,
    };
    consumers.push(c);
    return c;
  };

  // The set enforce mode attaches in the main region: an ordinary consumer of the access-policy key.
  const enforceSet = b.cmkConsumer({
    kind: "diskEncryptionSet",
    subscriptionId: sub,
    resourceGroup: "rg-chaos-compute",
    name: "des-enforce",
    location: chaosRegion,
    key: { vault: base.apVault, keyName: base.apKey.keyName, version: base.apVersion },
    autoRotation: false,
  });
  consumer(enforceSet, 0, { scenario: "enforce-set" });

  // Confidential VM key: RSA-HSM, exportable, with the release policy, in a Premium vault.
  const premium = b.vault({
    subscriptionId: sub,
    resourceGroup: "rg-chaos-keys",
    name: "kv-chaos-cvm",
    sku: "premium",
  });
  const cvmKeyIndex = base.firstIndex;
  const cvmFirst = profiled(
    {
      version: ids.hex32("cvm"),
      kty: "RSA",
      keySize: 3072,
      enabled: true,
      createdOn: "2026-01-01T00:00:00Z",
      notBefore: null,
      expiresOn: "2028-06-01T00:00:00Z",
      keyOps: ["wrapKey", "unwrapKey"],
    },
    "cvm",
  );
  b.key(premium, "cmk-cvm", [{ ...cvmFirst, releasePolicy: CVM_RELEASE_POLICY }]);
  keys.push({
    vaultUrl: premium.url,
    vaultId: premium.id,
    vaultName: premium.name,
    keyName: "cmk-cvm",
    rbac: false,
    profile: "cvm",
  });
  const vms: ChaosVm[] = [];
  for (let i = 0; i < sizes[size].cvmSets; i++) {
    const set = b.diskEncryptionSet({
      subscriptionId: sub,
      resourceGroup: "rg-chaos-cvm",
      name: `des-cvm-${i}`,
      location: chaosRegion,
      keyUrl: `${premium.url}/keys/cmk-cvm/${cvmFirst.version}`,
      sourceVaultId: premium.id,
      encryptionType: "ConfidentialVmEncryptedWithCustomerKey",
    });
    if (set.principalId !== undefined) b.grantKeyAccess(premium, set.principalId);
    consumer(set, cvmKeyIndex, { scenario: "cvm" });
    const vmCount = 1 + Math.floor(random() * 2);
    for (let v = 0; v < vmCount; v++) {
      const vm = b.virtualMachine({
        subscriptionId: sub,
        resourceGroup: "rg-chaos-cvm",
        name: `cvm-${i}-${v}`,
        location: chaosRegion,
        powerState: random() < 0.5 ? "running" : "deallocated",
      });
      vms.push({ id: vm.id, name: vm.name });
      b.disk({
        subscriptionId: sub,
        resourceGroup: "rg-chaos-cvm",
        name: `cvm-${i}-${v}-os`,
        location: chaosRegion,
        osType: "Linux",
        managedBy: vm.id,
        encryption: "platform",
        securityProfile: {
          securityType: "ConfidentialVM_DiskEncryptedWithCustomerKey",
          secureVMDiskEncryptionSetId: set.id,
        },
      });
    }
  }

  // A Managed HSM pool and a key in it; AI services and disk encryption sets that name it.
  const hsmName = "hsm-chaos";
  const hsmUrl = `https://${hsmName}.managedhsm.azure.net`;
  const hsm = b.resource({
    id: `/subscriptions/${sub}/resourceGroups/rg-chaos-keys/providers/Microsoft.KeyVault/managedHSMs/${hsmName}`,
    name: hsmName,
    type: "Microsoft.KeyVault/managedHSMs",
    location: chaosRegion,
    tags: {},
    sku: { family: "B", name: "Standard_B1" },
    properties: {
      tenantId: b.tenantId,
      hsmUri: `${hsmUrl}/`,
      initialAdminObjectIds: [],
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      publicNetworkAccess: "Enabled",
      provisioningState: "Succeeded",
    },
  });
  const hsmKeyIndex = base.firstIndex + 1;
  const hsmFirst = profiled(
    {
      version: ids.hex32("hsm"),
      kty: "RSA",
      keySize: 2048,
      enabled: true,
      createdOn: "2026-01-01T00:00:00Z",
      notBefore: null,
      expiresOn: "2028-06-01T00:00:00Z",
      keyOps: ["wrapKey", "unwrapKey"],
    },
    "hsm",
  );
  b.key(hsmUrl, "cmk-hsm", [hsmFirst]);
  keys.push({
    vaultUrl: hsmUrl,
    vaultId: hsm.id,
    vaultName: hsmName,
    keyName: "cmk-hsm",
    rbac: true,
    profile: "hsm",
  });
  for (let i = 0; i < sizes[size].hsmConsumers; i++) {
    const ref =
      i % 2 === 0
        ? b.aiServicesAccount({
            subscriptionId: sub,
            resourceGroup: "rg-chaos-ai",
            name: `ai-hsm-${i}`,
            location: chaosRegion,
            kind: "OpenAI",
            cmk: { vaultUrl: hsmUrl, keyName: "cmk-hsm", keyVersion: hsmFirst.version },
          })
        : b.diskEncryptionSet({
            subscriptionId: sub,
            resourceGroup: "rg-chaos-compute",
            name: `des-hsm-${i}`,
            location: chaosRegion,
            keyUrl: `${hsmUrl}/keys/cmk-hsm/${hsmFirst.version}`,
            sourceVaultId: hsm.id,
          });
    // Local RBAC of the HSM is not modelled: the identity's access cannot be shown.
    consumer(ref, hsmKeyIndex, { scenario: "hsm", hasAccess: false });
  }

  // The set configured for the other region lives in the main region: a region mismatch.
  const enforceSets: Record<string, string> = {
    [chaosRegion]: enforceSet.id,
    [chaosOtherRegion]: enforceSet.id,
  };

  const disks: ChaosDisk[] = [];
  for (let i = 0; i < sizes[size].disks; i++) {
    // Every shape once in the first disks, then drawn.
    const shape = i < diskShapes.length - 1 ? (diskShapes[i + 1] ?? "plain") : pick(random, diskShapes);
    const subscriptionId = shape === "otherSubscription" ? otherSubscriptionId : sub;
    const location = shape === "otherRegion" ? chaosOtherRegion : chaosRegion;
    const placement = { subscriptionId, resourceGroup: "rg-chaos-disks", location };
    let managedBy: string | undefined;
    if (shape === "reserved" || shape === "running") {
      const vm = b.virtualMachine({
        ...placement,
        name: `vm-disk-${i}`,
        powerState: shape === "running" ? "running" : "deallocated",
      });
      vms.push({ id: vm.id, name: vm.name });
      managedBy = vm.id;
    }
    const disk = b.disk({
      ...placement,
      name: `disk-${i}-${shape}`,
      encryption: "platform",
      ...(managedBy === undefined ? {} : { managedBy }),
      ...(shape === "azureDiskEncryption" ? { azureDiskEncryption: { enabled: random() < 0.5 } } : {}),
      ...(shape === "confidential"
        ? {
            osType: "Linux" as const,
            securityProfile: { securityType: "ConfidentialVM_DiskEncryptedWithPlatformKey" as const },
          }
        : {}),
    });
    if (shape === "incrementalSnapshots")
      b.snapshot({ ...placement, name: `snap-${i}`, source: disk, encryption: "platform" });
    disks.push({ id: disk.id, name: disk.name, type: disk.type, subscriptionId, shape });
  }
  return { keys, consumers, disks, vms, enforceSets, otherSubscriptionId };
}
