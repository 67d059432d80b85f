/** The kill switch as the ledger holds it (`cmkr writes pause`). */
export interface WritePause {
  /** Names this pause: its ticket is one per pause. */
  readonly pauseId: string;
  /** ISO 8601. */
  readonly pausedAt: string;
  /** Who paused (the CLI user or caller, as given). */
  readonly by: string;
  readonly reason: string;
}

/**
 * The write controls every instance shares: writes counted per hour window, and the kill switch.
 * Counting is conditional on the count read (ETags in Table Storage), so concurrent workers never
 * count past the limit.
 */
export interface WriteControlStore {
  /** Counts one write in `window` unless `limit` are counted already; true when counted. */
  takeWrite(window: string, limit: number): Promise<boolean>;
  /** Writes counted in `window`. */
  writesCounted(window: string): Promise<number>;
  /** The pause in force, if any. */
  writePause(): Promise<WritePause | undefined>;
  /** Pauses every write; while paused already, returns the pause in force unchanged. */
  pauseWrites(pause: Omit<WritePause, "pauseId">): Promise<WritePause>;
  /** Lifts the pause; returns the pause lifted, undefined when none was in force. */
  resumeWrites(): Promise<WritePause | undefined>;
}
