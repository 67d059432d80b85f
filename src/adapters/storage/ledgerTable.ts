import { RestError } from "@azure/core-rest-pipeline";
import type { TableClient } from "@azure/data-tables";

/**
 * The one Table Storage table the ledger's stores share, created once per process on first use. Its
 * layout: partition = lower-cased resource id (actions, tickets) or `jobs|{digest of group}` (job
 * claims, manual operations, locks); row keys prefixed by record kind (see ledgerKeys.ts).
 */
export class LedgerTable {
  private ready: Promise<void> | undefined;

  constructor(
    readonly client: TableClient,
    readonly clock: () => number = Date.now,
  ) {}

  /** The table client, once the table exists (idempotent; a failed create is retried next time). */
  async table(): Promise<TableClient> {
    this.ready ??= this.client.createTable().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    await this.ready;
    return this.client;
  }
}

/** True when an Azure call failed with this HTTP status. */
export function isStatus(error: unknown, status: number): boolean {
  return error instanceof RestError && error.statusCode === status;
}

/** An OData string literal (quotes doubled). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
