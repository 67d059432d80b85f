/** The Key Vault key a resource is encrypted with. */
export interface KeyRef {
  /** `https://{vault-host}` without trailing slash, lower-case host. */
  vaultUrl: string;
  keyName: string;
  /** Absent when the resource names the key without a version. */
  version?: string;
  /** The key URI, versioned when `version` is set. */
  keyId: string;
}

/** Builds a {@link KeyRef} from vault URL, key name and optional version. */
export function keyRef(vaultUri: string, keyName: string, version?: string): KeyRef {
  const url = new URL(vaultUri);
  const vaultUrl = `https://${url.host.toLowerCase()}`;
  const v = version === undefined || version === "" ? undefined : version;
  return {
    vaultUrl,
    keyName,
    ...(v === undefined ? {} : { version: v }),
    keyId: `${vaultUrl}/keys/${keyName}${v === undefined ? "" : `/${v}`}`,
  };
}

/**
 * Parses `https://{vault}/keys/{name}[/{version}]`. Returns undefined for anything else, because a
 * rule reading a resource must not throw on a malformed field: it reports it instead.
 */
export function keyRefFromUri(uri: string): KeyRef | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:") return undefined;
  const parts = url.pathname.split("/").filter((p) => p.length > 0);
  if (parts[0]?.toLowerCase() !== "keys" || parts.length < 2 || parts.length > 3) return undefined;
  const name = parts[1];
  if (name === undefined) return undefined;
  return keyRef(`https://${url.host}`, name, parts[2]);
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
