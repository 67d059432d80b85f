import { randomUUID } from "node:crypto";
import type { TableEntityResult } from "@azure/data-tables";
import type { WriteControlStore, WritePause } from "../../core/ports/writeControlStore.js";
import { isStatus, type LedgerTable } from "./ledgerTable.js";

interface CountEntity {
  partitionKey: string;
  rowKey: string;
  count: number;
}

interface PauseEntity {
  partitionKey: string;
  rowKey: string;
  active: boolean;
  pauseId: string;
  pausedAt: string;
  by: string;
  reason: string;
}

// One small partition: a row per budget window and the kill switch's row.
const partitionKey = "writecontrols";
const pauseRow = "pause";
const budgetRow = (window: string): string => `budget|${window}`;

/**
 * {@link WriteControlStore} in Table Storage, shared by every instance. A write is counted by an
 * ETag-conditional replace of its window's row, retried on a lost race, so the count never passes
 * the limit however many workers count at once.
 */
export class TableWriteControlStore implements WriteControlStore {
  constructor(private readonly ledger: LedgerTable) {}

  private async read<T extends object>(rowKey: string): Promise<TableEntityResult<T> | undefined> {
    const table = await this.ledger.table();
    try {
      return await table.getEntity<T>(partitionKey, rowKey);
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async takeWrite(window: string, limit: number): Promise<boolean> {
    const table = await this.ledger.table();
    for (;;) {
      const current = await this.read<CountEntity>(budgetRow(window));
      if ((current?.count ?? 0) >= limit) return false;
      try {
        if (current === undefined)
          await table.createEntity<CountEntity>({ partitionKey, rowKey: budgetRow(window), count: 1 });
        else
          await table.updateEntity<CountEntity>(
            { partitionKey, rowKey: budgetRow(window), count: current.count + 1 },
            "Replace",
            { etag: current.etag },
          );
        return true;
      } catch (error) {
        if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
      }
    }
  }

  async writesCounted(window: string): Promise<number> {
    return (await this.read<CountEntity>(budgetRow(window)))?.count ?? 0;
  }

  async writePause(): Promise<WritePause | undefined> {
    const row = await this.read<PauseEntity>(pauseRow);
    return row?.active === true
      ? { pauseId: row.pauseId, pausedAt: row.pausedAt, by: row.by, reason: row.reason }
      : undefined;
  }

  async pauseWrites(pause: Omit<WritePause, "pauseId">): Promise<WritePause> {
    const table = await this.ledger.table();
    for (;;) {
      const row = await this.read<PauseEntity>(pauseRow);
      if (row?.active === true)
        return { pauseId: row.pauseId, pausedAt: row.pausedAt, by: row.by, reason: row.reason };
      const next: PauseEntity = {
        partitionKey,
        rowKey: pauseRow,
        active: true,
        pauseId: randomUUID(),
        ...pause,
      };
      try {
        if (row === undefined) await table.createEntity(next);
        else await table.updateEntity(next, "Replace", { etag: row.etag });
        return { pauseId: next.pauseId, pausedAt: next.pausedAt, by: next.by, reason: next.reason };
      } catch (error) {
        if (!isStatus(error, 412) && !isStatus(error, 409)) throw error;
      }
    }
  }

  async resumeWrites(): Promise<WritePause | undefined> {
    const table = await this.ledger.table();
    for (;;) {
      const row = await this.read<PauseEntity>(pauseRow);
      if (row?.active !== true) return undefined;
      try {
        await table.updateEntity({ partitionKey, rowKey: pauseRow, active: false }, "Merge", {
          etag: row.etag,
        });
        return { pauseId: row.pauseId, pausedAt: row.pausedAt, by: row.by, reason: row.reason };
      } catch (error) {
        if (!isStatus(error, 412)) throw error;
      }
    }
  }
}
