import type { ActionStore } from "./actionStore.js";
import type { JobStore } from "./jobStore.js";
import type { Ledger } from "./ledger.js";
import type { LockStore } from "./lockStore.js";
import type { OperationStore } from "./operationStore.js";
import type { PlanStore } from "./planStore.js";
import type { RolloutStore } from "./rolloutStore.js";
import type { TicketRequestStore } from "./ticketRequestStore.js";
import type { WriteControlStore } from "./writeControlStore.js";

/** The stores one {@link Ledger} is made of. */
export interface LedgerStores {
  jobs: JobStore;
  operations: OperationStore;
  actions: ActionStore;
  tickets: TicketRequestStore;
  locks: LockStore;
  plans: PlanStore;
  rollouts: RolloutStore;
  writeControls: WriteControlStore;
}

/**
 * One {@link Ledger} over its stores side by side. Every implementation (Table Storage, memory)
 * composes through here, so a method added to a port is wired the same way in each.
 */
export function composeLedger({
  jobs,
  operations,
  actions,
  tickets,
  locks,
  plans,
  rollouts,
  writeControls,
}: LedgerStores): Ledger {
  return {
    claimJobs: (group, list) => jobs.claimJobs(group, list),
    startJob: (group, key, resourceId, leaseMs) => jobs.startJob(group, key, resourceId, leaseMs),
    finishJob: (group, key, state, result) => jobs.finishJob(group, key, state, result),
    readJob: (group, key) => jobs.readJob(group, key),
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
    savePlan: (plan) => plans.savePlan(plan),
    getPlan: (planId) => plans.getPlan(planId),
    createRollout: (rollout) => rollouts.createRollout(rollout),
    getRollout: (id) => rollouts.getRollout(id),
    updateRollout: (next, version) => rollouts.updateRollout(next, version),
    storeRolloutPage: (next, version, page, chunks) => rollouts.storeRolloutPage(next, version, page, chunks),
    listRolloutChunks: (id, wave, page) => rollouts.listRolloutChunks(id, wave, page),
    settleRolloutMember: (resourceId, next, version) =>
      rollouts.settleRolloutMember(resourceId, next, version),
    takeWrite: (window, limit) => writeControls.takeWrite(window, limit),
    writesCounted: (window) => writeControls.writesCounted(window),
    writePause: () => writeControls.writePause(),
    pauseWrites: (pause) => writeControls.pauseWrites(pause),
    resumeWrites: () => writeControls.resumeWrites(),
  };
}
