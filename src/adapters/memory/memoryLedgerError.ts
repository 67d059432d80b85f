/** Stable codes of {@link MemoryLedgerError}. */
export type MemoryLedgerErrorCode = "LedgerRecordNotFound" | "LedgerRecordExists";

/**
 * A write the in-memory ledger refuses where Table Storage would answer 404 (an update of a record
 * that does not exist) or 409 (a second create of the same record), so callers fail alike on both.
 */
export class MemoryLedgerError extends Error {
  constructor(
    readonly code: MemoryLedgerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "MemoryLedgerError";
  }
}
