import type { ArmResource } from "../../tenantFile.js";
import { keyProblem, parseKeyUrl } from "./keyReference.js";
import { field, sameText, stringField } from "./bodyFields.js";
import type { WriteContext, WriteRefusal } from "./writeValidation.js";

function invalid(message: string, target: string): WriteRefusal {
  return { status: 400, code: "BadRequest", message, target };
}

function encryptionStatus(body: ArmResource | undefined): string | undefined {
  return stringField(body, "properties", "encryption", "status");
}

function keyIdentifierOf(body: ArmResource | undefined): string | undefined {
  return stringField(body, "properties", "encryption", "keyVaultProperties", "keyIdentifier");
}

/** The write asks for customer-managed keys: status Enabled or a key named. */
function requestsCmk(body: ArmResource): boolean {
  return (
    sameText(encryptionStatus(body), "Enabled") ||
    field(body, "properties", "encryption", "keyVaultProperties") !== undefined
  );
}

/**
 * Microsoft.MachineLearningServices/workspaces: customer-managed keys can only be chosen when the
 * workspace is created; afterwards encryption can be neither turned on nor off, and on a CMK
 * workspace the key can only move to another key (version) in the ORIGINAL vault. The key named
 * must exist and be usable.
 */
export function validateMlWorkspace(context: WriteContext): WriteRefusal | undefined {
  const { stored, next, state, now } = context;
  const storedCmk = stored !== undefined && sameText(encryptionStatus(stored), "Enabled");
  if (stored !== undefined && !storedCmk) {
    if (requestsCmk(next)) {
      return invalid(
        `Workspace '${stored.name}' was created without customer-managed key encryption; encryption with a customer-managed key can only be enabled when a workspace is created.`,
        "properties.encryption",
      );
    }
    return undefined;
  }
  if (stored === undefined && !requestsCmk(next)) return undefined;
  if (storedCmk && !sameText(encryptionStatus(next), "Enabled")) {
    return invalid(
      `Customer-managed key encryption of workspace '${stored.name}' cannot be disabled.`,
      "properties.encryption.status",
    );
  }
  const keyIdentifier = keyIdentifierOf(next);
  if (keyIdentifier === undefined || keyIdentifier === "") {
    return invalid(
      "Parameter 'encryption.keyVaultProperties.keyIdentifier' is required for customer-managed key encryption.",
      "properties.encryption.keyVaultProperties.keyIdentifier",
    );
  }
  const ref = parseKeyUrl(keyIdentifier);
  if (ref === undefined) {
    return invalid(
      `Parameter 'encryption.keyVaultProperties.keyIdentifier' is not a key URL: '${keyIdentifier}'.`,
      "properties.encryption.keyVaultProperties.keyIdentifier",
    );
  }
  if (storedCmk) {
    const storedArmId = stringField(
      stored,
      "properties",
      "encryption",
      "keyVaultProperties",
      "keyVaultArmId",
    );
    const nextArmId = stringField(next, "properties", "encryption", "keyVaultProperties", "keyVaultArmId");
    if (!sameText(storedArmId, nextArmId)) {
      return invalid(
        `The key vault of workspace '${stored.name}' cannot be changed; keep keyVaultArmId '${storedArmId ?? ""}'.`,
        "properties.encryption.keyVaultProperties.keyVaultArmId",
      );
    }
    const storedRef = parseKeyUrl(keyIdentifierOf(stored) ?? "");
    if (storedRef !== undefined && storedRef.vaultHost !== ref.vaultHost) {
      return invalid(
        `The key of workspace '${stored.name}' can only be changed to a key in its original key vault '${storedRef.vaultUrl}', not '${ref.vaultUrl}'.`,
        "properties.encryption.keyVaultProperties.keyIdentifier",
      );
    }
    if (sameText(keyIdentifierOf(stored), keyIdentifier)) return undefined;
  }
  const problem = keyProblem(state, ref, now);
  if (problem !== undefined) {
    return invalid(
      `Parameter 'encryption.keyVaultProperties.keyIdentifier' is invalid: ${problem}.`,
      "properties.encryption.keyVaultProperties.keyIdentifier",
    );
  }
  return undefined;
}
