import { UnsafeQueryInputError } from "./unsafeQueryInputError.js";

/*
 * Why the predicates list spellings instead of normalising the column: Azure Resource Graph
 * "supports a subset of KQL data types, scalar functions, scalar operators" without saying which
 * (learn.microsoft.com/azure/governance/resource-graph/concepts/query-language, "Supported KQL
 * language elements"), so these predicates use only the string operators its own samples rely on:
 * `in~` (case-insensitive equality with any list member) and `startswith` (case-insensitive prefix;
 * learn.microsoft.com/kusto/query/datatypes-string-operators and .../startswith-operator). Case is
 * therefore handled by the operators; the spellings of the same key that remain are the explicit
 * https port (`https://{host}:443/...`, as Key Vault's resource provider writes `keyUriWithVersion`
 * and the Verified Modules copy it into `activeKey.keyUrl`) and a trailing slash.
 */

const hostPattern = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;
const keyNamePattern = /^[0-9a-zA-Z-]{1,127}$/;

function checkHost(host: string): string {
  if (!hostPattern.test(host)) throw new UnsafeQueryInputError("vaultUrl", host);
  return host;
}

function checkName(name: string): string {
  if (!keyNamePattern.test(name)) throw new UnsafeQueryInputError("keyName", name);
  return name;
}

/** The two origins ARM writes for one vault: without and with the explicit https port. */
function origins(host: string): readonly string[] {
  const h = checkHost(host);
  return [`https://${h}`, `https://${h}:443`];
}

const list = (values: readonly string[]): string => `(${values.map((v) => `'${v}'`).join(", ")})`;

/**
 * KQL predicates over a string expression holding a key or vault URI, true for every spelling ARM
 * uses for the same vault or key: any letter case, with or without `:443`, with or without a
 * trailing slash. Host and key name are validated (letters, digits, hyphens and dots only), never
 * escaped: Key Vault names allow no quotes, so anything else is refused with an
 * {@link UnsafeQueryInputError}.
 */
export const keyUriKql = {
  /**
   * `column` is a key URI of key `name` in the vault on `host`, with or without a version:
   * `https://{host}[:443]/keys/{name}` exactly, or anything under `https://{host}[:443]/keys/{name}/`.
   */
  ofKey(column: string, host: string, name: string): string {
    const o = origins(host);
    const n = checkName(name);
    const exact = o.map((origin) => `${origin}/keys/${n}`);
    const under = exact.map((uri) => `${column} startswith '${uri}/'`);
    return `(${column} in~ ${list(exact)} or ${under.join(" or ")})`;
  },

  /** `column` is the URI of a key (any key, any version) in the vault on `host`. */
  inVault(column: string, host: string): string {
    return `(${origins(host)
      .map((origin) => `${column} startswith '${origin}/keys/'`)
      .join(" or ")})`;
  },

  /** `column` is the URI of the vault on `host` itself, with or without a trailing slash. */
  vaultUri(column: string, host: string): string {
    return `${column} in~ ${list(origins(host).flatMap((origin) => [origin, `${origin}/`]))}`;
  },
};
