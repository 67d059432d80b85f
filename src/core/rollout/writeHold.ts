/** Stable codes of a write the budget or the kill switch held back. */
export type WriteHoldCode = "WriteBudgetExhausted" | "WritesPaused";

/** A write held back: it is reported as planned, with one ticket per budget window or per pause. */
export interface WriteHold {
  readonly code: WriteHoldCode;
  /** Why, in words an operator understands. */
  readonly reason: string;
  /** The ticket request's resource id: one per hour window (budget) or per pause (kill switch). */
  readonly ticketResourceId: string;
  /** Ticket URL once the sink opened it. */
  readonly ticket?: string;
}

/** The write controls' settings. */
export interface WriteControlSettings {
  /** Writes allowed per clock hour (UTC), tenant-wide; 0 holds every write. */
  readonly budgetPerHour: number;
  /** `CMKR_WRITES_PAUSED`: the kill switch as an app setting (changing it restarts the app). */
  readonly pausedBySetting: boolean;
}

/** The budget window of an instant: its UTC hour, e.g. `2026-12-03T23`. */
export function budgetWindow(now: Date): string {
  return now.toISOString().slice(0, 13);
}

/** Ticket request resource ids of the write controls (not ARM ids: nothing the sweep reads). */
export const writeControlTicketIds = {
  budget: (window: string): string => `cmkr:write-budget/${window}`,
  pause: (pauseId: string): string => `cmkr:writes-paused/${pauseId}`,
};

/** The resource type the write controls' tickets carry. */
export const writeControlResourceType = "cmkr/writeControls";
