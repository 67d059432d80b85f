/**
 * DNS suffixes of Key Vault vaults and Managed HSM pools in the Azure clouds. A key identifier's host
 * is `{vault or pool name}.{suffix}`; the suffix is also the Microsoft Entra resource the data plane
 * expects tokens for (`https://{suffix}`), which is why the challenge handshake compares against it.
 */
export const keyVaultDomains: readonly string[] = [
  "vault.azure.net",
  "vault.azure.cn",
  "vault.usgovcloudapi.net",
  "managedhsm.azure.net",
  "managedhsm.azure.cn",
  "managedhsm.usgovcloudapi.net",
];

/** Which part of a key identifier is wrong. */
export type KeyIdPart = "uri" | "scheme" | "host" | "path" | "name" | "version";

/** A string that is not a Key Vault key identifier. `part` says which part is wrong. */
export class KeyIdError extends Error {
  readonly code = "InvalidKeyId";
  constructor(
    readonly part: KeyIdPart,
    readonly input: string,
    problem: string,
  ) {
    super(`Invalid Key Vault key id ${JSON.stringify(shorten(input))}: ${problem}`);
    this.name = "KeyIdError";
  }
}

/** The parts of a key identifier such as `https://kv-cmk.vault.azure.net/keys/cmk-aoai/0123...`. */
export interface KeyId {
  /** `https://{host}`, lower-case host, no trailing slash. */
  readonly vaultUrl: string;
  /** Lower-case host, e.g. `kv-cmk.vault.azure.net`. */
  readonly vaultHost: string;
  /** Key name as written in the identifier (Key Vault compares names case-insensitively). */
  readonly name: string;
  /** Key version, when the identifier names one. */
  readonly version?: string;
  /** `{vaultUrl}/keys/{name}/{version}`, when the identifier names a version. */
  readonly versionedId?: string;
}

const vaultNamePattern = /^[a-z][a-z0-9-]{1,22}[a-z0-9]$/;
const keyNamePattern = /^[0-9A-Za-z-]{1,127}$/;
const keyVersionPattern = /^[0-9A-Fa-f]{32}$/;

function shorten(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}...` : value;
}

/**
 * The Key Vault domain a host belongs to (`vault.azure.net`, `managedhsm.azure.net`, another
 * cloud's suffix), or undefined when the host is not `{valid vault name}.{known suffix}`.
 */
export function keyVaultDomainOf(host: string): string | undefined {
  const lower = host.toLowerCase().replace(/:443$/, "");
  for (const domain of keyVaultDomains) {
    if (!lower.endsWith(`.${domain}`)) continue;
    const label = lower.slice(0, -domain.length - 1);
    return vaultNamePattern.test(label) && !label.includes("--") ? domain : undefined;
  }
  return undefined;
}

/** Builds a key identifier: `{vaultUrl}/keys/{name}` or `{vaultUrl}/keys/{name}/{version}`. */
export function formatKeyId(vaultUrl: string, name: string, version?: string): string {
  const base = `${vaultUrl.replace(/\/+$/, "")}/keys/${name}`;
  return version === undefined ? base : `${base}/${version}`;
}

/** Parses `uri` as an absolute URL, or throws a {@link KeyIdError} saying why not. */
function absoluteUrl(uri: string, what: string): { input: string; url: URL } {
  if (typeof uri !== "string") throw new KeyIdError("uri", String(uri), `the ${what} is not a string`);
  const input = uri.trim();
  if (input === "") throw new KeyIdError("uri", uri, `the ${what} is empty`);
  try {
    return { input, url: new URL(input) };
  } catch {
    throw new KeyIdError("uri", input, "not an absolute URL");
  }
}

/**
 * The lower-case vault host of a parsed URL, checked as Key Vault serves it: https, no user
 * information, port 443 (the WHATWG URL parser drops an explicit `:443`, the https default, and
 * lower-cases the host, which is why `https://KV.vault.azure.net:443` and `https://kv.vault.azure.net`
 * come out the same), a valid vault or pool name under a known Key Vault domain.
 */
function checkedVaultHost(url: URL, input: string): string {
  if (url.protocol !== "https:") {
    throw new KeyIdError(
      "scheme",
      input,
      `the scheme must be https, found ${url.protocol.replace(/:$/, "")}`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new KeyIdError("host", input, "the URL must not carry user information");
  }
  if (url.port !== "") {
    throw new KeyIdError("host", input, `port ${url.port} is not allowed; Key Vault is served on 443`);
  }
  const vaultHost = url.hostname.toLowerCase();
  if (keyVaultDomainOf(vaultHost) === undefined) {
    const known = keyVaultDomains.some((d) => vaultHost.endsWith(`.${d}`));
    throw new KeyIdError(
      "host",
      input,
      known
        ? `"${vaultHost.split(".")[0] ?? ""}" is not a valid vault name (3-24 letters, digits and single hyphens, starting with a letter)`
        : `"${vaultHost}" is not a Key Vault host (expected {vault}.vault.azure.net, {pool}.managedhsm.azure.net or another Azure cloud's vault domain)`,
    );
  }
  return vaultHost;
}

/**
 * Parses a vault or Managed HSM pool URI (`properties.vaultUri`, an AI services account's
 * `keyVaultUri`, an event's vault) to `https://{lower-case host}`: the one form the engine compares
 * and writes. Accepts every spelling ARM and the data plane use for the same vault (an explicit
 * `:443`, upper-case letters in the host, a trailing slash, surrounding whitespace); rejects
 * anything else with a {@link KeyIdError}: another scheme or port, a host outside the Key Vault
 * domains, a path, query or fragment.
 */
export function parseVaultUrl(uri: string): string {
  const { input, url } = absoluteUrl(uri, "vault URI");
  const vaultHost = checkedVaultHost(url, input);
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    throw new KeyIdError("path", input, "a vault URI has no path, query string or fragment");
  }
  return `https://${vaultHost}`;
}

/** The lower-case host of a vault URI (see {@link parseVaultUrl}), or undefined when it is not one. */
export function vaultHostOf(uri: string): string | undefined {
  try {
    return new URL(parseVaultUrl(uri)).hostname;
  } catch (error) {
    if (error instanceof KeyIdError) return undefined;
    throw error;
  }
}

/**
 * Whether two vault URIs name the same vault, however each is spelled (see {@link parseVaultUrl}).
 * A string that is not a vault URI is the same vault as nothing, not even as itself.
 */
export function sameVault(a: string, b: string): boolean {
  const host = vaultHostOf(a);
  return host !== undefined && host === vaultHostOf(b);
}

/**
 * Parses a Key Vault key identifier (`https://{vault}.vault.azure.net/keys/{name}[/{version}]`, also
 * Managed HSM and the other Azure clouds' vault domains). Tolerates surrounding whitespace, an
 * explicit `:443`, upper-case letters in the host and one trailing slash, because ARM properties and
 * events carry ids written by many tools (Key Vault's own resource provider writes
 * `keyUriWithVersion` as `https://{vault}.vault.azure.net:443/keys/{name}/{version}`); rejects
 * anything else with a {@link KeyIdError} naming the wrong part.
 */
export function parseKeyId(uri: string): KeyId {
  const { input, url } = absoluteUrl(uri, "key id");
  const vaultHost = checkedVaultHost(url, input);
  if (url.search !== "" || url.hash !== "") {
    throw new KeyIdError("path", input, "a key id has no query string or fragment");
  }
  const path = url.pathname.endsWith("/") ? url.pathname.slice(0, -1) : url.pathname;
  const segments = path.split("/").slice(1);
  const collection = segments[0]?.toLowerCase();
  if (collection !== "keys") {
    throw new KeyIdError(
      "path",
      input,
      collection === undefined || collection === ""
        ? "the path must be /keys/{name}[/{version}], found none"
        : `the path must start with /keys/, found /${segments[0] ?? ""}/`,
    );
  }
  if (segments.length < 2 || segments.length > 3) {
    throw new KeyIdError("path", input, `the path must be /keys/{name}[/{version}], found ${url.pathname}`);
  }
  const name = segments[1] ?? "";
  if (!keyNamePattern.test(name)) {
    throw new KeyIdError(
      "name",
      input,
      name === ""
        ? "the key name is empty"
        : `key name "${shorten(name)}" must be 1-127 letters, digits and hyphens`,
    );
  }
  const vaultUrl = `https://${vaultHost}`;
  const version = segments[2];
  if (version === undefined) return { vaultUrl, vaultHost, name };
  if (!keyVersionPattern.test(version)) {
    throw new KeyIdError(
      "version",
      input,
      version === ""
        ? "the key version is empty"
        : `key version "${shorten(version)}" must be 32 hexadecimal characters`,
    );
  }
  return { vaultUrl, vaultHost, name, version, versionedId: formatKeyId(vaultUrl, name, version) };
}

/** The Key Vault key a resource is encrypted with, as the engine compares and writes it. */
export interface KeyRef {
  /** `https://{vault-host}` without trailing slash, lower-case host. */
  vaultUrl: string;
  keyName: string;
  /** Absent when the resource names the key without a version. */
  version?: string;
  /** The key URI, versioned when `version` is set. */
  keyId: string;
}

/**
 * Builds a {@link KeyRef} from a vault URL (any form ARM writes: trailing slash, `:443`, upper-case
 * host), a key name and an optional version. Throws a {@link KeyIdError} when `vaultUri` is not a
 * vault URI (see {@link parseVaultUrl}).
 */
export function keyRef(vaultUri: string, keyName: string, version?: string): KeyRef {
  const vaultUrl = parseVaultUrl(vaultUri);
  const v = version === undefined || version === "" ? undefined : version;
  return {
    vaultUrl,
    keyName,
    ...(v === undefined ? {} : { version: v }),
    keyId: formatKeyId(vaultUrl, keyName, v),
  };
}

/**
 * A key identifier as a {@link KeyRef}, or undefined when {@link parseKeyId} rejects it: a rule
 * reading a resource must not throw on a malformed field, it reports it instead.
 */
export function keyRefFromUri(uri: string): KeyRef | undefined {
  try {
    const id = parseKeyId(uri);
    return keyRef(id.vaultUrl, id.name, id.version);
  } catch (error) {
    if (error instanceof KeyIdError) return undefined;
    throw error;
  }
}

/** A KeyRef's vault as one spelling; a KeyRef built by hand may carry `:443` or a trailing slash. */
function vaultOfRef(ref: KeyRef): string {
  return vaultHostOf(ref.vaultUrl) ?? ref.vaultUrl.toLowerCase();
}

/**
 * Same key (vault and name), any version: compared case-insensitively as Key Vault does, the vault
 * in any spelling (see {@link parseVaultUrl}).
 */
export function sameKey(a: KeyRef, b: KeyRef): boolean {
  return vaultOfRef(a) === vaultOfRef(b) && a.keyName.toLowerCase() === b.keyName.toLowerCase();
}

/** Same key and same version. */
export function sameKeyVersion(a: KeyRef, b: KeyRef): boolean {
  return sameKey(a, b) && (a.version ?? "").toLowerCase() === (b.version ?? "").toLowerCase();
}
