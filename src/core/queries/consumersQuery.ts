import type { KeyRef } from "../ids/keyId.js";
import { consumerRules } from "../consumers/registry.js";

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
 * The one Resource Graph query that finds, tenant-wide, every consumer of a key in any version: the
 * predicates of every consumer type in the registry (a disk encryption set by `activeKey.keyUrl`, an
 * AI services account by vault URI and key name, a CMK Machine Learning workspace by
 * `keyIdentifier`, ...). Vault host and key name compare case-insensitively. Inputs are validated
 * rather than escaped: Key Vault names allow no quotes.
 */
export function consumersOfKeyQuery(key: Pick<KeyRef, "vaultUrl" | "keyName">): string {
  const host = new URL(key.vaultUrl).host.toLowerCase();
  if (!safeHost.test(host)) throw new UnsafeQueryInputError("vaultUrl", host);
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
  const predicates = [...consumerRules.values()].map((rule) => rule.vaultPredicate(host));
  return ["resources", `| where ${predicates.join("\n or ")}`, "| project id", "| take 1"].join("\n");
}
