import type { KeyRef } from "../ids/keyRef.js";

const safeHost = /^[a-z0-9.-]+(:\d+)?$/;
const safeKeyName = /^[0-9a-zA-Z-]{1,127}$/;

/** A key reference that cannot be put into a query safely. */
export class UnsafeQueryInputError extends Error {
  readonly code = "UnsafeQueryInput";
  constructor(
    readonly field: string,
    value: string,
  ) {
    super(
      `${field} ${JSON.stringify(value)} is not a valid Key Vault ${field === "keyName" ? "key name" : "host"}`,
    );
    this.name = "UnsafeQueryInputError";
  }
}

/**
 * The one Resource Graph query that finds, tenant-wide, every consumer of a key in any version:
 * disk encryption sets by `activeKey.keyUrl`, Cognitive Services accounts by vault URI and key
 * name, and CMK Machine Learning workspaces by `keyIdentifier`. Vault host and key name compare
 * case-insensitively. Inputs are validated rather than escaped: Key Vault names allow no quotes.
 */
export function consumersOfKeyQuery(key: Pick<KeyRef, "vaultUrl" | "keyName">): string {
  const host = new URL(key.vaultUrl).host.toLowerCase();
  if (!safeHost.test(host)) throw new UnsafeQueryInputError("vaultUrl", host);
  if (!safeKeyName.test(key.keyName)) throw new UnsafeQueryInputError("keyName", key.keyName);
  const name = key.keyName.toLowerCase();
  const prefix = `https://${host}/keys/${name}/`;
  return [
    "resources",
    "| where (type =~ 'microsoft.compute/diskencryptionsets'" +
      ` and tolower(tostring(properties.activeKey.keyUrl)) startswith '${prefix}')`,
    " or (type =~ 'microsoft.cognitiveservices/accounts'" +
      " and tostring(properties.encryption.keySource) =~ 'Microsoft.KeyVault'" +
      ` and tolower(tostring(properties.encryption.keyVaultProperties.keyVaultUri)) in~ ('https://${host}', 'https://${host}/')` +
      ` and tostring(properties.encryption.keyVaultProperties.keyName) =~ '${name}')`,
    " or (type =~ 'microsoft.machinelearningservices/workspaces'" +
      ` and tolower(tostring(properties.encryption.keyVaultProperties.keyIdentifier)) startswith '${prefix}')`,
    "| project id, name, type, kind, location, subscriptionId, resourceGroup, identity, properties, tags",
    "| order by id asc",
  ].join("\n");
}

/** Finds a vault's ARM id by its URI (AI services accounts record only the URI). */
export function vaultByUriQuery(vaultUrl: string): string {
  const host = new URL(vaultUrl).host.toLowerCase();
  if (!safeHost.test(host)) throw new UnsafeQueryInputError("vaultUrl", host);
  return [
    "resources",
    `| where type =~ 'microsoft.keyvault/vaults' and tolower(tostring(properties.vaultUri)) in~ ('https://${host}/', 'https://${host}')`,
    "| project id",
  ].join("\n");
}

/** Finds whether any consumer uses a key of this vault (any key, any version). */
export function consumersOfVaultQuery(vaultUrl: string): string {
  const host = new URL(vaultUrl).host.toLowerCase();
  if (!safeHost.test(host)) throw new UnsafeQueryInputError("vaultUrl", host);
  const prefix = `https://${host}/keys/`;
  return [
    "resources",
    "| where (type =~ 'microsoft.compute/diskencryptionsets'" +
      ` and tolower(tostring(properties.activeKey.keyUrl)) startswith '${prefix}')`,
    " or (type =~ 'microsoft.cognitiveservices/accounts'" +
      ` and tolower(tostring(properties.encryption.keyVaultProperties.keyVaultUri)) in~ ('https://${host}', 'https://${host}/'))`,
    " or (type =~ 'microsoft.machinelearningservices/workspaces'" +
      ` and tolower(tostring(properties.encryption.keyVaultProperties.keyIdentifier)) startswith '${prefix}')`,
    "| project id",
    "| take 1",
  ].join("\n");
}
