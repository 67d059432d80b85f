import type { TenantState } from "../tenantState.js";
import type { Row } from "./kql/kqlEvaluate.js";

function groupOf(id: string): string | null {
  return /\/resourceGroups\/([^/]+)/i.exec(id)?.[1]?.toLowerCase() ?? null;
}

function subscriptionOf(id: string): string {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1]?.toLowerCase() ?? "";
}

/**
 * Rows of the `resources` table shaped as Resource Graph returns them: type and resource group
 * lower-cased, subscription and tenant added, absent fields as ARG's defaults. Role assignments are
 * not in this table in Azure (they live in `authorizationresources`), so they are left out.
 */
export function* resourceRows(state: TenantState, subscriptions: ReadonlySet<string>): Iterable<Row> {
  for (const r of state.scanResources()) {
    const type = r.type.toLowerCase();
    if (type === "microsoft.authorization/roleassignments") continue;
    const subscriptionId = subscriptionOf(r.id);
    if (!subscriptions.has(subscriptionId)) continue;
    yield {
      id: r.id,
      name: r.name,
      type,
      tenantId: state.tenantId,
      kind: r.kind ?? "",
      location: r.location ?? "",
      resourceGroup: groupOf(r.id),
      subscriptionId,
      managedBy: r.managedBy ?? "",
      sku: r.sku ?? null,
      plan: r.plan ?? null,
      properties: r.properties ?? null,
      tags: r.tags ?? null,
      identity: r.identity ?? null,
      zones: r.zones ?? null,
      extendedLocation: r.extendedLocation ?? null,
    };
  }
}

/** Rows of `resourcecontainers`: subscriptions and the resource groups that hold resources. */
export function* resourceContainerRows(
  state: TenantState,
  subscriptions: ReadonlySet<string>,
): Iterable<Row> {
  for (const s of state.subscriptions()) {
    const id = s.subscriptionId.toLowerCase();
    if (!subscriptions.has(id)) continue;
    yield {
      id: `/subscriptions/${s.subscriptionId}`,
      name: s.displayName,
      type: "microsoft.resources/subscriptions",
      tenantId: state.tenantId,
      subscriptionId: s.subscriptionId,
      resourceGroup: "",
      properties: {
        state: s.state ?? "Enabled",
        managementGroupAncestorsChain:
          s.managementGroupId === undefined ? [] : [{ name: s.managementGroupId }],
      },
    };
  }
  const groups = new Map<string, Row>();
  for (const r of state.scanResources()) {
    const group = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)/i.exec(r.id);
    if (group === null) continue;
    const sub = (group[1] ?? "").toLowerCase();
    if (!subscriptions.has(sub)) continue;
    const id = `/subscriptions/${group[1] ?? ""}/resourceGroups/${group[2] ?? ""}`;
    if (groups.has(id.toLowerCase())) continue;
    groups.set(id.toLowerCase(), {
      id,
      name: group[2] ?? "",
      type: "microsoft.resources/subscriptions/resourcegroups",
      tenantId: state.tenantId,
      subscriptionId: sub,
      resourceGroup: (group[2] ?? "").toLowerCase(),
      location: r.location ?? "",
      properties: { provisioningState: "Succeeded" },
    });
  }
  yield* groups.values();
}
