import { describe, expect, it } from "vitest";
import type { LedgerUnderTest } from "./ledgerUnderTest.js";

/** Named locks with a lease. */
export function lockStoreContract(subject: () => LedgerUnderTest): void {
  describe("locks", () => {
    it("one holder at a time: refused while the lease runs, taken over once it ran out, free at once when released", async () => {
      const t = subject();
      const { ledger } = t;
      expect(await ledger.acquireLock("sweep|tenant", 60_000)).toBe(true);
      expect(await ledger.acquireLock("sweep|tenant", 60_000)).toBe(false);
      expect(await ledger.acquireLock("sweep|other", 60_000)).toBe(true);
      t.advance(60_000);
      // The holder crashed: its lease ran out.
      expect(await ledger.acquireLock("sweep|tenant", 60_000)).toBe(true);
      await ledger.releaseLock("sweep|tenant");
      expect(await ledger.acquireLock("sweep|tenant", 60_000)).toBe(true);
      expect(await ledger.acquireLock("sweep|other", 60_000)).toBe(true);
    });

    it("two callers at once: exactly one holds the lock", async () => {
      const { ledger } = subject();
      const taken = await Promise.all([
        ledger.acquireLock("sweep|tenant", 60_000),
        ledger.acquireLock("sweep|tenant", 60_000),
        ledger.acquireLock("sweep|tenant", 60_000),
      ]);
      expect(taken.filter(Boolean)).toHaveLength(1);
    });

    it("releasing a lock never taken fails", async () => {
      const { ledger } = subject();
      await expect(ledger.releaseLock("never-taken")).rejects.toThrow();
      expect(await ledger.acquireLock("never-taken", 60_000)).toBe(true);
    });
  });
}
