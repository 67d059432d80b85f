import { KeyIdError, parseVaultUrl, type KeyRef } from "../ids/keyId.js";
import { consumerRules } from "../consumers/registry.js";
import { keyUriKql } from "./keyUriKql.js";
import { UnsafeQueryInputError } from "./unsafeQueryInputError.js";

export { UnsafeQueryInputError } from "./unsafeQueryInputError.js";

const safeKeyName = /^[0-9a-zA-Z-]{1,127}$/;

/**
 * The lower-case host of a vault URL in any spelling (see `parseVaultUrl`); anything that is not a
 * Key Vault or Managed HSM URL is refused rather than put into a query.
 */
function queryHost(vaultUrl: string): string {
  try {
    return new URL(parseVaultUrl(vaultUrl)).hostname;
  } catch (error) {
    if (error instanceof KeyIdError) throw new UnsafeQueryInputError("vaultUrl", vaultUrl);
    throw error;
  }
}

/**
 * The one Resource Graph query that finds, tenant-wide, every consumer of a key in any version: the
 * predicates of every consumer type in the registry (a disk encryption set by `activeKey.keyUrl`, an
 * AI services account by vault URI and key name, a CMK Machine Learning workspace by
 * `keyIdentifier`, ...). Every spelling ARM uses for the key matches (letter case, `:443`, trailing
 * slash; see `keyUriKql`). Inputs are validated rather than escaped: Key Vault names allow no quotes.
 */
export function consumersOfKeyQuery(key: Pick<KeyRef, "vaultUrl" | "keyName">): string {
  const host = queryHost(key.vaultUrl);
  if (!safeKeyName.test(key.keyName)) throw new UnsafeQueryInputError("keyName", key.keyName);
  const name = key.keyName.toLowerCase();
  const predicates = [...consumerRules.values()].map((rule) => rule.keyPredicate({ host, name }));
  return [
    "resources",
    `| where ${predicates.join("\n or ")}`,
    "| project id, name, type, kind, location, subscriptionId, resourceGroup, identity, properties, tags",
    "| order by id asc",
  ].join("\n");
}

/** Finds a vault's ARM id by its URI (AI services accounts record only the URI), in any spelling. */
export function vaultByUriQuery(vaultUrl: string): string {
  const host = queryHost(vaultUrl);
  return [
    "resources",
    `| where type =~ 'microsoft.keyvault/vaults' and ${keyUriKql.vaultUri("tostring(properties.vaultUri)", host)}`,
    "| project id",
  ].join("\n");
}

/**
 * Finds a Managed HSM pool (`Microsoft.KeyVault/managedHSMs`) by its data-plane URL, compared with
 * `properties.hsmUri` in every spelling ARM writes (letter case, `:443`, trailing slash).
 */
export function managedHsmByUriQuery(hsmUrl: string): string {
  const host = queryHost(hsmUrl);
  return [
    "resources",
    `| where type =~ 'microsoft.keyvault/managedhsms' and ${keyUriKql.vaultUri("tostring(properties.hsmUri)", host)}`,
    "| project id",
  ].join("\n");
}

/** Finds whether any consumer uses a key of this vault (any key, any version). */
export function consumersOfVaultQuery(vaultUrl: string): string {
  const host = queryHost(vaultUrl);
  const predicates = [...consumerRules.values()].map((rule) => rule.vaultPredicate(host));
  return ["resources", `| where ${predicates.join("\n or ")}`, "| project id", "| take 1"].join("\n");
}
