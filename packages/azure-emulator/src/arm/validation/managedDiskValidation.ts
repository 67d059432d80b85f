import type { TenantState } from "../../tenantState.js";
import { field, sameText, stringField } from "./bodyFields.js";
import type { WriteContext, WriteRefusal } from "./writeValidation.js";

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

/**
 * Microsoft.Compute/disks: a customer-key encryption type needs a disk encryption set that exists;
 * the encryption (type or set) cannot change while the disk is attached to a running VM (409).
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
  if (
    type !== undefined &&
    customerKeyTypes.includes(type.toLowerCase()) &&
    (setId === undefined || setId === "")
  ) {
    return {
      status: 400,
      code: "InvalidParameter",
      message: `Encryption type '${type}' requires 'encryption.diskEncryptionSetId'.`,
      target: "disk.properties.encryption.diskEncryptionSetId",
    };
  }
  if (
    setId !== undefined &&
    setId !== "" &&
    state.getResource(setId)?.body.type.toLowerCase() !== "microsoft.compute/diskencryptionsets"
  ) {
    return {
      status: 400,
      code: "InvalidParameter",
      message: `The disk encryption set '${setId}' named by 'encryption.diskEncryptionSetId' was not found.`,
      target: "disk.properties.encryption.diskEncryptionSetId",
    };
  }
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
  return undefined;
}
