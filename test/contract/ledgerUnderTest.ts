import type { Ledger } from "../../src/core/ports/ledger.js";

/**
 * Builds a fresh, empty ledger whose recorded times and job leases follow `clock` (milliseconds
 * since the epoch). Each contract case gets its own.
 */
export type LedgerFactory = (clock: () => number) => Promise<Ledger>;

/** The ledger one contract case runs against, with the hand-driven clock it was built with. */
export interface LedgerUnderTest {
  ledger: Ledger;
  /** The clock's time now. */
  now(): number;
  /** Moves the clock on. */
  advance(ms: number): void;
}

/** Where every case's clock starts. */
export const contractStart = Date.parse("2026-12-01T10:00:00.000Z");

/** The ISO text of `contractStart + ms`, as the ledger records times. */
export const at = (ms = 0): string => new Date(contractStart + ms).toISOString();

/** A managed disk id of the contract's resources. */
export const disk = (n: number | string): string =>
  `/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg/providers/Microsoft.Compute/disks/d-${n}`;
