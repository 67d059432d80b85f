import type { ArmResource } from "../../tenantFile.js";
import type { TenantState } from "../../tenantState.js";
import { field, sameText, stringField } from "./bodyFields.js";
import type { WriteContext, WriteRefusal } from "./writeValidation.js";

/*
 * Sources (docs/restrictions.md §3): "Managed disks currently or previously encrypted using Azure
 * Disk Encryption can't be encrypted using customer-managed keys" and "Most resources related to
 * your customer-managed keys (disk encryption sets, VMs, disks, and snapshots) must be in the same
 * subscription and region" (learn.microsoft.com/azure/virtual-machines/disk-encryption, restrictions
 * include); DiskRP `EncryptionType`: the platform-key type "is not a valid encryption type for disk
 * encryption sets"; `DiskEncryptionSetType` `ConfidentialVmEncryptedWithCustomerKey` is for
 * confidential VM disks (`securityProfile.secureVMDiskEncryptionSetId`). Codes: DiskRP answers a
 * platform-key disk given a set with `InvalidParameter` ("Resource ... encrypted with platform key
 * has disk encryption set id specified", quoted in Azure/azure-cli#22484); the running-VM code is
 * the emulator's choice (docs/emulator.md, deliberate differences). Incremental snapshots (S7 in
 * docs/restrictions.md, MicrosoftDocs/azure-compute-docs includes/virtual-machines-managed-disks-
 * customer-managed-keys-restrictions.md): "A disk and all of its associated incremental snapshots
 * must have the same disk encryption set." and "If this feature is enabled for a disk with
 * incremental snapshots, it can't be disabled on that disk or its snapshots."; a snapshot belongs to
 * the disk by `creationData.sourceResourceId` or `sourceUniqueId` (S12, S14). Its code
 * (`InvalidParameter`) is the emulator's choice too.
 */

const customerKeyTypes = ["encryptionatrestwithcustomerkey", "encryptionatrestwithplatformandcustomerkeys"];
const stoppedPowerStates = ["powerstate/deallocated", "powerstate/stopped"];

/**
 * Whether the VM counts as running. The rule: a VM absent from the tenant is not running; a VM is
 * stopped when `properties.instanceView.statuses` holds `PowerState/deallocated` or
 * `PowerState/stopped`; any other VM (including one without an instance view) is running.
 */
export function isVmRunning(state: TenantState, vmId: string): boolean {
  const vm = state.getResource(vmId);
  if (vm === undefined) return false;
  const statuses = field(vm.body, "properties", "instanceView", "statuses");
  if (!Array.isArray(statuses)) return true;
  return !statuses.some((s) => stoppedPowerStates.includes((stringField(s, "code") ?? "").toLowerCase()));
}

function invalid(message: string, target: string): WriteRefusal {
  return { status: 400, code: "InvalidParameter", message, target };
}

function subscriptionOf(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)\//i.exec(id)?.[1]?.toLowerCase();
}

function region(location: string | null | undefined): string {
  return (location ?? "").replace(/\s+/g, "").toLowerCase();
}

/** The set named by the write must be one a disk of this subscription and region can use, of a matching type. */
function setProblem(
  disk: ArmResource,
  type: string | undefined,
  setId: string,
  set: ArmResource | undefined,
): WriteRefusal | undefined {
  const target = "disk.properties.encryption.diskEncryptionSetId";
  if (set?.type.toLowerCase() !== "microsoft.compute/diskencryptionsets") {
    return invalid(
      `The disk encryption set '${setId}' named by 'encryption.diskEncryptionSetId' was not found.`,
      target,
    );
  }
  if (subscriptionOf(set.id) !== subscriptionOf(disk.id)) {
    return invalid(
      `The disk encryption set '${setId}' is in another subscription than disk '${disk.name}'; a disk can only use a disk encryption set of its own subscription.`,
      target,
    );
  }
  if (region(set.location) !== region(disk.location)) {
    return invalid(
      `The disk encryption set '${setId}' is in region '${set.location ?? ""}', disk '${disk.name}' in '${disk.location ?? ""}'; they must be in the same region.`,
      target,
    );
  }
  const setType = stringField(set, "properties", "encryptionType") ?? "EncryptionAtRestWithCustomerKey";
  if (sameText(setType, "ConfidentialVmEncryptedWithCustomerKey")) {
    return invalid(
      `The disk encryption set '${setId}' has encryption type '${setType}', which is for confidential VM disks (securityProfile.secureVMDiskEncryptionSetId), not for 'encryption.diskEncryptionSetId'.`,
      target,
    );
  }
  if (type !== undefined && sameText(type, "EncryptionAtRestWithPlatformKey")) {
    return invalid(
      `Resource '${disk.name}' encrypted with platform key has disk encryption set id specified.`,
      "disk.properties.encryption.type",
    );
  }
  if (type !== undefined && !sameText(type, setType)) {
    return invalid(
      `Encryption type '${type}' of disk '${disk.name}' does not match the encryption type '${setType}' of disk encryption set '${setId}'.`,
      "disk.properties.encryption.type",
    );
  }
  return undefined;
}

/**
 * The disk's incremental snapshots (by source id, or by the disk's unique id) not encrypted with
 * the set the write names: names of those that would part from their disk.
 */
function snapshotsOnAnotherSet(state: TenantState, disk: ArmResource, setId: string | undefined): string[] {
  const uniqueId = stringField(disk, "properties", "uniqueId");
  const out: string[] = [];
  for (const r of state.scanResources()) {
    if (r.type.toLowerCase() !== "microsoft.compute/snapshots") continue;
    if (field(r, "properties", "incremental") !== true) continue;
    const source = stringField(r, "properties", "creationData", "sourceResourceId");
    const sourceUniqueId = stringField(r, "properties", "creationData", "sourceUniqueId");
    const ofDisk =
      sameText(source?.replace(/\/+$/, ""), disk.id.replace(/\/+$/, "")) ||
      (uniqueId !== undefined && sameText(sourceUniqueId, uniqueId));
    if (!ofDisk) continue;
    const snapshotSet = stringField(r, "properties", "encryption", "diskEncryptionSetId") ?? "";
    if (!sameText(snapshotSet.replace(/\/+$/, ""), (setId ?? "").replace(/\/+$/, ""))) out.push(r.name);
  }
  return out;
}

/**
 * Microsoft.Compute/disks, when a write changes the encryption (type or set): a customer-key type
 * needs a set; the set must exist in the disk's subscription and region, with an encryption type
 * that matches the disk's (not a confidential-VM set); a disk that uses or used Azure Disk
 * Encryption (`encryptionSettingsCollection`) cannot take a customer-managed key; a disk with
 * incremental snapshots cannot take a set they do not use; and the encryption cannot change while
 * the disk is attached to a running VM (409).
 */
export function validateManagedDisk(context: WriteContext): WriteRefusal | undefined {
  const { stored, next, state } = context;
  const type = stringField(next, "properties", "encryption", "type");
  const setId = stringField(next, "properties", "encryption", "diskEncryptionSetId");
  const changed =
    stored === undefined ||
    !sameText(stringField(stored, "properties", "encryption", "type"), type) ||
    !sameText(stringField(stored, "properties", "encryption", "diskEncryptionSetId"), setId);
  if (!changed) return undefined;
  // A running VM's disk is refused first, whatever the new encryption: nothing about it may change.
  const vmId = stored?.managedBy ?? undefined;
  if (
    stored !== undefined &&
    sameText(stringField(stored, "properties", "diskState"), "Attached") &&
    vmId !== undefined &&
    isVmRunning(state, vmId)
  ) {
    return {
      status: 409,
      code: "OperationNotAllowed",
      message: `Changing property 'encryption' is not allowed while disk '${stored.name}' is attached to running VM '${vmId}'. Stop (deallocate) the VM first.`,
      target: "disk.properties.encryption",
    };
  }
  const hasSet = setId !== undefined && setId !== "";
  const customerKey = hasSet || (type !== undefined && customerKeyTypes.includes(type.toLowerCase()));
  if (customerKey && !hasSet) {
    return invalid(
      `Encryption type '${type ?? ""}' requires 'encryption.diskEncryptionSetId'.`,
      "disk.properties.encryption.diskEncryptionSetId",
    );
  }
  const ade = [stored, next].some((body) => {
    const collection = field(body, "properties", "encryptionSettingsCollection");
    return collection !== undefined && collection !== null;
  });
  if (customerKey && ade) {
    return invalid(
      `Disk '${next.name}' is or was encrypted with Azure Disk Encryption (encryptionSettingsCollection) and cannot be encrypted with a customer-managed key.`,
      "disk.properties.encryption",
    );
  }
  if (hasSet) {
    // The type the caller sent: a set given without one brings its own (Azure reads the type
    // from the set), whatever type the disk had before.
    const requested = stringField(context.request, "properties", "encryption", "type");
    const problem = setProblem(next, requested, setId, state.getResource(setId)?.body);
    if (problem !== undefined) return problem;
  }
  // Either way: onto a set its snapshots do not use, or off customer-managed keys they keep.
  if (stored !== undefined) {
    const parted = snapshotsOnAnotherSet(state, stored, hasSet ? setId : undefined);
    if (parted.length > 0) {
      return invalid(
        `Disk '${stored.name}' has incremental snapshots (${parted.join(", ")}) that are not encrypted with ${hasSet ? `disk encryption set '${setId}'` : "the platform key"}; a disk and all of its incremental snapshots must have the same disk encryption set.`,
        "disk.properties.encryption.diskEncryptionSetId",
      );
    }
  }
  return undefined;
}
