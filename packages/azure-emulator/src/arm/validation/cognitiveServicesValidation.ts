import { keyProblem } from "./keyReference.js";
import { field, hasField, sameText, stringField } from "./bodyFields.js";
import type { ArmResource } from "../../tenantFile.js";
import type { WriteContext, WriteRefusal } from "./writeValidation.js";

/** Azure AI services accept RSA 2048 keys only (Cognitive Services CMK documentation). */
const accountKeySizes = [2048];

function invalid(message: string, target: string): WriteRefusal {
  return { status: 400, code: "InvalidParameter", message, target };
}

function usesCustomerKey(body: ArmResource | undefined): boolean {
  return sameText(stringField(body, "properties", "encryption", "keySource"), "Microsoft.KeyVault");
}

function vaultHostOf(body: ArmResource | undefined): string | undefined {
  const uri = stringField(body, "properties", "encryption", "keyVaultProperties", "keyVaultUri");
  try {
    return uri === undefined ? undefined : new URL(uri).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * A Foundry resource (kind `AIServices` with `allowProjectManagement: true`; the pairing is the
 * emulator's reading, docs/emulator.md) "can be updated from Microsoft-managed keys to CMKs but not
 * reverted", and "Project CMKs can be updated only to keys in the same key vault"
 * (learn.microsoft.com/azure/ai-foundry/concepts/encryption-keys-portal, docs/restrictions.md §4).
 * Other kinds may switch both ways (Azure OpenAI: enabling and disabling CMK are both documented).
 */
function foundryProblem(stored: ArmResource | undefined, next: ArmResource): WriteRefusal | undefined {
  if (stored === undefined || !usesCustomerKey(stored)) return undefined;
  const isFoundry =
    sameText(stored.kind ?? undefined, "AIServices") &&
    field(stored, "properties", "allowProjectManagement") === true;
  if (!isFoundry) return undefined;
  if (!usesCustomerKey(next)) {
    return {
      status: 400,
      code: "BadRequest",
      message: `Account '${stored.name}' is a Foundry resource encrypted with a customer-managed key; it cannot be switched back to Microsoft-managed keys.`,
      target: "properties.encryption.keySource",
    };
  }
  const before = vaultHostOf(stored);
  const after = vaultHostOf(next);
  if (before !== undefined && after !== undefined && before !== after) {
    return {
      status: 400,
      code: "BadRequest",
      message: `The customer-managed key of Foundry resource '${stored.name}' can only be changed to a key in its key vault 'https://${before}/', not 'https://${after}/'.`,
      target: "properties.encryption.keyVaultProperties.keyVaultUri",
    };
  }
  return undefined;
}

/**
 * Microsoft.CognitiveServices/accounts: with `encryption.keySource = Microsoft.KeyVault` the vault
 * URI and key name must name an existing key, and a non-empty key version must exist; the key (the
 * named version, or the newest one when the version is empty) must be usable for wrapping.
 * Checked on create, on PUT, and on a PATCH that carries `properties.encryption`.
 */
export function validateCognitiveServicesAccount(context: WriteContext): WriteRefusal | undefined {
  const { next, state, now, stored, request } = context;
  if (context.method === "PATCH" && stored !== undefined && !hasField(request, "properties", "encryption")) {
    return undefined;
  }
  const encryption = field(next, "properties", "encryption");
  const foundry = foundryProblem(stored, next);
  if (foundry !== undefined) return foundry;
  if (!sameText(stringField(encryption, "keySource"), "Microsoft.KeyVault")) return undefined;
  const keyVaultUri = stringField(encryption, "keyVaultProperties", "keyVaultUri");
  const keyName = stringField(encryption, "keyVaultProperties", "keyName");
  const keyVersion = stringField(encryption, "keyVaultProperties", "keyVersion");
  if (keyVaultUri === undefined || keyVaultUri === "") {
    return invalid(
      "Parameter 'encryption.keyVaultProperties.keyVaultUri' is required when keySource is Microsoft.KeyVault.",
      "properties.encryption.keyVaultProperties.keyVaultUri",
    );
  }
  if (keyName === undefined || keyName === "") {
    return invalid(
      "Parameter 'encryption.keyVaultProperties.keyName' is required when keySource is Microsoft.KeyVault.",
      "properties.encryption.keyVaultProperties.keyName",
    );
  }
  let vault: URL;
  try {
    vault = new URL(keyVaultUri);
  } catch {
    return invalid(
      `Parameter 'encryption.keyVaultProperties.keyVaultUri' is not a URL: '${keyVaultUri}'.`,
      "properties.encryption.keyVaultProperties.keyVaultUri",
    );
  }
  const problem = keyProblem(
    state,
    {
      vaultUrl: `https://${vault.host}`,
      vaultHost: vault.host.toLowerCase(),
      keyName,
      version: keyVersion === undefined || keyVersion === "" ? undefined : keyVersion,
    },
    now,
    { rsaSizes: accountKeySizes },
  );
  if (problem !== undefined) {
    return invalid(
      `Parameter 'encryption.keyVaultProperties' is invalid: ${problem}.`,
      "properties.encryption.keyVaultProperties",
    );
  }
  return undefined;
}
