import type { Actor } from "../audit/actor.js";
import type { FieldChange } from "../audit/fieldChange.js";
import type { ReportAction } from "../report/report.js";

/**
 * One planned or applied action as the ledger records it: the report's action, with what the
 * resource looked like before and after and what caused it.
 */
export interface LedgerActionInput extends Omit<ReportAction, "codes" | "ticket"> {
  codes?: readonly string[];
  before?: unknown;
  after?: unknown;
  eventId?: string;
  correlationId?: string;
  jobId?: string;
  dryRun: boolean;
  /** Who caused it (audit trail): an event, a sweep run, an HTTP caller, a CLI user. */
  actor?: Actor;
  /** The plan it was applied from. */
  planId?: string;
  /** The fields the service owns, before and after a write. */
  fields?: FieldChange[];
}

/** A recorded action as read back. */
export interface LedgerAction extends Omit<LedgerActionInput, "codes" | "before" | "after"> {
  codes: string[];
  /** JSON text of the snapshot (cut at the store's size limit). */
  before?: string;
  after?: string;
  /** ISO 8601. */
  at: string;
}

/** The audit trail: every action the service planned or applied. */
export interface ActionStore {
  /** Records an action. */
  recordAction(input: LedgerActionInput): Promise<void>;
  /** Every recorded action (of one resource, when given), newest first within a resource. */
  listActions(resourceId?: string): Promise<LedgerAction[]>;
  /**
   * The newest `limit` actions that `keep` accepts, newest first, without their snapshots; read as
   * a stream so a long history is never held whole.
   */
  newestActions(limit: number, keep?: (action: LedgerAction) => boolean): Promise<LedgerAction[]>;
}
