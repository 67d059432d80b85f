import type { TableClient } from "@azure/data-tables";
import type { Ledger } from "../../core/ports/ledger.js";
import { LedgerTable } from "./ledgerTable.js";
import { TableActionStore } from "./tableActionStore.js";
import { TableJobStore } from "./tableJobStore.js";
import { TableLockStore } from "./tableLockStore.js";
import { TableOperationStore } from "./tableOperationStore.js";
import { TableTicketRequestStore } from "./tableTicketRequestStore.js";

/** The {@link Ledger} in one Azure Table Storage table: its stores side by side. */
export function createTableLedger(client: TableClient, clock: () => number = Date.now): Ledger {
  const table = new LedgerTable(client, clock);
  const jobs = new TableJobStore(table);
  const operations = new TableOperationStore(table);
  const actions = new TableActionStore(table);
  const tickets = new TableTicketRequestStore(table);
  const locks = new TableLockStore(jobs);
  return {
    claimJobs: (group, list) => jobs.claimJobs(group, list),
    startJob: (group, key, resourceId, leaseMs) => jobs.startJob(group, key, resourceId, leaseMs),
    finishJob: (group, key, state, result) => jobs.finishJob(group, key, state, result),
    listJobs: (group) => jobs.listJobs(group),
    createOperation: (operation) => operations.createOperation(operation),
    updateOperation: (id, change) => operations.updateOperation(id, change),
    getOperation: (id) => operations.getOperation(id),
    recordAction: (input) => actions.recordAction(input),
    listActions: (resourceId) => actions.listActions(resourceId),
    newestActions: (limit, keep) => actions.newestActions(limit, keep),
    requestTicket: (input, options) => tickets.requestTicket(input, options),
    resolveTickets: (resourceId, codes, reason) => tickets.resolveTickets(resourceId, codes, reason),
    pendingTickets: (resourceId) => tickets.pendingTickets(resourceId),
    markTicket: (ticket, change) => tickets.markTicket(ticket, change),
    unresolvedTicketKeys: () => tickets.unresolvedTicketKeys(),
    listTicketRequests: () => tickets.listTicketRequests(),
    acquireLock: (name, leaseMs) => locks.acquireLock(name, leaseMs),
    releaseLock: (name) => locks.releaseLock(name),
  };
}
