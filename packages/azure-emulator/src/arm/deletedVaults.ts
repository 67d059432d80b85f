import { armError } from "../armError.js";
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from "../emulatorTypes.js";
import type { ArmResource, TenantDeletedVault } from "../tenantFile.js";
import type { TenantState } from "../tenantState.js";
import { page } from "./resourceLists.js";

/*
 * Soft-deleted key vaults, as Microsoft.KeyVault serves them (keyvault.json 2024-11-01, vendored in
 * the product's conformance material): `GET /subscriptions/{s}/providers/Microsoft.KeyVault/deletedVaults`
 * lists them, `GET .../locations/{location}/deletedVaults/{name}` reads one (`DeletedVault`: id, name,
 * type, properties {vaultId, location, deletionDate, scheduledPurgeDate, tags, purgeProtectionEnabled}).
 * Deleting a vault with soft delete through ARM records it here and takes its data plane away.
 * Recovery (`createMode: recover`) and purge are not emulated.
 */

/** A request for the deleted vaults of a subscription, or for one of them. */
export interface DeletedVaultRoute {
  readonly subscriptionId: string;
  /** Both set for one deleted vault; both absent for the subscription's list. */
  readonly location?: string | undefined;
  readonly name?: string | undefined;
}

const listPath = /^\/+subscriptions\/([^/]+)\/providers\/microsoft\.keyvault\/deletedvaults\/?$/i;
const onePath =
  /^\/+subscriptions\/([^/]+)\/providers\/microsoft\.keyvault\/locations\/([^/]+)\/deletedvaults\/([^/]+)\/?$/i;

/** Location as ARM writes it in ids: lower case without spaces (`West Europe` is `westeurope`). */
function locationKey(location: string): string {
  return location.toLowerCase().replace(/\s+/g, "");
}

function deletedVaultId(subscriptionId: string, location: string, name: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.KeyVault/locations/${locationKey(location)}/deletedVaults/${name}`;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The deleted-vault request a path addresses, or undefined for any other path. */
export function deletedVaultRoute(pathname: string): DeletedVaultRoute | undefined {
  const list = listPath.exec(pathname);
  if (list !== null) return { subscriptionId: decode(list[1] ?? "") };
  const one = onePath.exec(pathname);
  if (one === null) return undefined;
  return {
    subscriptionId: decode(one[1] ?? ""),
    location: decode(one[2] ?? ""),
    name: decode(one[3] ?? ""),
  };
}

/** Answers a deleted-vault request (GET only; the caller checked the subscription). */
export function answerDeletedVaults(
  state: TenantState,
  request: EmulatorRequest,
  route: DeletedVaultRoute,
  pageSize: number,
): EmulatorResponse {
  if (route.location === undefined || route.name === undefined) {
    return page(state.deletedVaults(route.subscriptionId), request, pageSize);
  }
  const deleted = state.getDeletedVault(deletedVaultId(route.subscriptionId, route.location, route.name));
  return deleted === undefined
    ? armError(
        404,
        "ResourceNotFound",
        `The deleted vault '${route.name}' was not found in location '${route.location}' of subscription '${route.subscriptionId}'.`,
      )
    : jsonResponse(200, deleted);
}

function recordOf(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/** Whether a resource is a key vault (`Microsoft.KeyVault/vaults`). */
export function isKeyVault(resource: Pick<ArmResource, "type">): boolean {
  return resource.type.toLowerCase() === "microsoft.keyvault/vaults";
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * What deleting a vault through ARM does beyond removing the resource: with soft delete on (the
 * default; only an explicit `enableSoftDelete: false` turns it off) the vault is kept as a deleted
 * vault until its retention period ends; either way its data plane is gone. Role assignments
 * scoped to it go with the resource tree (Azure deletes them too, and recovery does not bring them
 * back).
 */
export function recordVaultDeletion(state: TenantState, vault: ArmResource, now: number): void {
  const properties = recordOf(vault.properties);
  const vaultUri = properties.vaultUri;
  if (typeof vaultUri === "string") {
    try {
      state.removeVault(new URL(vaultUri).host);
    } catch {
      // A vault without a usable URI has no data plane to take away.
    }
  }
  if (properties.enableSoftDelete === false) return;
  const subscriptionId = /^\/subscriptions\/([^/]+)/i.exec(vault.id)?.[1];
  if (subscriptionId === undefined) return;
  const location = vault.location ?? "westeurope";
  const days =
    typeof properties.softDeleteRetentionInDays === "number" ? properties.softDeleteRetentionInDays : 90;
  const deleted: TenantDeletedVault = {
    id: deletedVaultId(subscriptionId, location, vault.name),
    name: vault.name,
    type: "Microsoft.KeyVault/deletedVaults",
    properties: {
      vaultId: vault.id,
      location: locationKey(location),
      deletionDate: new Date(now).toISOString(),
      scheduledPurgeDate: new Date(now + days * dayMs).toISOString(),
      tags: { ...(vault.tags ?? {}) },
      purgeProtectionEnabled: properties.enablePurgeProtection === true,
    },
  };
  state.addDeletedVault(deleted);
}
