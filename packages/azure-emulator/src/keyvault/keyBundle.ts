import type { TenantKeyVersion } from "../tenantFile.js";
import { ecCoordinates, rsaModulus, rsaPublicExponent } from "./publicKeyMaterial.js";
import type { VaultRecovery } from "./vaultRecovery.js";

/** Key attributes as the Key Vault REST API sends them (times in seconds since the epoch). */
export interface WireKeyAttributes {
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  recoveryLevel: string;
  recoverableDays: number;
  /** RSA modulus size; Key Vault sends it in the attributes too (recorded at api-version 2025-07-01). */
  key_size?: number;
  /** Whether the private key can be exported; false unless the tenant file marks the key exportable (confidential-VM keys). */
  exportable: boolean;
}

/** The public part of a key (JsonWebKey); private members are never sent. */
export interface WireJsonWebKey {
  kid: string;
  kty: string;
  key_ops: string[];
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
  y?: string;
}

/** `KeyBundle`: the answer of get, create and update. */
export interface WireKeyBundle {
  key: WireJsonWebKey;
  attributes: WireKeyAttributes;
  tags?: Record<string, string>;
  /** keys.json `KeyReleasePolicy`: `data` is base64url. */
  release_policy?: { contentType: string; data: string; immutable: boolean };
}

/** `DeletedKeyBundle`: the answer of delete key and get deleted key (times in seconds since the epoch). */
export interface WireDeletedKeyBundle extends WireKeyBundle {
  recoveryId: string;
  deletedDate: number;
  scheduledPurgeDate: number;
}

/** `KeyItem`: one entry of the list operations (no key material). */
export interface WireKeyItem {
  kid: string;
  attributes: WireKeyAttributes;
  tags?: Record<string, string>;
}

/** Seconds since the epoch, Key Vault's wire format for times. */
export function epochSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** The wire attributes of a stored version; a per-version `recoveryLevel` overrides the vault's. */
export function keyAttributes(version: TenantKeyVersion, recovery: VaultRecovery): WireKeyAttributes {
  const attributes: WireKeyAttributes = {
    enabled: version.enabled,
    created: epochSeconds(version.createdOn),
    updated: epochSeconds(version.updatedOn ?? version.createdOn),
    recoveryLevel: version.recoveryLevel ?? recovery.recoveryLevel,
    recoverableDays: recovery.recoverableDays,
    exportable: false,
  };
  if ((version.kty === "RSA" || version.kty === "RSA-HSM") && version.keySize !== undefined) {
    attributes.key_size = version.keySize;
  }
  if (typeof version.notBefore === "string") attributes.nbf = epochSeconds(version.notBefore);
  if (typeof version.expiresOn === "string") attributes.exp = epochSeconds(version.expiresOn);
  if (version.exportable !== undefined) attributes.exportable = version.exportable;
  return attributes;
}

function withTags<T extends object>(body: T, tags: Record<string, string> | undefined): T {
  return tags !== undefined && Object.keys(tags).length > 0 ? { ...body, tags: { ...tags } } : body;
}

/**
 * The public JsonWebKey of a stored version. Key material is a deterministic stand-in (see
 * `publicKeyMaterial.ts`) seeded by vault host, key name and version, so it never changes between
 * calls and no secret exists to leak.
 */
export function jsonWebKey(kid: string, seed: string, version: TenantKeyVersion): WireJsonWebKey {
  const key: WireJsonWebKey = { kid, kty: version.kty, key_ops: [...version.keyOps] };
  if (version.kty === "RSA" || version.kty === "RSA-HSM") {
    key.n = rsaModulus(seed, version.keySize ?? 2048);
    key.e = rsaPublicExponent;
  } else if (version.kty === "EC" || version.kty === "EC-HSM") {
    const crv = version.curve ?? "P-256";
    key.crv = crv;
    Object.assign(key, ecCoordinates(seed, crv));
  }
  return key;
}

/** The `KeyBundle` of one version; `kid` is the versioned key identifier. */
export function keyBundle(
  kid: string,
  seed: string,
  version: TenantKeyVersion,
  recovery: VaultRecovery,
): WireKeyBundle {
  const policy = version.releasePolicy;
  return withTags(
    {
      key: jsonWebKey(kid, seed, version),
      attributes: keyAttributes(version, recovery),
      ...(policy === undefined
        ? {}
        : {
            release_policy: {
              contentType: policy.contentType ?? "application/json; charset=utf-8",
              data: policy.data,
              immutable: policy.immutable ?? false,
            },
          }),
    },
    version.tags,
  );
}

/** The `KeyItem` of one version (list versions) or of a key's latest version (list keys). */
export function keyItem(kid: string, version: TenantKeyVersion, recovery: VaultRecovery): WireKeyItem {
  return withTags({ kid, attributes: keyAttributes(version, recovery) }, version.tags);
}

/**
 * The `DeletedKeyBundle` of a deleted key: its latest version's bundle with the recovery id
 * (`{vault}/deletedkeys/{name}`) and the deletion and purge dates.
 */
export function deletedKeyBundle(
  bundle: WireKeyBundle,
  deletion: { recoveryId: string; deletedDate: string; scheduledPurgeDate: string },
): WireDeletedKeyBundle {
  return {
    ...bundle,
    recoveryId: deletion.recoveryId,
    deletedDate: epochSeconds(deletion.deletedDate),
    scheduledPurgeDate: epochSeconds(deletion.scheduledPurgeDate),
  };
}
