import type {
  DeletedKeyFacts,
  DeletedVaultFacts,
  KeyVersionFacts,
  RoleAssignmentFacts,
  VaultFacts,
} from "../keyStores/keyFacts.js";
import type { ArmResourceJson } from "../arm/armResource.js";
import type { GraphScope } from "./graphScope.js";
import type { MlWorkspacePort } from "./mlWorkspacePort.js";

/** A key version as listed (no key material, no type or size). */
export interface KeyVersionSummary {
  keyId: string;
  version: string;
  enabled: boolean;
  createdOn: Date;
  notBefore?: Date | undefined;
  expiresOn?: Date | undefined;
}

/** A resource as ARM GET returned it, and the ETag ARM sent with it (header or body `etag`). */
export interface VersionedResource {
  resource: ArmResourceJson;
  etag?: string | undefined;
}

/** Stable code of {@link PreconditionFailedError}. */
export type PreconditionFailedCode = "PreconditionFailed";

/** A conditional write found the resource changed since the read it was built from (HTTP 412). */
export class PreconditionFailedError extends Error {
  readonly code: PreconditionFailedCode = "PreconditionFailed";
  constructor(readonly resourceId: string) {
    super(`${resourceId} changed since it was read; the write was not made`);
    this.name = "PreconditionFailedError";
  }
}

/** A consumer found by the tenant-wide query. */
export interface ConsumerRow {
  id: string;
  type: string;
  subscriptionId: string;
}

/** One page of a key's consumers and Resource Graph's continuation to the next, if any. */
export interface ConsumerPage {
  rows: ConsumerRow[];
  /** Resource Graph's `$skipToken`; absent on the last page. */
  skipToken?: string | undefined;
}

/**
 * Everything the rotation engine reads from and writes to Azure (and, through
 * {@link MlWorkspacePort}, what the Machine Learning re-creation kit lists). The Azure adapter
 * implements it with the SDK clients; the engine never touches a client directly.
 */
export interface RotationPort extends MlWorkspacePort {
  /** Every consumer of the key in any version, page by page. */
  findConsumers(key: { vaultUrl: string; keyName: string }, scope: GraphScope): AsyncIterable<ConsumerRow[]>;
  /**
   * One page of the key's consumers (the query of {@link findConsumers}), from the start or from
   * the `$skipToken` a previous page returned: a page can be planned by one queued job.
   */
  findConsumersPage(
    key: { vaultUrl: string; keyName: string },
    scope: GraphScope,
    skipToken?: string,
  ): Promise<ConsumerPage>;
  /** The resource as ARM GET returns it; undefined when it does not exist. */
  readResource(resourceId: string): Promise<ArmResourceJson | undefined>;
  /**
   * The resource as ARM GET returns it (the JSON body itself, every field kept) with the ETag ARM
   * sent for it, for a write to be conditioned on; undefined when it does not exist.
   */
  readVersioned(resourceId: string): Promise<VersionedResource | undefined>;
  /** All versions of a key; undefined when the key does not exist. */
  listKeyVersions(vaultUrl: string, keyName: string): Promise<KeyVersionSummary[] | undefined>;
  /** Full facts of one version (type, size, operations); undefined when it does not exist. */
  getKeyVersion(vaultUrl: string, keyName: string, version: string): Promise<KeyVersionFacts | undefined>;
  /** The vault behind a URL; `armId` when the consumer records it. Undefined when not found. */
  readVault(vaultUrl: string, armId?: string): Promise<VaultFacts | undefined>;
  /**
   * The soft-deleted key of this name in the vault (or Managed HSM pool); undefined when there is
   * none: never deleted, purged, or deleted from a vault without soft delete.
   */
  getDeletedKey(vaultUrl: string, keyName: string): Promise<DeletedKeyFacts | undefined>;
  /** The soft-deleted vault of this name in a subscription and location; undefined when there is none. */
  readDeletedVault(
    subscriptionId: string,
    location: string,
    vaultName: string,
  ): Promise<DeletedVaultFacts | undefined>;
  /**
   * Role assignments that apply at a scope (at, above or below it): of one principal, or of every
   * principal when none is given (one read for all the consumers of a vault).
   */
  listRoleAssignments(scope: string, principalId?: string): Promise<RoleAssignmentFacts[]>;
  /**
   * The local RBAC role assignments of a Managed HSM pool that can apply to key `keyName` (scopes
   * `/`, `/keys` and `/keys/{name}`), of every principal, from the HSM's data plane.
   * @throws `HsmRoleAssignmentsUnreadableError` (core/keyStores) when the HSM refuses the service (HTTP 403).
   */
  listHsmRoleAssignments(hsmUrl: string, keyName: string): Promise<RoleAssignmentFacts[]>;
  /**
   * Applies an ARM merge patch (wire shape, `properties` nested) to a resource the service writes and
   * waits for the long-running operation. With `ifMatch` the write is conditional on that ETag.
   * Resolves to the resource as the operation's final result (what a GET after it would show), or
   * undefined when the operation ended without one; the caller then reads the resource back.
   * @throws {@link PreconditionFailedError} when the resource changed since that ETag (HTTP 412).
   */
  patchResource(
    resourceId: string,
    patch: Record<string, unknown>,
    options?: { ifMatch?: string | undefined },
  ): Promise<ArmResourceJson | undefined>;
  /**
   * The ids of the disks and snapshots a disk encryption set encrypts (DiskRP
   * `DiskEncryptionSets_ListAssociatedResources`); undefined when the set does not exist.
   */
  listAssociatedResources(setId: string): Promise<string[] | undefined>;
  /**
   * A virtual machine's power state from its instance view (`PowerState/{state}`, lower-case state:
   * `running`, `deallocated`, `stopped`, ...); `unknown` when the instance view reports none;
   * undefined when the VM does not exist.
   */
  readPowerState(vmId: string): Promise<string | undefined>;
  /** Every snapshot of a subscription, as ARM lists them (DiskRP `Snapshots_List`). */
  listSnapshots(subscriptionId: string): Promise<ArmResourceJson[]>;
  /** Whether any resource is encrypted with a key of this vault. */
  vaultHoldsCustomerKeys(vaultUrl: string, scope: GraphScope): Promise<boolean>;
  /**
   * Runs a Resource Graph query and yields its rows page by page (`$skipToken`), so a caller
   * walking the whole tenant holds one page at a time.
   */
  queryResources(query: string, scope: GraphScope): AsyncIterable<Record<string, unknown>[]>;
}
