import { composeLedger } from "../../core/ports/composeLedger.js";
import type { Ledger } from "../../core/ports/ledger.js";
import { MemoryActionStore } from "./memoryActionStore.js";
import { MemoryJobStore } from "./memoryJobStore.js";
import { MemoryLockStore } from "./memoryLockStore.js";
import { MemoryOperationStore } from "./memoryOperationStore.js";
import { MemoryRolloutStore } from "./memoryRolloutStore.js";
import { MemoryTicketRequestStore } from "./memoryTicketRequestStore.js";
import { MemoryPlanStore } from "./memoryPlanStore.js";
import { MemoryWriteControlStore } from "./memoryWriteControlStore.js";

/**
 * The {@link Ledger} in memory, for tests that run the service without storage: the same stores
 * side by side as `createTableLedger`, passing the same contract tests. `clock` gives the times
 * recorded (milliseconds since the epoch) and decides when job leases run out.
 */
export function createMemoryLedger(clock: () => number = Date.now): Ledger {
  const jobs = new MemoryJobStore(clock);
  return composeLedger({
    jobs,
    operations: new MemoryOperationStore(),
    actions: new MemoryActionStore(clock),
    tickets: new MemoryTicketRequestStore(clock),
    plans: new MemoryPlanStore(),
    locks: new MemoryLockStore(jobs),
    rollouts: new MemoryRolloutStore(),
    writeControls: new MemoryWriteControlStore(),
  });
}
