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
      const e = await table.getEntity(jobPartition(operationGroup(operationId)), operationRow);
      const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, ...rest } = e;
      return rest as unknown as OperationRecord;
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }
}
