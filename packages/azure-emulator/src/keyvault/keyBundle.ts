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
  };
  if (typeof version.notBefore === "string") attributes.nbf = epochSeconds(version.notBefore);
  if (typeof version.expiresOn === "string") attributes.exp = epochSeconds(version.expiresOn);
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
  return withTags(
    { key: jsonWebKey(kid, seed, version), attributes: keyAttributes(version, recovery) },
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
