import type {
  DeletedKeyFacts,
  DeletedVaultFacts,
  KeyVersionFacts,
  RoleAssignmentFacts,
  VaultFacts,
} from "../keyStores/keyFacts.js";
import type { ArmResourceJson } from "../arm/armResource.js";
import type { ConsumerRule } from "../consumers/consumerRule.js";
import type { GraphScope } from "./graphScope.js";

/** A key version as listed (no key material, no type or size). */
export interface KeyVersionSummary {
  keyId: string;
  version: string;
  enabled: boolean;
  createdOn: Date;
  notBefore?: Date | undefined;
  expiresOn?: Date | undefined;
}

/** A consumer found by the tenant-wide query. */
export interface ConsumerRow {
  id: string;
  type: string;
  subscriptionId: string;
}

/**
 * Everything the rotation engine reads from and writes to Azure. The Azure adapter implements it
 * with the SDK clients; the engine never touches a client directly.
 */
export interface RotationPort {
  /** Every consumer of the key in any version, page by page. */
  findConsumers(key: { vaultUrl: string; keyName: string }, scope: GraphScope): AsyncIterable<ConsumerRow[]>;
  /** The resource as ARM GET returns it; undefined when it does not exist. */
  readResource(resourceId: string): Promise<ArmResourceJson | undefined>;
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
  /** Applies an ARM merge patch to a consumer and waits for the long-running operation. */
  patchConsumer(resource: ArmResourceJson, rule: ConsumerRule, patch: Record<string, unknown>): Promise<void>;
  /** Applies an ARM merge patch (wire shape) to any resource the service writes, waiting for the operation. */
  patchResource(resource: ArmResourceJson, patch: Record<string, unknown>): Promise<void>;
  /** Whether any resource is encrypted with a key of this vault. */
  vaultHoldsCustomerKeys(vaultUrl: string, scope: GraphScope): Promise<boolean>;
  /**
   * Runs a Resource Graph query and yields its rows page by page (`$skipToken`), so a caller
   * walking the whole tenant holds one page at a time.
   */
  queryResources(query: string, scope: GraphScope): AsyncIterable<Record<string, unknown>[]>;
}
