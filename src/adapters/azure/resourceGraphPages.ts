import type { GraphScope } from "../../core/ports/graphScope.js";
import type { AzureClients } from "./azureClients.js";

/** One page of rows. */
export interface GraphPage<Row> {
  rows: Row[];
  pageNumber: number;
}

/** The Resource Graph query that lists the subscriptions under the request's management groups. */
export const managementGroupSubscriptionsQuery =
  "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project subscriptionId";

/** Lists the subscriptions under management groups (and their descendants), lower-cased, in one paged query. */
export async function listManagementGroupSubscriptions(
  clients: AzureClients,
  managementGroups: readonly string[],
): Promise<string[]> {
  const found = new Set<string>();
  for await (const page of resourceGraphPages<{ subscriptionId?: unknown }>(
    clients,
    managementGroupSubscriptionsQuery,
    { managementGroups },
  )) {
    for (const row of page.rows) {
      if (typeof row.subscriptionId === "string" && row.subscriptionId !== "")
        found.add(row.subscriptionId.toLowerCase());
    }
  }
  return [...found].sort();
}

// Subscriptions under management groups, per client set and group list, for a few minutes: a scope
// naming both subscriptions and groups is queried as one subscription list (see below).
const unionTtlMs = 5 * 60 * 1000;
const groupSubscriptions = new WeakMap<AzureClients, Map<string, { at: number; list: Promise<string[]> }>>();

function subscriptionsUnder(clients: AzureClients, managementGroups: readonly string[]): Promise<string[]> {
  const byGroups =
    groupSubscriptions.get(clients) ?? new Map<string, { at: number; list: Promise<string[]> }>();
  groupSubscriptions.set(clients, byGroups);
  const key = managementGroups
    .map((g) => g.toLowerCase())
    .sort()
    .join(",");
  const now = Date.now();
  const cached = byGroups.get(key);
  if (cached !== undefined && now - cached.at < unionTtlMs) return cached.list;
  const list = listManagementGroupSubscriptions(clients, managementGroups);
  const entry = { at: now, list };
  byGroups.set(key, entry);
  // A failed lookup is not reused.
  list.catch(() => {
    if (byGroups.get(key) === entry) byGroups.delete(key);
  });
  return list;
}

/**
 * The request's scope. Resource Graph takes subscriptions or management groups, never both; a
 * scope that names both (the service's settings allow it) is asked as the union of the listed
 * subscriptions and those under the groups.
 */
async function requestScope(
  clients: AzureClients,
  scope: GraphScope,
): Promise<{ subscriptions?: string[]; managementGroups?: string[] }> {
  const subscriptions = scope.subscriptions ?? [];
  const managementGroups = scope.managementGroups ?? [];
  if (subscriptions.length > 0 && managementGroups.length > 0) {
    const under = await subscriptionsUnder(clients, managementGroups);
    return { subscriptions: [...new Set([...subscriptions.map((s) => s.toLowerCase()), ...under])] };
  }
  if (subscriptions.length > 0) return { subscriptions: [...subscriptions] };
  if (managementGroups.length > 0) return { managementGroups: [...managementGroups] };
  return {};
}

/**
 * Runs a Resource Graph query and yields it page by page (`$skipToken`), so callers never hold
 * more than one page of a large tenant in memory.
 */
export async function* resourceGraphPages<Row = Record<string, unknown>>(
  clients: AzureClients,
  query: string,
  scope: GraphScope = {},
  pageSize = 1000,
): AsyncGenerator<GraphPage<Row>> {
  const client = await clients.resourceGraph();
  const where = await requestScope(clients, scope);
  let skipToken: string | undefined;
  let pageNumber = 0;
  do {
    const response = await client.resources({
      query,
      ...where,
      options: {
        top: pageSize,
        resultFormat: "objectArray",
        ...(skipToken === undefined ? {} : { skipToken }),
      },
    });
    pageNumber++;
    yield { rows: (response.data as Row[] | undefined) ?? [], pageNumber };
    skipToken = response.skipToken;
  } while (skipToken !== undefined && skipToken !== "");
}

/**
 * One page of a Resource Graph query: from the start, or from the `$skipToken` an earlier page of
 * the same query and scope returned. The page's own `$skipToken` continues it; none on the last.
 */
export async function resourceGraphPage(
  clients: AzureClients,
  query: string,
  scope: GraphScope = {},
  pageSize = 1000,
  skipToken?: string,
): Promise<{ rows: Record<string, unknown>[]; skipToken?: string }> {
  const client = await clients.resourceGraph();
  const where = await requestScope(clients, scope);
  const response = await client.resources({
    query,
    ...where,
    options: {
      top: pageSize,
      resultFormat: "objectArray",
      ...(skipToken === undefined ? {} : { skipToken }),
    },
  });
  const next = response.skipToken;
  return {
    rows: (response.data as Record<string, unknown>[] | undefined) ?? [],
    ...(next === undefined || next === "" ? {} : { skipToken: next }),
  };
}
