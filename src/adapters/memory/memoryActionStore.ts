import type { ActionStore, LedgerAction, LedgerActionInput } from "../../core/ports/actionStore.js";
import { snapshotText } from "../../core/ports/snapshotText.js";
import { invertedTime, partitionKeyFor } from "../storage/ledgerKeys.js";
import { definedFields } from "./definedFields.js";

interface ActionRow {
  /** The Table's partition and row keys, so actions list in the Table's order. */
  partitionKey: string;
  rowKey: string;
  action: LedgerAction;
}

function byKeys(a: ActionRow, b: ActionRow): number {
  if (a.partitionKey !== b.partitionKey) return a.partitionKey < b.partitionKey ? -1 : 1;
  return a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0;
}

const newestFirst = (a: LedgerAction, b: LedgerAction): number => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0);

/** An action without its snapshots, as `newestActions` reads it. */
function summary(action: LedgerAction): LedgerAction {
  const { before: _before, after: _after, ...rest } = action;
  return rest;
}

/** The change list as the Table store reads it back: dropped when cut at the property limit. */
function fieldsAsStored(fields: LedgerActionInput["fields"]): LedgerActionInput["fields"] {
  if (fields === undefined) return undefined;
  const text = snapshotText(fields);
  try {
    return text === undefined ? undefined : (JSON.parse(text) as LedgerActionInput["fields"]);
  } catch {
    return undefined;
  }
}

/**
 * {@link ActionStore} in memory, listed as the Table lists it: by resource (lower-cased, as its
 * partition key), newest first within one. Snapshots are cut at the Table's limit.
 */
export class MemoryActionStore implements ActionStore {
  private readonly rows: ActionRow[] = [];
  /** Breaks ties within one millisecond: the later record sorts first (the Table's are random). */
  private sequence = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  /** Only the fields of {@link LedgerActionInput} are kept (a report action's ticket URL is not). */
  recordAction(input: LedgerActionInput): Promise<void> {
    const now = this.clock();
    const tie = String(999_999_999 - this.sequence++).padStart(9, "0");
    this.rows.push({
      partitionKey: partitionKeyFor(input.resourceId),
      rowKey: `action|${invertedTime(now)}|${tie}`,
      action: definedFields({
        resourceId: input.resourceId,
        resourceType: input.resourceType,
        action: input.action,
        status: input.status,
        reason: input.reason,
        codes: [...(input.codes ?? [])],
        // In the Table store's read-back order, so even JSON texts of the two ledgers match.
        dryRun: input.dryRun,
        at: new Date(now).toISOString(),
        from: input.from,
        to: input.to,
        before: snapshotText(input.before),
        after: snapshotText(input.after),
        eventId: input.eventId,
        correlationId: input.correlationId,
        jobId: input.jobId,
        actor: input.actor === undefined ? undefined : structuredClone(input.actor),
        planId: input.planId,
        fields: fieldsAsStored(input.fields),
      }),
    });
    return Promise.resolve();
  }

  listActions(resourceId?: string): Promise<LedgerAction[]> {
    const partitionKey = resourceId === undefined ? undefined : partitionKeyFor(resourceId);
    return Promise.resolve(
      this.rows
        .filter((row) => partitionKey === undefined || row.partitionKey === partitionKey)
        .sort(byKeys)
        .map((row) => structuredClone(row.action)),
    );
  }

  /** Ties in time keep the listing order, as the Table store's stable sort keeps them. */
  newestActions(
    limit: number,
    keep: (action: LedgerAction) => boolean = () => true,
  ): Promise<LedgerAction[]> {
    const kept = [...this.rows]
      .sort(byKeys)
      .map((row) => summary(structuredClone(row.action)))
      .filter((action) => keep(action));
    return Promise.resolve(kept.sort(newestFirst).slice(0, limit));
  }
}
