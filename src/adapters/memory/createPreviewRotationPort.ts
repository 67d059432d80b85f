import { applyJsonMergePatch } from "../../core/arm/jsonMergePatch.js";
import type { ArmResourceJson } from "../../core/arm/armResource.js";
import {
  PreconditionFailedError,
  type RotationPort,
  type VersionedResource,
} from "../../core/ports/rotationPort.js";

/** A write a dry run would have made: the resource and the merge patch sent to ARM. */
export interface PlannedWrite {
  readonly resourceId: string;
  readonly patch: Record<string, unknown>;
}

/** A {@link RotationPort} that never writes, and the writes it was asked for. */
export interface PreviewRotationPort extends RotationPort {
  readonly plannedWrites: readonly PlannedWrite[];
}

/**
 * The Azure port of a dry run that previews `--apply`: every read goes to `live`, every write is
 * kept in memory instead of being sent. A resource written in the run reads back as ARM would
 * answer after the PATCH (the merge patch applied to it, with a new ETag), so the engine's
 * verify-after-write holds and later events of the run see the resource as `--apply` would have
 * left it. A conditional write on an ETag that is no longer current is refused as ARM would (412).
 * Resource Graph queries still answer from `live`, as Resource Graph lags ARM writes in Azure too.
 */
export function createPreviewRotationPort(live: RotationPort): PreviewRotationPort {
  const written = new Map<string, VersionedResource>();
  const plannedWrites: PlannedWrite[] = [];
  const current = async (resourceId: string): Promise<VersionedResource | undefined> => {
    const own = written.get(resourceId.toLowerCase());
    return own === undefined ? live.readVersioned(resourceId) : structuredClone(own);
  };
  return {
    plannedWrites,
    findConsumers: (key, scope) => live.findConsumers(key, scope),
    findConsumersPage: (key, scope, skipToken) => live.findConsumersPage(key, scope, skipToken),
    async readResource(resourceId) {
      const own = written.get(resourceId.toLowerCase());
      return own === undefined ? live.readResource(resourceId) : structuredClone(own.resource);
    },
    readVersioned: current,
    listKeyVersions: (vaultUrl, keyName) => live.listKeyVersions(vaultUrl, keyName),
    getKeyVersion: (vaultUrl, keyName, version) => live.getKeyVersion(vaultUrl, keyName, version),
    readVault: (vaultUrl, armId) => live.readVault(vaultUrl, armId),
    getDeletedKey: (vaultUrl, keyName) => live.getDeletedKey(vaultUrl, keyName),
    readDeletedVault: (subscriptionId, location, name) =>
      live.readDeletedVault(subscriptionId, location, name),
    listRoleAssignments: (scope, principalId) => live.listRoleAssignments(scope, principalId),
    listHsmRoleAssignments: (hsmUrl, keyName) => live.listHsmRoleAssignments(hsmUrl, keyName),
    async patchResource(resourceId, patch, options) {
      const before = await current(resourceId);
      if (before === undefined) throw new PreconditionFailedError(resourceId);
      if (options?.ifMatch !== undefined && before.etag !== undefined && options.ifMatch !== before.etag)
        throw new PreconditionFailedError(resourceId);
      const resource = applyJsonMergePatch(before.resource, patch) as ArmResourceJson;
      const etag = `"preview-${plannedWrites.length + 1}"`;
      written.set(resourceId.toLowerCase(), { resource: { ...resource, etag }, etag });
      plannedWrites.push({ resourceId, patch: structuredClone(patch) });
      return { ...resource, etag };
    },
    listAssociatedResources: (setId) => live.listAssociatedResources(setId),
    readPowerState: (vmId) => live.readPowerState(vmId),
    listSnapshots: (subscriptionId) => live.listSnapshots(subscriptionId),
    vaultHoldsCustomerKeys: (vaultUrl, scope) => live.vaultHoldsCustomerKeys(vaultUrl, scope),
    queryResources: (query, scope) => live.queryResources(query, scope),
    listChildResources: (...args) => live.listChildResources(...args),
    listRoleAssignmentsForScope: (scope) => live.listRoleAssignmentsForScope(scope),
    listKeyNames: (vaultUrl, limit) => live.listKeyNames(vaultUrl, limit),
  };
}
