import type { LockStore } from "../../core/ports/lockStore.js";
import type { TableJobStore } from "./tableJobStore.js";

// Locks are job claims in a group of their own: a lease, an ETag-guarded take-over after it runs
// out, and `queued` to give the lock up. The group keeps the name it had when only the sweep took
// locks, so a lock held across an upgrade is still honoured.
const lockGroup = "sweep-runs";

/** {@link LockStore} over the job claims of Table Storage. */
export class TableLockStore implements LockStore {
  constructor(private readonly jobs: TableJobStore) {}

  async acquireLock(name: string, leaseMs: number): Promise<boolean> {
    return (await this.jobs.startJob(lockGroup, name, "/", leaseMs)) === "started";
  }

  async releaseLock(name: string): Promise<void> {
    await this.jobs.finishJob(lockGroup, name, "queued");
  }
}
