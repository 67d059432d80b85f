import { createHash, randomUUID } from "node:crypto";
import type {
  ArmResource,
  TenantDeletedVault,
  TenantFile,
  TenantHsmRoleAssignment,
  TenantKeyVersion,
  TenantSubscription,
} from "./tenantFile.js";

/** A stored resource with the ETag ARM hands out for it. */
export interface StoredResource {
  body: ArmResource;
  etag: string;
}

/** One vault's keys: lower-cased key name -> versions (original names kept in `name`). */
export interface StoredKey {
  name: string;
  versions: TenantKeyVersion[];
}

/** A soft-deleted key: its versions, kept for recovery until the purge date. */
export interface StoredDeletedKey extends StoredKey {
  /** ISO 8601. */
  deletedDate: string;
  /** ISO 8601; absent when the tenant file gave none (the vault's retention period applies). */
  scheduledPurgeDate?: string | undefined;
}

export interface StoredVault {
  /** The vault URL as the tenant file spells it, without trailing slash, e.g. `https://kv-cmk.vault.azure.net`. */
  url: string;
  keys: Map<string, StoredKey>;
  /** Soft-deleted keys by lower-cased name. */
  deletedKeys: Map<string, StoredDeletedKey>;
  /** A Managed HSM pool's local RBAC role assignments (empty for a vault). */
  roleAssignments: TenantHsmRoleAssignment[];
}

function newEtag(): string {
  return `"${randomUUID()}"`;
}

/**
 * The ETag of a resource as loaded from a tenant file: derived from its JSON, so the same file loaded
 * twice (two `--tenant` runs) serves the same ETags, as Azure serves one resource's ETag until it is
 * written. Every write gives a fresh one.
 */
function seededEtag(resource: unknown): string {
  return `"${createHash("sha256").update(JSON.stringify(resource)).digest("hex").slice(0, 32)}"`;
}

/**
 * The emulated tenant: every resource, subscription and key version, addressed case-insensitively
 * like Azure does. Handlers read and write through this one object; `toTenantFile` writes it back out.
 * Getters return deep copies so a caller can never change state by accident.
 */
export class TenantState {
  readonly tenantId: string;
  private readonly subscriptionsById = new Map<string, TenantSubscription>();
  private readonly resourcesById = new Map<string, StoredResource>();
  private readonly vaultsByHost = new Map<string, StoredVault>();
  /** Soft-deleted vaults by lower-cased id (`.../locations/{l}/deletedVaults/{name}`). */
  private readonly deletedVaultsById = new Map<string, TenantDeletedVault>();
  private resourceRevision = 0;

  constructor(tenant: TenantFile) {
    const copy = structuredClone(tenant);
    this.tenantId = copy.tenantId;
    for (const s of copy.subscriptions) this.subscriptionsById.set(s.subscriptionId.toLowerCase(), s);
    for (const r of copy.resources)
      this.resourcesById.set(r.id.toLowerCase(), { body: r, etag: seededEtag(r) });
    for (const [url, vault] of Object.entries(copy.keyVaults)) {
      const clean = url.replace(/\/+$/, "");
      const keys = new Map<string, StoredKey>();
      for (const [name, versions] of Object.entries(vault.keys))
        keys.set(name.toLowerCase(), { name, versions });
      const deletedKeys = new Map<string, StoredDeletedKey>();
      for (const [name, deleted] of Object.entries(vault.deletedKeys ?? {}))
        deletedKeys.set(name.toLowerCase(), { name, ...deleted });
      this.vaultsByHost.set(new URL(clean).host.toLowerCase(), {
        url: clean,
        keys,
        deletedKeys,
        roleAssignments: vault.roleAssignments ?? [],
      });
    }
    for (const deleted of copy.deletedVaults ?? [])
      this.deletedVaultsById.set(deleted.id.toLowerCase(), deleted);
  }

  /** All subscriptions, in file order. */
  subscriptions(): TenantSubscription[] {
    return [...this.subscriptionsById.values()].map((s) => structuredClone(s));
  }

  getSubscription(subscriptionId: string): TenantSubscription | undefined {
    const s = this.subscriptionsById.get(subscriptionId.toLowerCase());
    return s === undefined ? undefined : structuredClone(s);
  }

  /** A deep copy of the resource and its ETag, or undefined. */
  getResource(id: string): StoredResource | undefined {
    const r = this.resourcesById.get(id.toLowerCase());
    return r === undefined ? undefined : { body: structuredClone(r.body), etag: r.etag };
  }

  /** Creates or replaces a resource; returns whether it was created and its new ETag. */
  putResource(body: ArmResource): { created: boolean; etag: string } {
    const key = body.id.toLowerCase();
    const created = !this.resourcesById.has(key);
    const etag = newEtag();
    this.resourcesById.set(key, { body: structuredClone(body), etag });
    this.resourceRevision++;
    return { created, etag };
  }

  /** Removes a resource; returns whether it existed. */
  deleteResource(id: string): boolean {
    const existed = this.resourcesById.delete(id.toLowerCase());
    if (existed) this.resourceRevision++;
    return existed;
  }

  /**
   * Changes with every resource write or delete, so a cached query result (Resource Graph paging)
   * can tell that it no longer matches the tenant.
   */
  get revision(): number {
    return this.resourceRevision;
  }

  /**
   * Iterates over stored resources WITHOUT copying, for read-only scans (lists, Resource Graph).
   * Callers must not mutate what they get.
   */
  *scanResources(): IterableIterator<Readonly<ArmResource>> {
    for (const r of this.resourcesById.values()) yield r.body;
  }

  /** Number of resources. */
  get resourceCount(): number {
    return this.resourcesById.size;
  }

  /** The vault served at this host (e.g. `kv-cmk.vault.azure.net`), case-insensitive. */
  vaultByHost(host: string): StoredVault | undefined {
    return this.vaultsByHost.get(host.toLowerCase());
  }

  /** Every vault. */
  vaults(): IterableIterator<StoredVault> {
    return this.vaultsByHost.values();
  }

  /** The versions of a key, oldest first by `createdOn`; copies. */
  keyVersions(vaultUrl: string, keyName: string): TenantKeyVersion[] | undefined {
    const key = this.vaultByHost(new URL(vaultUrl).host)?.keys.get(keyName.toLowerCase());
    if (key === undefined) return undefined;
    return key.versions
      .map((v) => structuredClone(v))
      .sort((a, b) => Date.parse(a.createdOn) - Date.parse(b.createdOn));
  }

  /** Adds a version to a key, creating the key (but not the vault) if needed. */
  addKeyVersion(vaultUrl: string, keyName: string, version: TenantKeyVersion): void {
    const vault = this.vaultByHost(new URL(vaultUrl).host);
    if (vault === undefined) throw new Error(`no vault at ${vaultUrl}`);
    const existing = vault.keys.get(keyName.toLowerCase());
    if (existing === undefined) vault.keys.set(keyName.toLowerCase(), { name: keyName, versions: [version] });
    else existing.versions.push(structuredClone(version));
  }

  /** Replaces the attributes of one key version; returns false when it does not exist. */
  updateKeyVersion(vaultUrl: string, keyName: string, version: TenantKeyVersion): boolean {
    const key = this.vaultByHost(new URL(vaultUrl).host)?.keys.get(keyName.toLowerCase());
    const index = key?.versions.findIndex((v) => v.version.toLowerCase() === version.version.toLowerCase());
    if (key === undefined || index === undefined || index < 0) return false;
    key.versions[index] = structuredClone(version);
    return true;
  }

  /**
   * Deletes a key with all its versions, as `DELETE {vault}/keys/{name}` does: with `softDelete` it
   * is kept under the vault's deleted keys until recovered; without, it is gone. Returns the
   * deleted key (a copy), or undefined when there was no such key.
   */
  deleteKey(
    vaultUrl: string,
    keyName: string,
    deletion: { deletedDate: string; scheduledPurgeDate?: string | undefined; softDelete: boolean },
  ): StoredDeletedKey | undefined {
    const vault = this.vaultByHost(new URL(vaultUrl).host);
    const key = vault?.keys.get(keyName.toLowerCase());
    if (vault === undefined || key === undefined) return undefined;
    vault.keys.delete(keyName.toLowerCase());
    const deleted: StoredDeletedKey = {
      name: key.name,
      versions: key.versions,
      deletedDate: deletion.deletedDate,
      ...(deletion.scheduledPurgeDate === undefined
        ? {}
        : { scheduledPurgeDate: deletion.scheduledPurgeDate }),
    };
    if (deletion.softDelete) vault.deletedKeys.set(keyName.toLowerCase(), deleted);
    return structuredClone(deleted);
  }

  /** A soft-deleted key of a vault (a copy; versions oldest first by `createdOn`), or undefined. */
  deletedKey(vaultUrl: string, keyName: string): StoredDeletedKey | undefined {
    const deleted = this.vaultByHost(new URL(vaultUrl).host)?.deletedKeys.get(keyName.toLowerCase());
    if (deleted === undefined) return undefined;
    const copy = structuredClone(deleted);
    copy.versions.sort((a, b) => Date.parse(a.createdOn) - Date.parse(b.createdOn));
    return copy;
  }

  /** Moves a soft-deleted key back under the vault's keys; returns false when there is none. */
  recoverKey(vaultUrl: string, keyName: string): boolean {
    const vault = this.vaultByHost(new URL(vaultUrl).host);
    const deleted = vault?.deletedKeys.get(keyName.toLowerCase());
    if (vault === undefined || deleted === undefined) return false;
    vault.deletedKeys.delete(keyName.toLowerCase());
    vault.keys.set(keyName.toLowerCase(), { name: deleted.name, versions: deleted.versions });
    return true;
  }

  /**
   * Takes a vault's data plane away (its host then answers like a name that does not resolve),
   * as deleting the vault through ARM does. Returns whether there was one.
   */
  removeVault(host: string): boolean {
    return this.vaultsByHost.delete(host.toLowerCase());
  }

  /** A soft-deleted vault by id (case-insensitive), as ARM returns it (a copy), or undefined. */
  getDeletedVault(id: string): TenantDeletedVault | undefined {
    const deleted = this.deletedVaultsById.get(id.toLowerCase());
    return deleted === undefined ? undefined : structuredClone(deleted);
  }

  /** The soft-deleted vaults of a subscription (copies), in the order they were deleted. */
  deletedVaults(subscriptionId: string): TenantDeletedVault[] {
    const prefix = `/subscriptions/${subscriptionId.toLowerCase()}/`;
    return [...this.deletedVaultsById.values()]
      .filter((d) => d.id.toLowerCase().startsWith(prefix))
      .map((d) => structuredClone(d));
  }

  /** Records a soft-deleted vault (replacing one with the same id). */
  addDeletedVault(deleted: TenantDeletedVault): void {
    this.deletedVaultsById.set(deleted.id.toLowerCase(), structuredClone(deleted));
  }

  /** The whole state as a tenant file (the contract of docs/emulator.md, "The tenant file"). */
  toTenantFile(): TenantFile {
    const keyVaults: TenantFile["keyVaults"] = {};
    for (const vault of this.vaultsByHost.values()) {
      const keys: Record<string, TenantKeyVersion[]> = {};
      for (const k of vault.keys.values()) keys[k.name] = structuredClone(k.versions);
      const deletedKeys: NonNullable<TenantFile["keyVaults"][string]["deletedKeys"]> = {};
      for (const d of vault.deletedKeys.values()) {
        deletedKeys[d.name] = {
          deletedDate: d.deletedDate,
          ...(d.scheduledPurgeDate === undefined ? {} : { scheduledPurgeDate: d.scheduledPurgeDate }),
          versions: structuredClone(d.versions),
        };
      }
      // Left out when empty, so a tenant without deletions writes back as it was read.
      keyVaults[vault.url] = {
        keys,
        ...(vault.deletedKeys.size === 0 ? {} : { deletedKeys }),
        ...(vault.roleAssignments.length === 0
          ? {}
          : { roleAssignments: structuredClone(vault.roleAssignments) }),
      };
    }
    const deletedVaults = [...this.deletedVaultsById.values()].map((d) => structuredClone(d));
    return {
      tenantId: this.tenantId,
      subscriptions: this.subscriptions(),
      resources: [...this.resourcesById.values()].map((r) => structuredClone(r.body)),
      keyVaults,
      ...(deletedVaults.length === 0 ? {} : { deletedVaults }),
    };
  }
}
