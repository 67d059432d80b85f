import type { ParsedResourceId } from "../ids/armPath.js";
import { tryParseResourceId } from "../ids/armPath.js";
import type { ArmResource, TenantSubscription } from "../tenantFile.js";
import type { TenantState } from "../tenantState.js";

/**
 * Subscriptions and resource groups as ARM shows them. Resource groups need no entry of their own
 * in the tenant file: a group exists when it has an explicit `Microsoft.Resources/resourceGroups`
 * resource or holds at least one resource.
 */

/** `/subscriptions/{s}/resourceGroups/{rg}`. */
export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

/** The group's explicit entry, or one derived from the resources in it; undefined when it does not exist. */
export function resourceGroupBody(
  state: TenantState,
  subscriptionId: string,
  resourceGroup: string,
): ArmResource | undefined {
  const id = resourceGroupId(subscriptionId, resourceGroup);
  const explicit = state.getResource(id);
  if (explicit !== undefined) return explicit.body;
  const prefix = `${id.toLowerCase()}/`;
  for (const r of state.scanResources()) {
    if (r.id.toLowerCase().startsWith(prefix)) {
      const name = r.id.split("/")[4] ?? resourceGroup;
      return {
        id: resourceGroupId(r.id.split("/")[2] ?? subscriptionId, name),
        name,
        type: "Microsoft.Resources/resourceGroups",
        location: r.location ?? "eastus",
        properties: { provisioningState: "Succeeded" },
      };
    }
  }
  return undefined;
}

/** Every resource group of a subscription, explicit or derived, in first-seen order. */
export function listResourceGroups(state: TenantState, subscriptionId: string): ArmResource[] {
  const seen = new Map<string, ArmResource>();
  const sub = subscriptionId.toLowerCase();
  for (const r of state.scanResources()) {
    const parsed = tryParseResourceId(r.id);
    if (parsed?.resourceGroup === undefined || parsed.subscriptionId.toLowerCase() !== sub) continue;
    const key = parsed.resourceGroup.toLowerCase();
    if (seen.has(key)) continue;
    const body = resourceGroupBody(state, parsed.subscriptionId, parsed.resourceGroup);
    if (body !== undefined) seen.set(key, body);
  }
  return [...seen.values()];
}

/** The subscription as `GET /subscriptions/{id}` returns it. */
export function subscriptionBody(
  subscription: TenantSubscription,
  tenantId: string,
): Record<string, unknown> {
  return {
    id: `/subscriptions/${subscription.subscriptionId}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: subscription.subscriptionId,
    tenantId,
    displayName: subscription.displayName,
    state: subscription.state ?? "Enabled",
    subscriptionPolicies: {
      locationPlacementId: "Public_2014-09-01",
      quotaId: "PayAsYouGo_2014-09-01",
      spendingLimit: "Off",
    },
  };
}

/**
 * Deletes a resource and everything below it (child and extension resources, or a whole resource
 * group's contents), as ARM does. Returns whether the resource itself existed.
 */
export function deleteResourceTree(state: TenantState, id: string): boolean {
  const prefix = `${id.toLowerCase()}/`;
  const below: string[] = [];
  for (const r of state.scanResources()) if (r.id.toLowerCase().startsWith(prefix)) below.push(r.id);
  for (const childId of below) state.deleteResource(childId);
  return state.deleteResource(id);
}

/** Whether the id names a resource group itself. */
export function isResourceGroupId(parsed: ParsedResourceId): boolean {
  return parsed.type.toLowerCase() === "microsoft.resources/resourcegroups";
}
