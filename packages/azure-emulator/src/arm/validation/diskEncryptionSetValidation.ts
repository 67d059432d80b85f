import { keyProblem, parseKeyUrl } from "./keyReference.js";
import { field, hasField, sameText, stringField } from "./bodyFields.js";
import type { WriteContext, WriteRefusal } from "./writeValidation.js";

/** Disk encryption sets accept RSA keys of these sizes (Compute documentation). */
const desKeySizes = [2048, 3072, 4096];

function invalid(message: string, target: string): WriteRefusal {
  return { status: 400, code: "InvalidParameter", message, target };
}

/**
 * Microsoft.Compute/diskEncryptionSets: the active key must be a VERSIONED key URL naming an
 * existing, enabled, currently valid RSA key version, and must name its source vault.
 * Checked on create and whenever the request carries `properties.activeKey`.
 */
export function validateDiskEncryptionSet(context: WriteContext): WriteRefusal | undefined {
  const { next, request, stored, state, now } = context;
  // "Once you create a disk encryption set with a particular encryption type, it cannot be
  // changed" (docs/restrictions.md §1, DesEncryptionTypeImmutable); Compute answers changes of
  // immutable properties with PropertyChangeNotAllowed (seen for encryption.diskEncryptionSetId).
  const storedType = stringField(stored, "properties", "encryptionType");
  const nextType = stringField(next, "properties", "encryptionType");
  if (
    stored !== undefined &&
    storedType !== undefined &&
    nextType !== undefined &&
    !sameText(storedType, nextType)
  ) {
    return {
      status: 400,
      code: "PropertyChangeNotAllowed",
      message: "Changing property 'encryptionType' is not allowed.",
      target: "encryptionType",
    };
  }
  // "Automatic key rotation isn't currently supported for confidential VMs" (DesConfidentialNoAutoRotation).
  if (
    sameText(nextType, "ConfidentialVmEncryptedWithCustomerKey") &&
    field(next, "properties", "rotationToLatestKeyVersionEnabled") === true
  ) {
    return invalid(
      "Automatic key rotation (rotationToLatestKeyVersionEnabled) is not supported for disk encryption sets of type ConfidentialVmEncryptedWithCustomerKey.",
      "diskEncryptionSet.rotationToLatestKeyVersionEnabled",
    );
  }
  const touchesKey =
    stored === undefined || context.method === "PUT" || hasField(request, "properties", "activeKey");
  if (!touchesKey) return undefined;
  const activeKey = field(next, "properties", "activeKey");
  if (activeKey === undefined || activeKey === null) {
    return invalid("Required parameter 'activeKey' is missing (null).", "diskEncryptionSet.activeKey");
  }
  const keyUrl = stringField(activeKey, "keyUrl");
  if (keyUrl === undefined || keyUrl === "") {
    return invalid(
      "Required parameter 'activeKey.keyUrl' is missing (null).",
      "diskEncryptionSet.activeKey.keyUrl",
    );
  }
  const ref = parseKeyUrl(keyUrl);
  if (ref?.version === undefined) {
    return invalid(
      `The value '${keyUrl}' of parameter 'activeKey.keyUrl' is not a versioned key URL; expected https://{vault}/keys/{name}/{version}.`,
      "diskEncryptionSet.activeKey.keyUrl",
    );
  }
  const sourceVaultId = stringField(activeKey, "sourceVault", "id");
  // DiskRP `KeyForDiskEncryptionSet.sourceVault` is the Key Vault holding the key; a Managed HSM key
  // has none (the Managed HSM disk encryption set quickstart creates the set from the key URL alone).
  const managedHsmKey = /\.managedhsm\./i.test(ref.vaultHost);
  if ((sourceVaultId === undefined || sourceVaultId === "") && !managedHsmKey) {
    return invalid(
      "Required parameter 'activeKey.sourceVault.id' is missing (null).",
      "diskEncryptionSet.activeKey.sourceVault.id",
    );
  }
  const problem = keyProblem(state, ref, now, { rsaSizes: desKeySizes });
  if (problem !== undefined) {
    return invalid(
      `Parameter 'activeKey.keyUrl' is invalid: ${problem}.`,
      "diskEncryptionSet.activeKey.keyUrl",
    );
  }
  // When the vault resource is known, the key must live in it.
  const vaultUri =
    sourceVaultId === undefined || sourceVaultId === ""
      ? undefined
      : stringField(state.getResource(sourceVaultId)?.body, "properties", "vaultUri");
  if (vaultUri !== undefined && new URL(vaultUri).host.toLowerCase() !== ref.vaultHost) {
    return invalid(
      `The key '${keyUrl}' is not in the key vault '${sourceVaultId}' named by 'activeKey.sourceVault.id'.`,
      "diskEncryptionSet.activeKey.sourceVault.id",
    );
  }
  return undefined;
}
