import { keyVaultDomainOf, type KeyRef } from "../ids/keyId.js";
import type { KeyVersionSummary } from "../ports/rotationPort.js";
import type {
  DeletedKeyFacts,
  DeletedVaultFacts,
  KeyVersionFacts,
  RoleAssignmentFacts,
  VaultFacts,
} from "./keyFacts.js";
import { newestVersion } from "./keyVersionOrder.js";

/** One read the caller made: its value (undefined meaning "not found"), or why it failed. */
export type Read<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * What the caller read about the key store of a consumer's key, in two rounds: first the vault (ARM),
 * the key's versions and the version in use (data plane); then, depending on those, the deleted vault,
 * the deleted key and, for a vault using Azure RBAC, the identity's role assignments (for a Managed
 * HSM pool, the pool's local RBAC role assignments). A read that was not made is absent.
 */
export interface KeyStoreReads {
  readonly vault?: Read<VaultFacts | undefined> | undefined;
  readonly keyVersions?: Read<readonly KeyVersionSummary[] | undefined> | undefined;
  /** Only for a reference that names a version. */
  readonly keyVersion?: Read<KeyVersionFacts | undefined> | undefined;
  readonly deletedVault?: Read<DeletedVaultFacts | undefined> | undefined;
  readonly deletedKey?: Read<DeletedKeyFacts | undefined> | undefined;
  readonly roleAssignments?: Read<readonly RoleAssignmentFacts[]> | undefined;
}

/** What the reads say about a consumer's key and vault. */
export type KeyStoreState =
  /** Vault and key exist and were read. */
  | {
      readonly kind: "present";
      readonly vault: VaultFacts;
      /** The version in use; absent when the consumer names the key without a version. */
      readonly currentKey?: KeyVersionFacts | undefined;
      /** The key's newest version. */
      readonly newest?: KeyVersionSummary | undefined;
      /** For a vault using Azure RBAC: the consumer identity's role assignments, when read. */
      readonly roleAssignments?: Read<readonly RoleAssignmentFacts[]> | undefined;
    }
  /**
   * Neither ARM nor the key's data plane knows the vault: it was deleted. `deletedVault` is set when
   * it is soft-deleted (recoverable); `lookup` says why it is not when it is not.
   */
  | {
      readonly kind: "vault-deleted";
      readonly deletedVault?: DeletedVaultFacts | undefined;
      /** `not-found`: no deleted vault of that name where the consumer is; else why nobody knows. */
      readonly lookup: "found" | "not-found" | { readonly problem: string };
    }
  /** The vault (or Managed HSM pool) answers, but the key is not in it: deleted. */
  | {
      readonly kind: "key-deleted";
      /** Absent for a Managed HSM pool or a vault ARM does not show. */
      readonly vault?: VaultFacts | undefined;
      readonly deletedKey?: DeletedKeyFacts | undefined;
      readonly lookup: "found" | "not-found" | { readonly problem: string };
    }
  /** Something needed could not be read: the consumer cannot be judged. */
  | { readonly kind: "unreadable"; readonly reason: string };

function hostOf(vaultUrl: string): string {
  return new URL(vaultUrl).host.toLowerCase();
}

/** True for a Managed HSM pool (`*.managedhsm.azure.net` and the other clouds' suffixes). */
export function isManagedHsm(vaultUrl: string): boolean {
  return keyVaultDomainOf(hostOf(vaultUrl))?.startsWith("managedhsm.") === true;
}

function lookupOf(
  read: Read<unknown> | undefined,
  what: string,
): "found" | "not-found" | { problem: string } {
  if (read === undefined) return { problem: `${what} was not looked up` };
  if (!read.ok) return { problem: `${what} could not be looked up: ${read.error}` };
  return read.value === undefined ? "not-found" : "found";
}

function valueOf<T>(read: Read<T | undefined> | undefined): T | undefined {
  return read?.ok === true ? read.value : undefined;
}

/**
 * Judges the key store of a consumer's key from what was read. Pure. The rules, in order:
 * - the vault (ARM) could not be read: unreadable;
 * - ARM does not know the vault: if the key still answers on the data plane the vault is only out of
 *   the service's sight (unreadable; for a Managed HSM pool, whose `managedHSMs` resource ARM does
 *   not show, the same); a soft-deleted key found there makes it `key-deleted`; otherwise the vault is
 *   deleted (soft-deleted when the deleted-vault lookup finds it, else purged or out of sight);
 * - the vault is there but the key has no versions: `key-deleted` (soft-deleted when the
 *   deleted-key lookup finds it, else purged);
 * - the version in use is not among the key's versions, or a read failed: unreadable;
 * - otherwise `present`.
 */
export function keyStoreStateOf(key: KeyRef, reads: KeyStoreReads): KeyStoreState {
  const host = hostOf(key.vaultUrl);
  const keyText = `the key ${key.vaultUrl}/keys/${key.keyName}`;
  const versions = reads.keyVersions;
  const versionsListed = versions?.ok === true && versions.value !== undefined && versions.value.length > 0;
  const versionsGone = versions?.ok === true && !versionsListed;
  const vault = reads.vault;
  if (vault === undefined) return { kind: "unreadable", reason: `the key vault ${host} was not read` };
  if (!vault.ok)
    return { kind: "unreadable", reason: `the key vault ${host} could not be read: ${vault.error}` };
  if (vault.value === undefined) {
    if (versionsListed) {
      return {
        kind: "unreadable",
        reason: isManagedHsm(key.vaultUrl)
          ? `${keyText} answers, but the Managed HSM pool ${host} (Microsoft.KeyVault/managedHSMs) is not visible to the service through Resource Graph or ARM: its soft delete, purge protection and access cannot be checked`
          : `the key vault ${host} is not visible to the service through Resource Graph or ARM although ${keyText} answers: its soft delete, purge protection and access cannot be checked`,
      };
    }
    const deletedKey = valueOf(reads.deletedKey);
    if (deletedKey !== undefined) return { kind: "key-deleted", deletedKey, lookup: "found" };
    if (isManagedHsm(key.vaultUrl)) {
      if (!versionsGone)
        return {
          kind: "unreadable",
          reason: `${keyText} could not be read: ${versions === undefined ? "not read" : versions.ok ? "no answer" : versions.error}`,
        };
      return { kind: "key-deleted", lookup: lookupOf(reads.deletedKey, "the deleted key") };
    }
    const deletedVault = valueOf(reads.deletedVault);
    return {
      kind: "vault-deleted",
      ...(deletedVault === undefined ? {} : { deletedVault }),
      lookup: lookupOf(reads.deletedVault, "the deleted vault"),
    };
  }
  if (versions === undefined)
    return { kind: "unreadable", reason: `the versions of ${keyText} were not read` };
  if (!versions.ok)
    return { kind: "unreadable", reason: `the versions of ${keyText} could not be read: ${versions.error}` };
  if (versionsGone) {
    const deletedKey = valueOf(reads.deletedKey);
    return {
      kind: "key-deleted",
      vault: vault.value,
      ...(deletedKey === undefined ? {} : { deletedKey }),
      lookup: lookupOf(reads.deletedKey, "the deleted key"),
    };
  }
  let currentKey: KeyVersionFacts | undefined;
  if (key.version !== undefined) {
    const read = reads.keyVersion;
    if (read === undefined) return { kind: "unreadable", reason: `${key.keyId} was not read` };
    if (!read.ok) return { kind: "unreadable", reason: `${key.keyId} could not be read: ${read.error}` };
    if (read.value === undefined)
      return {
        kind: "unreadable",
        reason: `the version ${key.version} the resource uses is not among the versions of ${keyText}`,
      };
    currentKey = read.value;
  }
  return {
    kind: "present",
    vault: vault.value,
    ...(currentKey === undefined ? {} : { currentKey }),
    newest: newestVersion(versions.value ?? []),
    ...(reads.roleAssignments === undefined ? {} : { roleAssignments: reads.roleAssignments }),
  };
}
