import {
  operationGroup,
  type OperationRecord,
  type OperationStore,
} from "../../core/ports/operationStore.js";
import { definedFields } from "./definedFields.js";
import { MemoryLedgerError } from "./memoryLedgerError.js";

/**
 * {@link OperationStore} in memory. Operation ids compare case-insensitively (the Table keys them
 * by their job group, which is lower-case); a second create, or an update of an operation never
 * created, fails as the Table's 409 and 404 do.
 */
export class MemoryOperationStore implements OperationStore {
  private readonly operations = new Map<string, OperationRecord>();

  createOperation(operation: OperationRecord): Promise<void> {
    const key = operationGroup(operation.operationId);
    if (this.operations.has(key)) {
      return Promise.reject(
        new MemoryLedgerError("LedgerRecordExists", `the operation ${operation.operationId} exists`),
      );
    }
    this.operations.set(key, structuredClone(definedFields(operation)));
    return Promise.resolve();
  }

  /** Fields given as undefined are left as they are, as in a Table merge. */
  updateOperation(
    operationId: string,
    change: Partial<Omit<OperationRecord, "operationId" | "target" | "createdAt">>,
  ): Promise<void> {
    const key = operationGroup(operationId);
    const existing = this.operations.get(key);
    if (existing === undefined) {
      return Promise.reject(new MemoryLedgerError("LedgerRecordNotFound", `no operation ${operationId}`));
    }
    this.operations.set(key, { ...existing, ...structuredClone(definedFields(change)) });
    return Promise.resolve();
  }

  getOperation(operationId: string): Promise<OperationRecord | undefined> {
    const found = this.operations.get(operationGroup(operationId));
    return Promise.resolve(found === undefined ? undefined : structuredClone(found));
  }
}
