import type { LedgerAction } from "../../core/ports/actionStore.js";
import type { Ledger } from "../../core/ports/ledger.js";
import { MemoryActionStore } from "./memoryActionStore.js";
import { MemoryJobStore } from "./memoryJobStore.js";
import { MemoryLockStore } from "./memoryLockStore.js";
import { MemoryOperationStore } from "./memoryOperationStore.js";
import { MemoryPlanStore } from "./memoryPlanStore.js";
import { MemoryRolloutStore } from "./memoryRolloutStore.js";
import { MemoryTicketRequestStore } from "./memoryTicketRequestStore.js";
import { MemoryWriteControlStore } from "./memoryWriteControlStore.js";

function newestFirst(a: LedgerAction, b: LedgerAction): number {
  return a.at < b.at ? 1 : a.at > b.at ? -1 : 0;
}

/**
 * The ledger of a dry run that previews `--apply` faithfully: it answers as the live ledger would
 * after the run's own writes, yet never writes to `live`. Every write goes to memory; reads see
 * the run's writes over what `live` holds:
 * - a job claimed in `live` (an event the service already handled) is a duplicate here too, and a
 *   job claimed earlier in the run is one for later events;
 * - ticket requests start as a copy of `live`'s (read once, on first use), so a repeat counts up
 *   and a delete resolves a ticket opened earlier in the run or before it;
 * - actions, operations, locks and plans of the run stay in memory; listings merge both, and a
 *   plan made before the run is read from `live`.
 * - actions, operations and locks of the run stay in memory; listings merge both;
 * - rollouts and write counts of the run stay in memory, over `live`'s rollouts and kill switch
 *   (a preview writes nothing to Azure, so it never takes from the live budget).
 */
export function createPreviewLedger(live: Ledger, clock: () => number = Date.now): Ledger {
  const jobs = new MemoryJobStore(clock);
  const operations = new MemoryOperationStore();
  const actions = new MemoryActionStore(clock);
  const ticketStore = new MemoryTicketRequestStore(clock);
  const locks = new MemoryLockStore(jobs);
  const plans = new MemoryPlanStore();
  const rollouts = new MemoryRolloutStore();
  const writeControls = new MemoryWriteControlStore();
  let seeded: Promise<MemoryTicketRequestStore> | undefined;
  const tickets = (): Promise<MemoryTicketRequestStore> => {
    seeded ??= live.listTicketRequests().then((list) => {
      for (const ticket of list) ticketStore.restore(ticket);
      return ticketStore;
    });
    return seeded;
  };
  const ownOperation = async (operationId: string): Promise<void> => {
    if ((await operations.getOperation(operationId)) !== undefined) return;
    const existing = await live.getOperation(operationId);
    if (existing !== undefined) await operations.createOperation(existing);
  };
  return {
    async claimJobs(group, list) {
      // A job that gave up may be claimed again, in the live ledger as here.
      const taken = new Set(
        (await live.listJobs(group)).filter((j) => j.state !== "failed").map((j) => j.dedupeKey),
      );
      return jobs.claimJobs(
        group,
        list.filter((j) => !taken.has(j.dedupeKey)),
      );
    },
    startJob: (group, key, resourceId, leaseMs) => jobs.startJob(group, key, resourceId, leaseMs),
    finishJob: (group, key, state, result) => jobs.finishJob(group, key, state, result),
    async readJob(group, key) {
      return (await jobs.readJob(group, key)) ?? live.readJob(group, key);
    },
    async listJobs(group) {
      const own = await jobs.listJobs(group);
      const keys = new Set(own.map((j) => j.dedupeKey));
      return [...(await live.listJobs(group)).filter((j) => !keys.has(j.dedupeKey)), ...own];
    },
    createOperation: (operation) => operations.createOperation(operation),
    async updateOperation(operationId, change) {
      await ownOperation(operationId);
      await operations.updateOperation(operationId, change);
    },
    async getOperation(operationId) {
      return (await operations.getOperation(operationId)) ?? live.getOperation(operationId);
    },
    recordAction: (input) => actions.recordAction(input),
    async listActions(resourceId) {
      return [...(await actions.listActions(resourceId)), ...(await live.listActions(resourceId))];
    },
    async newestActions(limit, keep) {
      const [own, old] = await Promise.all([
        actions.newestActions(limit, keep),
        live.newestActions(limit, keep),
      ]);
      return [...own, ...old].sort(newestFirst).slice(0, limit);
    },
    requestTicket: async (input, options) => (await tickets()).requestTicket(input, options),
    resolveTickets: async (resourceId, codes, reason) =>
      (await tickets()).resolveTickets(resourceId, codes, reason),
    pendingTickets: async (resourceId) => (await tickets()).pendingTickets(resourceId),
    markTicket: async (ticket, change) => (await tickets()).markTicket(ticket, change),
    async *unresolvedTicketKeys() {
      yield* (await tickets()).unresolvedTicketKeys();
    },
    listTicketRequests: async () => (await tickets()).listTicketRequests(),
    acquireLock: (name, leaseMs) => locks.acquireLock(name, leaseMs),
    releaseLock: (name) => locks.releaseLock(name),
    savePlan: (plan) => plans.savePlan(plan),
    async getPlan(planId) {
      return (await plans.getPlan(planId)) ?? live.getPlan(planId);
    },
    // The run's rollouts stay in memory; one recorded before the run is read from `live`.
    createRollout: async (rollout) =>
      (await live.getRollout(rollout.rolloutId)) === undefined && rollouts.createRollout(rollout),
    getRollout: async (id) => (await rollouts.getRollout(id)) ?? live.getRollout(id),
    updateRollout: (next, version) => rollouts.updateRollout(next, version),
    storeRolloutPage: (next, version, page, chunks) => rollouts.storeRolloutPage(next, version, page, chunks),
    listRolloutChunks: (id, wave, page) => rollouts.listRolloutChunks(id, wave, page),
    settleRolloutMember: (resourceId, next, version) =>
      rollouts.settleRolloutMember(resourceId, next, version),
    // Writes the live service made this hour count against the preview's too.
    takeWrite: async (window, limit) =>
      writeControls.takeWrite(window, limit - (await live.writesCounted(window))),
    writesCounted: async (window) =>
      (await writeControls.writesCounted(window)) + (await live.writesCounted(window)),
    writePause: async () => (await writeControls.writePause()) ?? live.writePause(),
    pauseWrites: (pause) => writeControls.pauseWrites(pause),
    resumeWrites: () => writeControls.resumeWrites(),
  };
}
