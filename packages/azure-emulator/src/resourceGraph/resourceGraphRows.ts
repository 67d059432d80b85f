import type { TenantState } from "../tenantState.js";
import type { KqlColumn, KqlTable, Row } from "./kql/runKql.js";

/** The columns of `resources` and `resourcecontainers`, as Resource Graph types them. */
export const resourceGraphColumns: readonly KqlColumn[] = [
  { name: "id", type: "string" },
  { name: "name", type: "string" },
  { name: "type", type: "string" },
  { name: "tenantId", type: "string" },
  { name: "kind", type: "string" },
  { name: "location", type: "string" },
  { name: "resourceGroup", type: "string" },
  { name: "subscriptionId", type: "string" },
  { name: "managedBy", type: "string" },
  { name: "sku", type: "dynamic" },
  { name: "plan", type: "dynamic" },
  { name: "properties", type: "dynamic" },
  { name: "tags", type: "dynamic" },
  { name: "identity", type: "dynamic" },
  { name: "zones", type: "dynamic" },
  { name: "extendedLocation", type: "dynamic" },
];

/**
 * Types that Resource Graph keeps out of `resources`: resource groups are in `resourcecontainers`,
 * role assignments and definitions in `authorizationresources` (not emulated).
 */
const notInResources = new Set([
  "microsoft.resources/resourcegroups",
  "microsoft.authorization/roleassignments",
  "microsoft.authorization/roledefinitions",
]);

const scopeOf = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?/i;

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function dyn(value: unknown): unknown {
  return value ?? null;
}

function* resourceRows(state: TenantState, subscriptions: ReadonlySet<string>): Iterable<Row> {
  for (const r of state.scanResources()) {
    const type = r.type.toLowerCase();
    if (notInResources.has(type)) continue;
    const scope = scopeOf.exec(r.id);
    const subscriptionId = scope?.[1] ?? "";
    if (!subscriptions.has(subscriptionId.toLowerCase())) continue;
    yield {
      id: r.id,
      name: r.name,
      type,
      tenantId: state.tenantId,
      kind: str(r.kind),
      location: str(r.location),
      resourceGroup: (scope?.[2] ?? "").toLowerCase(),
      subscriptionId,
      managedBy: str(r.managedBy),
      sku: dyn(r.sku),
      plan: dyn(r.plan),
      properties: dyn(r.properties),
      tags: dyn(r.tags),
      identity: dyn(r.identity),
      zones: dyn(r.zones),
      extendedLocation: dyn(r.extendedLocation),
    };
  }
}

const emptyDynamic = { sku: null, plan: null, identity: null, zones: null, extendedLocation: null };

/**
 * Subscriptions, then resource groups. A group exists when the tenant lists it as a
 * `Microsoft.Resources/resourceGroups` resource or when a resource lives in it (as the ARM
 * emulator decides); an explicit entry supplies location, tags and managedBy.
 */
function* containerRows(state: TenantState, subscriptions: ReadonlySet<string>): Iterable<Row> {
  for (const s of state.subscriptions()) {
    if (!subscriptions.has(s.subscriptionId.toLowerCase())) continue;
    yield {
      id: `/subscriptions/${s.subscriptionId}`,
      name: s.displayName,
      type: "microsoft.resources/subscriptions",
      tenantId: state.tenantId,
      kind: "",
      location: "",
      resourceGroup: "",
      subscriptionId: s.subscriptionId,
      managedBy: "",
      ...emptyDynamic,
      properties: {
        state: s.state ?? "Enabled",
        managementGroupAncestorsChain:
          s.managementGroupId === undefined
            ? []
            : [{ name: s.managementGroupId, displayName: s.managementGroupId }],
      },
      tags: null,
    };
  }
  const groups = new Map<string, Row>();
  for (const r of state.scanResources()) {
    const scope = scopeOf.exec(r.id);
    const subscriptionId = scope?.[1];
    const group = scope?.[2];
    if (subscriptionId === undefined || group === undefined) continue;
    if (!subscriptions.has(subscriptionId.toLowerCase())) continue;
    const key = `${subscriptionId}/${group}`.toLowerCase();
    const explicit =
      r.type.toLowerCase() === "microsoft.resources/resourcegroups" && r.id.split("/").length === 5;
    if (groups.has(key) && !explicit) continue;
    groups.set(key, {
      id: `/subscriptions/${subscriptionId}/resourceGroups/${group}`,
      name: group,
      type: "microsoft.resources/subscriptions/resourcegroups",
      tenantId: state.tenantId,
      kind: "",
      location: str(r.location),
      resourceGroup: group.toLowerCase(),
      subscriptionId,
      managedBy: explicit ? str(r.managedBy) : "",
      ...emptyDynamic,
      properties: explicit ? dyn(r.properties) : { provisioningState: "Succeeded" },
      tags: explicit ? dyn(r.tags) : null,
    });
  }
  yield* groups.values();
}

/**
 * The Resource Graph tables over the tenant, limited to the given subscriptions (lower-case ids).
 * Rows are read lazily from the state and share its objects; queries never modify them.
 */
export function resourceGraphTables(
  state: TenantState,
  subscriptions: ReadonlySet<string>,
): ReadonlyMap<string, KqlTable> {
  const lazy = (rows: () => Iterable<Row>): Iterable<Row> => ({
    [Symbol.iterator]: () => rows()[Symbol.iterator](),
  });
  return new Map([
    ["resources", { columns: resourceGraphColumns, rows: lazy(() => resourceRows(state, subscriptions)) }],
    [
      "resourcecontainers",
      { columns: resourceGraphColumns, rows: lazy(() => containerRows(state, subscriptions)) },
    ],
  ]);
}
