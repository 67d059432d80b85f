import { tryParseResourceId } from "../ids/armPath.js";
import { armError } from "../armError.js";
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from "../emulatorTypes.js";
import type { ArmResource } from "../tenantFile.js";
import type { TenantState } from "../tenantState.js";
import { parentResourceNotFound, resourceGroupNotFound } from "./armErrors.js";
import type { ArmRoute } from "./armRoutes.js";
import { InvalidSkipTokenError, pageOf } from "./paging.js";
import { ResourceFilterError, parseResourceFilter } from "./resourceFilter.js";
import { resourceGroupBody } from "./tenantScopes.js";

/** A query parameter by case-insensitive name (ARM accepts `$filter`, `$Filter`, ...). */
export function queryParam(url: URL, name: string): string | null {
  for (const [key, value] of url.searchParams) if (key.toLowerCase() === name.toLowerCase()) return value;
  return null;
}

/** Answers one page of `items` (200), or 400 for a skip token this emulator did not issue. */
export function page(
  items: readonly unknown[],
  request: EmulatorRequest,
  pageSize: number,
): EmulatorResponse {
  try {
    return jsonResponse(200, pageOf(items, request.url, pageSize));
  } catch (error) {
    if (error instanceof InvalidSkipTokenError) return armError(400, error.code, error.message);
    throw error;
  }
}

/** The `/resources` list omits `properties` (as ARM does) unless `$expand` asks for provisioningState. */
function genericResource(resource: Readonly<ArmResource>, expand: string | null): Record<string, unknown> {
  const { properties, ...rest } = structuredClone(resource) as ArmResource;
  const out: Record<string, unknown> = rest;
  if (expand !== null && /provisioningState/i.test(expand) && properties?.provisioningState !== undefined) {
    out.properties = { provisioningState: properties.provisioningState };
  }
  return out;
}

/**
 * `GET /subscriptions/{s}[/resourceGroups/{rg}]/resources`: tracked resources, `$filter`, `$top`,
 * `$expand=provisioningState`.
 */
export function listResources(
  state: TenantState,
  pageSize: number,
  request: EmulatorRequest,
  route: Extract<ArmRoute, { kind: "resources" }>,
): EmulatorResponse {
  if (
    route.resourceGroup !== undefined &&
    resourceGroupBody(state, route.subscriptionId, route.resourceGroup) === undefined
  ) {
    return resourceGroupNotFound(route.resourceGroup);
  }
  const filterText = queryParam(request.url, "$filter");
  let predicate: (r: Readonly<ArmResource>) => boolean = () => true;
  if (filterText !== null && filterText.trim() !== "") {
    try {
      predicate = parseResourceFilter(filterText);
    } catch (error) {
      if (error instanceof ResourceFilterError) return armError(400, error.code, error.message);
      throw error;
    }
  }
  const sub = route.subscriptionId.toLowerCase();
  const rg = route.resourceGroup?.toLowerCase();
  const expand = queryParam(request.url, "$expand");
  const items: Record<string, unknown>[] = [];
  for (const r of state.scanResources()) {
    const parsed = tryParseResourceId(r.id);
    // Only tracked resources (those with a location) are listed: not resource groups, child,
    // extension or proxy resources such as role assignments.
    if (parsed === undefined || parsed.isExtension || parsed.types.length > 1 || r.location === undefined)
      continue;
    if (parsed.type.toLowerCase() === "microsoft.resources/resourcegroups") continue;
    if (parsed.subscriptionId.toLowerCase() !== sub || parsed.resourceGroup === undefined) continue;
    if (rg !== undefined && parsed.resourceGroup.toLowerCase() !== rg) continue;
    if (predicate(r)) items.push(genericResource(r, expand));
  }
  const top = Number(queryParam(request.url, "$top") ?? Number.NaN);
  return page(Number.isInteger(top) && top > 0 ? items.slice(0, top) : items, request, pageSize);
}

/**
 * `GET {parent}/{type}`: the resources of one type under a resource group or parent resource, or
 * under a whole subscription for a top-level type listed at subscription scope.
 */
export function listCollection(
  state: TenantState,
  pageSize: number,
  request: EmulatorRequest,
  route: Extract<ArmRoute, { kind: "collection" }>,
): EmulatorResponse {
  if (
    route.resourceGroup !== undefined &&
    resourceGroupBody(state, route.subscriptionId, route.resourceGroup) === undefined
  ) {
    return resourceGroupNotFound(route.resourceGroup);
  }
  if (route.parentIsResource && state.getResource(route.parentId) === undefined) {
    return parentResourceNotFound(route.parentId.split("/").slice(-1)[0] ?? route.parentId);
  }
  const type = route.type.toLowerCase();
  const prefix = `${route.path.toLowerCase()}/`;
  // A top-level type listed at subscription scope covers every resource group (ARM's "list by subscription").
  const bySubscription =
    !route.parentIsResource &&
    route.resourceGroup === undefined &&
    !type.slice(type.indexOf("/") + 1).includes("/");
  const sub = route.subscriptionId.toLowerCase();
  const items: ArmResource[] = [];
  for (const r of state.scanResources()) {
    if (r.type.toLowerCase() !== type) continue;
    const id = r.id.toLowerCase();
    const direct = id.startsWith(prefix) && !id.slice(prefix.length).includes("/");
    const parsed = bySubscription && !direct ? tryParseResourceId(r.id) : undefined;
    const inSubscription = parsed?.subscriptionId.toLowerCase() === sub && !parsed.isExtension;
    if (direct || inSubscription) items.push(structuredClone(r));
  }
  return page(items, request, pageSize);
}
