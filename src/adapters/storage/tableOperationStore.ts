import {
  operationGroup,
  type OperationRecord,
  type OperationStore,
} from "../../core/ports/operationStore.js";
import { isStatus, type LedgerTable } from "./ledgerTable.js";
import { jobPartition, operationRow } from "./ledgerKeys.js";

/** {@link OperationStore} in Table Storage: the operation's own row in its job group's partition. */
export class TableOperationStore implements OperationStore {
  constructor(private readonly ledger: LedgerTable) {}

  async createOperation(operation: OperationRecord): Promise<void> {
    const table = await this.ledger.table();
    await table.createEntity({
      partitionKey: jobPartition(operationGroup(operation.operationId)),
      rowKey: operationRow,
      ...operation,
    });
  }

  async updateOperation(
    operationId: string,
    change: Partial<Omit<OperationRecord, "operationId" | "target" | "createdAt">>,
  ): Promise<void> {
    const table = await this.ledger.table();
    await table.updateEntity(
      { partitionKey: jobPartition(operationGroup(operationId)), rowKey: operationRow, ...change },
      "Merge",
    );
  }

  async getOperation(operationId: string): Promise<OperationRecord | undefined> {
    const table = await this.ledger.table();
    try {
      const e = await table.getEntity<OperationRecord>(
        jobPartition(operationGroup(operationId)),
        operationRow,
      );
      // The record's own fields only: a point read also carries the entity's keys, ETag, timestamp
      // and OData metadata (the storage account's URL).
      return {
        operationId: e.operationId,
        target: e.target,
        dryRun: e.dryRun,
        listing: e.listing,
        resourcesSeen: e.resourcesSeen,
        jobsQueued: e.jobsQueued,
        ...(e.error === undefined ? {} : { error: e.error }),
        ...(e.planId === undefined ? {} : { planId: e.planId }),
        createdAt: e.createdAt,
      };
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }
}
