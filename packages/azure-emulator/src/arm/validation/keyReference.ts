import type { TenantKeyVersion } from "../../tenantFile.js";
import type { TenantState } from "../../tenantState.js";

/** A Key Vault key named by URL: `https://{vault}/keys/{name}[/{version}]`. */
export interface KeyReference {
  /** `https://{host}` without trailing slash. */
  readonly vaultUrl: string;
  /** Lower-case vault host, e.g. `kv-cmk.vault.azure.net`. */
  readonly vaultHost: string;
  readonly keyName: string;
  /** Undefined for a versionless URL. */
  readonly version?: string | undefined;
}

/** Parses a key URL; undefined when it is not one. */
export function parseKeyUrl(url: string): KeyReference | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "https:") return undefined;
  const match = /^\/keys\/([0-9A-Za-z-]+)(?:\/([0-9A-Za-z]+))?\/?$/.exec(parsed.pathname);
  if (match?.[1] === undefined) return undefined;
  return {
    vaultUrl: `https://${parsed.host}`,
    vaultHost: parsed.host.toLowerCase(),
    keyName: match[1],
    version: match[2],
  };
}

/** Per-consumer key requirements. */
export interface KeyRequirements {
  /** Accepted RSA sizes; undefined accepts any size. */
  readonly rsaSizes?: readonly number[];
}

/**
 * Checks that the key (or, for a versionless reference, its newest version) exists in the tenant and
 * can wrap keys now: enabled, inside its validity window, RSA, an accepted size, and with key
 * operations that permit wrapKey and unwrapKey. Returns the problem, or undefined when usable.
 */
export function keyProblem(
  state: TenantState,
  ref: KeyReference,
  now: number,
  requirements: KeyRequirements = {},
): string | undefined {
  const keyUrl = `${ref.vaultUrl}/keys/${ref.keyName}${ref.version === undefined ? "" : `/${ref.version}`}`;
  if (state.vaultByHost(ref.vaultHost) === undefined) return `the key vault '${ref.vaultUrl}' does not exist`;
  const versions = state.keyVersions(ref.vaultUrl, ref.keyName);
  if (versions === undefined || versions.length === 0) {
    return `the key '${ref.keyName}' does not exist in key vault '${ref.vaultUrl}'`;
  }
  const wanted = ref.version?.toLowerCase();
  const version: TenantKeyVersion | undefined =
    wanted === undefined
      ? versions[versions.length - 1]
      : versions.find((v) => v.version.toLowerCase() === wanted);
  if (version === undefined) return `the key version '${keyUrl}' does not exist`;
  if (!version.enabled) return `the key '${keyUrl}' is disabled`;
  if (version.expiresOn != null && Date.parse(version.expiresOn) <= now) {
    return `the key '${keyUrl}' expired on ${version.expiresOn}`;
  }
  if (version.notBefore != null && Date.parse(version.notBefore) > now) {
    return `the key '${keyUrl}' is not valid before ${version.notBefore}`;
  }
  if (version.kty !== "RSA" && version.kty !== "RSA-HSM") {
    return `the key '${keyUrl}' has type ${version.kty}; an RSA or RSA-HSM key is required`;
  }
  const sizes = requirements.rsaSizes;
  if (sizes !== undefined && (version.keySize === undefined || !sizes.includes(version.keySize))) {
    return `the key '${keyUrl}' has size ${version.keySize ?? "unknown"}; supported sizes are ${sizes.join(", ")}`;
  }
  // An empty list is treated as unrestricted; a list that omits wrap/unwrap makes wrapping fail.
  const ops = version.keyOps.map((o) => o.toLowerCase());
  if (ops.length > 0 && (!ops.includes("wrapkey") || !ops.includes("unwrapkey"))) {
    return `the key operations of '${keyUrl}' do not permit wrapKey and unwrapKey`;
  }
  return undefined;
}
