import { field, stringField, type ArmResourceJson } from "../../arm/armResource.js";
import { tryParseResourceId } from "../../ids/resourceId.js";
import { provisioningStateProof } from "../../writes/provisioningStateProof.js";
import type { WriteRestriction } from "../../writes/writeRestriction.js";
import { autoRotationErrorText, isConfidentialSet } from "../diskEncryptionSet/desKeyChangeProof.js";

/*
 * Sources (docs/restrictions.md §3): MicrosoftDocs/azure-compute-docs
 * includes/virtual-machines-managed-disks-customer-managed-keys-restrictions.md (S7): "Managed disks
 * currently or previously encrypted using Azure Disk Encryption can't be encrypted using
 * customer-managed keys."; "Most resources related to your customer-managed keys (disk encryption
 * sets, VMs, disks, and snapshots) must be in the same subscription and region."; "If this feature is
 * enabled for a disk with incremental snapshots, it can't be disabled on that disk or its snapshots."
 * and "A disk and all of its associated incremental snapshots must have the same disk encryption
 * set."; includes/virtual-machines-disks-incremental-snapshots-restrictions.md (S9): "Encryption
 * settings can't be updated for Premium SSD v2 and Ultra Disk snapshot where background data copy is
 * in progress."; azure-docs linux/disks-enable-customer-managed-keys-cli.md (S10): "Your existing
 * disks must not be attached to a running VM in order for you to encrypt them"; DiskRP diskRPCommon.json
 * (S12): `DiskState` "Attached: The disk is currently attached to a running VM", "Reserved: ... attached
 * to a stopped-deallocated VM"; `DiskSecurityTypes` ConfidentialVM_*: confidential VM disks, whose key
 * is given through `securityProfile.secureVMDiskEncryptionSetId` when the VM is created (S2).
 */

/** Disk states in which encryption may change: not attached, or attached to a deallocated VM. */
const WRITABLE_STATES = ["unattached", "reserved"];

/** Encryption types a disk takes from a set of that `encryptionType` (DiskRP `EncryptionType`). */
const DISK_TYPE_FOR_SET: Readonly<Record<string, string>> = {
  encryptionatrestwithcustomerkey: "EncryptionAtRestWithCustomerKey",
  encryptionatrestwithplatformandcustomerkeys: "EncryptionAtRestWithPlatformAndCustomerKeys",
};

/** What proving "encrypt this disk with that set" looks at, all read just before the write. */
export interface AttachDesInput {
  readonly disk: ArmResourceJson;
  /** Undefined when the configured set does not exist. */
  readonly set: ArmResourceJson | undefined;
  /** The configured scope holds the set's subscription. */
  readonly setInScope: boolean;
  /**
   * The preflight's errors for the set's active key version as the set uses it (empty when usable),
   * or why they could not be read.
   */
  readonly setKey: { readonly problems: readonly string[] } | { readonly unreadable: string };
  /** Every snapshot of the disk's subscription, as ARM lists them. */
  readonly snapshots: readonly ArmResourceJson[];
}

/** The proof, and the patch to write when it holds. */
export interface AttachDesProof {
  readonly restrictions: readonly WriteRestriction[];
  /** Only the disk's encryption: its type (matching the set's) and the set. */
  readonly patch?: Record<string, unknown>;
}

function sameId(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();
}

/** Regions compare as ARM writes them either way: "West Europe" and "westeurope". */
function sameRegion(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return false;
  return a.replace(/\s+/g, "").toLowerCase() === b.replace(/\s+/g, "").toLowerCase();
}

/** The incremental snapshots taken of this disk (by source id, or by its unique id when the id was reused). */
function incrementalSnapshotsOf(
  disk: ArmResourceJson,
  snapshots: readonly ArmResourceJson[],
): ArmResourceJson[] {
  const uniqueId = stringField(disk, "properties", "uniqueId");
  return snapshots.filter(
    (s) =>
      field(s, "properties", "incremental") === true &&
      (sameId(stringField(s, "properties", "creationData", "sourceResourceId"), disk.id) ||
        sameId(stringField(s, "properties", "creationData", "sourceUniqueId"), uniqueId)),
  );
}

function diskProof(
  disk: ArmResourceJson,
  snapshots: readonly ArmResourceJson[],
  setId: string | undefined,
): WriteRestriction[] {
  const out = provisioningStateProof(disk, "disk");
  if (field(disk, "properties", "encryptionSettingsCollection") !== undefined) {
    out.push({
      code: "DiskUsedAzureDiskEncryption",
      message:
        "the disk is or was encrypted with Azure Disk Encryption (encryptionSettingsCollection), and such disks cannot use customer-managed keys; its data must be copied to a new disk created with the disk encryption set",
    });
  }
  const securityType = stringField(disk, "properties", "securityProfile", "securityType");
  if (securityType?.toLowerCase().startsWith("confidentialvm") === true) {
    out.push({
      code: "DiskConfidentialVm",
      message: `the disk belongs to a confidential VM (${securityType}); its customer-managed key is given through the VM's disk security profile when the VM is created, never by attaching a set`,
    });
  }
  const state = stringField(disk, "properties", "diskState") ?? "unknown";
  if (!WRITABLE_STATES.includes(state.toLowerCase())) {
    out.push({
      code: "DiskAttachedToRunningVm",
      message: `the disk is ${state}; its encryption can only change while it is unattached or its VM is deallocated`,
    });
  }
  const family = incrementalSnapshotsOf(disk, snapshots);
  const other = family.filter(
    (s) => !sameId(stringField(s, "properties", "encryption", "diskEncryptionSetId"), setId),
  );
  if (other.length > 0) {
    out.push({
      code: "DiskHasIncrementalSnapshots",
      message: `the disk has incremental snapshots not encrypted with this set (${other.map((s) => s.id).join(", ")}); a disk and all its incremental snapshots must use the same set, and customer-managed keys cannot be turned off again once on, so a person decides what happens to them`,
    });
  }
  const copying = family.filter((s) => {
    const percent = field(s, "properties", "completionPercent");
    return typeof percent === "number" && percent < 100;
  });
  if (copying.length > 0) {
    out.push({
      code: "SnapshotBackgroundCopyInProgress",
      message: `incremental snapshots of the disk are still copying (${copying.map((s) => s.id).join(", ")}); their encryption cannot change until the copy ends`,
      transient: true,
    });
  }
  return out;
}

function setProof(input: AttachDesInput, set: ArmResourceJson): WriteRestriction[] {
  const { disk } = input;
  const out = provisioningStateProof(set, "disk encryption set");
  if (!sameRegion(set.location, disk.location)) {
    out.push({
      code: "DesRegionMismatch",
      message: `the set is in ${set.location ?? "no region"} and the disk in ${disk.location ?? "no region"}; they must be in the same region`,
    });
  }
  const setSub = tryParseResourceId(set.id)?.subscriptionId;
  const diskSub = tryParseResourceId(disk.id)?.subscriptionId;
  if (setSub?.toLowerCase() !== diskSub?.toLowerCase()) {
    out.push({
      code: "DesSubscriptionMismatch",
      message: `the set is in subscription ${setSub ?? "?"} and the disk in ${diskSub ?? "?"}; they must be in the same subscription`,
    });
  }
  if (!input.setInScope) {
    out.push({
      code: "DesOutOfScope",
      message: `the set ${set.id} is outside the service's configured scope`,
    });
  }
  const setType = stringField(set, "properties", "encryptionType") ?? "EncryptionAtRestWithCustomerKey";
  if (isConfidentialSet(set) || DISK_TYPE_FOR_SET[setType.toLowerCase()] === undefined) {
    out.push({
      code: "DiskEncryptionTypeMismatch",
      message: `the set's encryption type ${setType} is not one an ordinary disk can be given`,
    });
  }
  const error = autoRotationErrorText(set);
  if (error !== undefined) {
    out.push({
      code: "DesKeyNotUsable",
      message: `the set reports an automatic key rotation error (${error}); fix it before more disks depend on the set`,
    });
  }
  if ("unreadable" in input.setKey) {
    out.push({
      code: "DesKeyNotUsable",
      message: `the set's key or vault could not be read (${input.setKey.unreadable}), so the set cannot be proven usable`,
    });
  } else if (input.setKey.problems.length > 0) {
    out.push({
      code: "DesKeyNotUsable",
      message: `the set's active key is not usable by it: ${input.setKey.problems.join("; ")}`,
    });
  }
  return out;
}

/**
 * Proves "encrypt this disk with that disk encryption set" safe to write now, every documented
 * restriction of the disk, its snapshots and the set (sources above). Pure. The patch names only the
 * disk's encryption, with the type the set's `encryptionType` calls for.
 */
export function attachDesProof(input: AttachDesInput): AttachDesProof {
  const { set } = input;
  if (set === undefined) {
    return {
      restrictions: [
        ...diskProof(input.disk, input.snapshots, undefined),
        {
          code: "DesNotFound",
          message: "the disk encryption set configured for the disk's region does not exist",
        },
      ],
    };
  }
  const restrictions = [...diskProof(input.disk, input.snapshots, set.id), ...setProof(input, set)];
  if (restrictions.length > 0) return { restrictions };
  const setType = stringField(set, "properties", "encryptionType") ?? "EncryptionAtRestWithCustomerKey";
  return {
    restrictions,
    patch: {
      properties: {
        encryption: { type: DISK_TYPE_FOR_SET[setType.toLowerCase()], diskEncryptionSetId: set.id },
      },
    },
  };
}
