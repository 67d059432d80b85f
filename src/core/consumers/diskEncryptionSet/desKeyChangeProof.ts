import { field, stringField, type ArmResourceJson } from "../../arm/armResource.js";
import { keyVaultDomainOf } from "../../ids/keyId.js";
import type { KeyVersionFacts, VaultFacts } from "../../keyStores/keyFacts.js";
import type { KeyChangeInput, VmStates } from "../../writes/keyChangeInput.js";
import { provisioningStateProof } from "../../writes/provisioningStateProof.js";
import type { WriteRestriction } from "../../writes/writeRestriction.js";

/*
 * Sources (docs/restrictions.md §1-2; Azure/azure-rest-api-specs DiskRP diskEncryptionSet.json
 * 2024-03-02 = S11; MicrosoftDocs/azure-docs confidential-computing/key-rotation-offline.md = S1,
 * quick-create-confidential-vm-azure-cli.md = S3, quick-create-confidential-vm-arm.md = S4):
 * - previousKeys: "A readonly collection of key vault keys previously used by this disk encryption
 *   set while a key rotation is in progress. It will be empty if there is no ongoing key rotation." (S11)
 * - autoKeyRotationError: "If an error is present, then auto-key rotation will not be attempted until
 *   the error on this disk encryption set is fixed." (S11)
 * - Confidential VM sets: "Stop all confidential VMs with the same Disk Encryption Set. If one or more
 *   VMs isn't in the stopped state, then none of the VMs can receive the new key." (S1); the key is
 *   RSA-HSM (S3), exportable with a release policy (S4 `--exportable true --policy`, S3
 *   `--default-cvm-policy`), in a Premium vault or a Managed HSM ("The standard SKU is not
 *   supported", S4); "Automatic key rotation isn't currently supported for confidential VMs." (S1)
 */

/** `encryptionType` of a confidential VM disk encryption set (DiskRP `DiskEncryptionSetType`). */
export const CONFIDENTIAL_DES_TYPE = "ConfidentialVmEncryptedWithCustomerKey";

/** True for a set that encrypts confidential VM disks. */
export function isConfidentialSet(set: ArmResourceJson): boolean {
  return (
    stringField(set, "properties", "encryptionType")?.toLowerCase() === CONFIDENTIAL_DES_TYPE.toLowerCase()
  );
}

/** The platform's auto-rotation error on a set, as text, or undefined when it reports none. */
export function autoRotationErrorText(set: ArmResourceJson): string | undefined {
  const error = field(set, "properties", "autoKeyRotationError");
  if (error === null || error === undefined || typeof error !== "object") return undefined;
  const code = stringField(error, "code") ?? "";
  const message = stringField(error, "message") ?? "";
  return code === "" && message === "" ? undefined : [code, message].filter((s) => s !== "").join(": ");
}

function releasePolicyIsUsable(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    const policy = JSON.parse(text) as { anyOf?: unknown };
    // A policy names at least one attestation authority; the claims vary by CLI version and VM type
    // (docs/restrictions.md §9), so they are not prescribed here.
    return (
      Array.isArray(policy.anyOf) &&
      policy.anyOf.some((a) => typeof (a as { authority?: unknown }).authority === "string")
    );
  } catch {
    return false;
  }
}

/** The confidential VM key requirements on the target key version and its store. */
function confidentialKeyProof(target: KeyVersionFacts, vault: VaultFacts): WriteRestriction[] {
  const out: WriteRestriction[] = [];
  if (target.kty !== "RSA-HSM") {
    out.push({
      code: "DesConfidentialKeyNotHsm",
      message: `key ${target.keyId} is ${target.kty}; a confidential VM disk encryption set needs an RSA-HSM key`,
    });
  }
  if (target.exportable !== true) {
    out.push({
      code: "DesConfidentialKeyNotExportable",
      message: `key ${target.keyId} is not exportable; confidential VM keys are created exportable, with a release policy`,
    });
  }
  if (!releasePolicyIsUsable(target.releasePolicy)) {
    out.push({
      code: "DesConfidentialKeyNoReleasePolicy",
      message: `key ${target.keyId} has no usable release policy; confidential VM keys carry the confidential VM release policy (the Azure CLI's default-cvm-policy option when the key is created)`,
    });
  }
  const host = new URL(target.vaultUrl).hostname;
  const managedHsm = keyVaultDomainOf(host)?.startsWith("managedhsm.") === true;
  if (!managedHsm && vault.sku !== "premium") {
    out.push({
      code: "DesConfidentialVaultNotPremium",
      message: `vault ${vault.armId} is ${vault.sku ?? "of unknown tier"}; confidential VM keys must be in a Premium vault or a Managed HSM`,
    });
  }
  return out;
}

/** Every VM using the set must be deallocated (the docs say "stopped"; deallocated satisfies every reading). */
function offlineProof(set: ArmResourceJson, states: VmStates | undefined): WriteRestriction[] {
  if (states === undefined || states.unreadable !== undefined) {
    return [
      {
        code: "DesConfidentialVmStateUnknown",
        message: `the virtual machines using confidential VM disk encryption set ${set.id} could not all be read${states?.unreadable === undefined ? "" : ` (${states.unreadable})`}; its key only changes while every one of them is stopped`,
      },
    ];
  }
  const up = states.vms.filter((vm) => vm.powerState !== "deallocated");
  if (up.length === 0) return [];
  return [
    {
      code: "DesConfidentialRotationOffline",
      message: `confidential VM disk encryption set keys change offline only: ${up.map((vm) => `${vm.id} is ${vm.powerState}`).join(", ")}; stop (deallocate) every virtual machine using the set, then change its key`,
    },
  ];
}

/**
 * Proves a change of a disk encryption set's active key safe to write now. Pure. Transient: the set's
 * operation or re-wrapping still running. Refused: the platform's auto-rotation error, and for a
 * confidential VM set the offline rule and the key requirements.
 */
export function desKeyChangeProof(input: KeyChangeInput): WriteRestriction[] {
  const set = input.resource;
  const out = provisioningStateProof(set, "disk encryption set");
  const previous = field(set, "properties", "previousKeys");
  if (Array.isArray(previous) && previous.length > 0) {
    out.push({
      code: "DesRotationInProgress",
      message:
        "the set is still re-wrapping its disks' keys from an earlier rotation (previousKeys is not empty); the next change waits until it ends, and the old key versions must stay enabled until then",
      transient: true,
    });
  }
  const error = autoRotationErrorText(set);
  if (error !== undefined) {
    out.push({
      code: "DesAutoRotationError",
      message: `the platform reports an automatic key rotation error (${error}) and stops rotating this set until it is fixed; fix the cause first`,
    });
  }
  if (isConfidentialSet(set)) {
    out.push(...confidentialKeyProof(input.target, input.vault), ...offlineProof(set, input.vmStates));
  }
  return out;
}

/**
 * Proves turning automatic key rotation on safe: never on a confidential VM set (S1), and only when
 * the newest key version, the one the platform will move the set to, is usable by it (`newestProblems`,
 * the preflight's errors for that version, empty when usable).
 */
export function desAutoRotationProof(
  set: ArmResourceJson,
  newest: { keyId: string; problems: readonly string[] } | { unreadable: string },
): WriteRestriction[] {
  const out = provisioningStateProof(set, "disk encryption set");
  if (isConfidentialSet(set)) {
    out.push({
      code: "DesConfidentialNoAutoRotation",
      message: "automatic key rotation is not supported for confidential VM disk encryption sets",
    });
  }
  if ("unreadable" in newest) {
    out.push({
      code: "DesKeyStoreUnreadable",
      message: `the set's key and vault could not be read (${newest.unreadable}), so the version the platform would move it to cannot be proven usable`,
    });
  } else if (newest.problems.length > 0) {
    out.push({
      code: "DesAutoRotationNewestUnusable",
      message: `with automatic rotation the platform moves the set to ${newest.keyId}, which it cannot use: ${newest.problems.join("; ")}`,
    });
  }
  return out;
}
