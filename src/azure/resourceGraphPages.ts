import type { AzureClients } from "./azureClients.js";

/** Where a Resource Graph query looks. Empty lists mean every subscription the identity can read. */
export interface GraphScope {
  subscriptions?: readonly string[];
  managementGroups?: readonly string[];
}

/** One page of rows. */
export interface GraphPage<Row> {
  rows: Row[];
  pageNumber: number;
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
  let skipToken: string | undefined;
  let pageNumber = 0;
  do {
    const response = await client.resources({
      query,
      ...(scope.subscriptions !== undefined && scope.subscriptions.length > 0
        ? { subscriptions: [...scope.subscriptions] }
        : {}),
      ...(scope.managementGroups !== undefined && scope.managementGroups.length > 0
        ? { managementGroups: [...scope.managementGroups] }
        : {}),
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
