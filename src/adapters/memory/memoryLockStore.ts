import type { LockStore } from "../../core/ports/lockStore.js";
import type { MemoryJobStore } from "./memoryJobStore.js";

// As in the Table ledger, locks are job claims in a group of their own: a lease, a take-over once
// it runs out, and `queued` to give the lock up. So `listJobs("sweep-runs")` shows them in both.
const lockGroup = "sweep-runs";

/** {@link LockStore} over the in-memory job claims. */
export class MemoryLockStore implements LockStore {
  constructor(private readonly jobs: MemoryJobStore) {}

  async acquireLock(name: string, leaseMs: number): Promise<boolean> {
    return (await this.jobs.startJob(lockGroup, name, "/", leaseMs)) === "started";
  }

  async releaseLock(name: string): Promise<void> {
    await this.jobs.finishJob(lockGroup, name, "queued");
  }
}
