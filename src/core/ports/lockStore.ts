/** Named locks with a lease: a holder that crashes loses the lock when its lease runs out. */
export interface LockStore {
  /** True when this caller now holds the lock; false while another holder's lease runs. */
  acquireLock(name: string, leaseMs: number): Promise<boolean>;
  /** Gives the lock up so the next caller may take it at once. */
  releaseLock(name: string): Promise<void>;
}
