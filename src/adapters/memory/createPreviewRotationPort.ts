import { applyJsonMergePatch } from "../../core/arm/jsonMergePatch.js";
import type { ArmResourceJson } from "../../core/arm/armResource.js";
import type { RotationPort } from "../../core/ports/rotationPort.js";

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
 * answer after the PATCH (the merge patch applied to it), so the engine's verify-after-write holds
 * and later events of the run see the resource as `--apply` would have left it. Resource Graph
 * queries still answer from `live`, as Resource Graph lags ARM writes in Azure too.
 */
export function createPreviewRotationPort(live: RotationPort): PreviewRotationPort {
  const written = new Map<string, ArmResourceJson>();
  const plannedWrites: PlannedWrite[] = [];
  const write = (resource: ArmResourceJson, patch: Record<string, unknown>): Promise<void> => {
    const key = resource.id.toLowerCase();
    const base = written.get(key) ?? resource;
    written.set(key, applyJsonMergePatch(base, patch) as ArmResourceJson);
    plannedWrites.push({ resourceId: resource.id, patch: structuredClone(patch) });
    return Promise.resolve();
  };
  return {
    plannedWrites,
    findConsumers: (key, scope) => live.findConsumers(key, scope),
    async readResource(resourceId) {
      const own = written.get(resourceId.toLowerCase());
      return own === undefined ? live.readResource(resourceId) : structuredClone(own);
    },
    listKeyVersions: (vaultUrl, keyName) => live.listKeyVersions(vaultUrl, keyName),
    getKeyVersion: (vaultUrl, keyName, version) => live.getKeyVersion(vaultUrl, keyName, version),
    readVault: (vaultUrl, armId) => live.readVault(vaultUrl, armId),
    listRoleAssignments: (scope, principalId) => live.listRoleAssignments(scope, principalId),
    patchConsumer: (resource, _rule, patch) => write(resource, patch),
    patchResource: (resource, patch) => write(resource, patch),
    vaultHoldsCustomerKeys: (vaultUrl, scope) => live.vaultHoldsCustomerKeys(vaultUrl, scope),
    queryResources: (query, scope) => live.queryResources(query, scope),
  };
}
