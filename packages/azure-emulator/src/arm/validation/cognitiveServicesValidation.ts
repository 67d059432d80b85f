import { keyProblem } from "./keyReference.js";
import { field, hasField, sameText, stringField } from "./bodyFields.js";
import type { WriteContext, WriteRefusal } from "./writeValidation.js";

/** Azure AI services accept RSA 2048 keys only (Cognitive Services CMK documentation). */
const accountKeySizes = [2048];

function invalid(message: string, target: string): WriteRefusal {
  return { status: 400, code: "InvalidParameter", message, target };
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
