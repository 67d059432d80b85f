import type { TableClient } from "@azure/data-tables";
import { composeLedger } from "../../core/ports/composeLedger.js";
import type { Ledger } from "../../core/ports/ledger.js";
import { LedgerTable } from "./ledgerTable.js";
import { TableActionStore } from "./tableActionStore.js";
import { TableJobStore } from "./tableJobStore.js";
import { TableLockStore } from "./tableLockStore.js";
import { TableOperationStore } from "./tableOperationStore.js";
import { TableRolloutStore } from "./tableRolloutStore.js";
import { TableTicketRequestStore } from "./tableTicketRequestStore.js";
import { TablePlanStore } from "./tablePlanStore.js";
import { TableWriteControlStore } from "./tableWriteControlStore.js";

/** The {@link Ledger} in one Azure Table Storage table: its stores side by side. */
export function createTableLedger(client: TableClient, clock: () => number = Date.now): Ledger {
  const table = new LedgerTable(client, clock);
  const jobs = new TableJobStore(table);
  return composeLedger({
    jobs,
    operations: new TableOperationStore(table),
    actions: new TableActionStore(table),
    tickets: new TableTicketRequestStore(table),
    plans: new TablePlanStore(table),
    locks: new TableLockStore(jobs),
    rollouts: new TableRolloutStore(table),
    writeControls: new TableWriteControlStore(table),
  });
}
