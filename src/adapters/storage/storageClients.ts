import type { TokenCredential } from "@azure/core-auth";
import { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";

/**
 * Where the queue and the ledger live: a connection string (Azurite, local runs) or a storage
 * account reached with a managed identity (Azure; the account has no keys).
 */
export type StorageTarget =
  | { readonly connectionString: string }
  | { readonly accountName: string; readonly credential: TokenCredential };

/** A queue client for `name` on the target. */
export function createQueueClient(target: StorageTarget, name: string): QueueClient {
  if ("connectionString" in target) return new QueueClient(target.connectionString, name);
  return new QueueClient(`https://${target.accountName}.queue.core.windows.net/${name}`, target.credential);
}

/** A table client for `name` on the target. */
export function createTableClient(target: StorageTarget, name: string): TableClient {
  if ("connectionString" in target) {
    const insecure = /DefaultEndpointsProtocol=http;|Endpoint=http:\/\//i.test(target.connectionString);
    return TableClient.fromConnectionString(target.connectionString, name, {
      allowInsecureConnection: insecure,
    });
  }
  return new TableClient(`https://${target.accountName}.table.core.windows.net`, name, target.credential);
}
