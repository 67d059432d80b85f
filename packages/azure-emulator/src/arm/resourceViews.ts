import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from "../emulatorTypes.js";
import type { ArmResource } from "../tenantFile.js";
import type { TenantState } from "../tenantState.js";
import { parentResourceNotFound } from "./armErrors.js";
import { page } from "./resourceLists.js";
import { field } from "./validation/bodyFields.js";

/*
 * Read-only views ARM serves beside a resource, computed from the tenant state:
 * - `GET {vm}/instanceView` (ComputeRP `VirtualMachines_InstanceView`, example
 *   VirtualMachine_Get_InstanceView.json): the VM's `properties.instanceView`, which a plain GET of
 *   the VM does not include (only `$expand=instanceView` does);
 * - `GET {set}/associatedResources` (DiskRP `DiskEncryptionSets_ListAssociatedResources`, example
 *   DiskEncryptionSet_ListAssociatedResources.json): the ids of the disks and snapshots encrypted
 *   with the set, through `encryption.diskEncryptionSetId` or, for confidential VM disks,
 *   `securityProfile.secureVMDiskEncryptionSetId`; paged as `{value: [ids], nextLink}`.
 */

type View = (
  state: TenantState,
  parent: ArmResource,
  request: EmulatorRequest,
  pageSize: number,
) => EmulatorResponse;

const sameId = (a: unknown, b: string): boolean =>
  typeof a === "string" && a.toLowerCase() === b.toLowerCase();

const views: ReadonlyMap<string, View> = new Map<string, View>([
  [
    "microsoft.compute/virtualmachines/instanceview",
    (_state, vm) => jsonResponse(200, field(vm, "properties", "instanceView") ?? { statuses: [] }),
  ],
  [
    "microsoft.compute/diskencryptionsets/associatedresources",
    (state, set, request, pageSize) => {
      const ids: string[] = [];
      for (const r of state.scanResources()) {
        const type = r.type.toLowerCase();
        if (type !== "microsoft.compute/disks" && type !== "microsoft.compute/snapshots") continue;
        if (
          sameId(field(r, "properties", "encryption", "diskEncryptionSetId"), set.id) ||
          sameId(field(r, "properties", "securityProfile", "secureVMDiskEncryptionSetId"), set.id)
        )
          ids.push(r.id);
      }
      return page(ids, request, pageSize);
    },
  ],
]);

/** The view a collection path names (`{resource}/instanceView`), or undefined for an ordinary collection. */
export function resourceView(
  state: TenantState,
  route: { type: string; parentId: string; parentIsResource: boolean },
  request: EmulatorRequest,
  pageSize: number,
): EmulatorResponse | undefined {
  const view = route.parentIsResource ? views.get(route.type.toLowerCase()) : undefined;
  if (view === undefined) return undefined;
  const parent = state.getResource(route.parentId);
  if (parent === undefined)
    return parentResourceNotFound(route.parentId.split("/").slice(-1)[0] ?? route.parentId);
  return view(state, parent.body, request, pageSize);
}

/**
 * A virtual machine as a plain GET returns it: without `properties.instanceView`, which ARM only
 * includes with `$expand=instanceView`.
 */
export function withoutInstanceView(body: ArmResource, request: EmulatorRequest): ArmResource {
  if (body.type.toLowerCase() !== "microsoft.compute/virtualmachines") return body;
  if ((request.url.searchParams.get("$expand") ?? "").toLowerCase() === "instanceview") return body;
  const properties = body.properties;
  if (properties?.instanceView === undefined) return body;
  const { instanceView: _hidden, ...rest } = properties;
  return { ...body, properties: rest };
}
