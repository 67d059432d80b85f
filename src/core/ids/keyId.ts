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

/**
 * Parses a Key Vault key identifier (`https://{vault}.vault.azure.net/keys/{name}[/{version}]`, also
 * Managed HSM and the other Azure clouds' vault domains). Tolerates surrounding whitespace, an
 * explicit `:443` and one trailing slash, because ARM properties and events carry ids written by
 * many tools; rejects anything else with a {@link KeyIdError} naming the wrong part.
 */
export function parseKeyId(uri: string): KeyId {
  if (typeof uri !== "string") throw new KeyIdError("uri", String(uri), "the key id is not a string");
  const input = uri.trim();
  if (input === "") throw new KeyIdError("uri", uri, "the key id is empty");
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new KeyIdError("uri", input, "not an absolute URL");
  }
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
 * host), a key name and an optional version.
 */
export function keyRef(vaultUri: string, keyName: string, version?: string): KeyRef {
  const url = new URL(vaultUri);
  const vaultUrl = `https://${url.hostname.toLowerCase()}`;
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

/** Same key (vault and name), any version: compared case-insensitively as Key Vault does. */
export function sameKey(a: KeyRef, b: KeyRef): boolean {
  return (
    a.vaultUrl.toLowerCase() === b.vaultUrl.toLowerCase() &&
    a.keyName.toLowerCase() === b.keyName.toLowerCase()
  );
}

/** Same key and same version. */
export function sameKeyVersion(a: KeyRef, b: KeyRef): boolean {
  return sameKey(a, b) && (a.version ?? "").toLowerCase() === (b.version ?? "").toLowerCase();
}
