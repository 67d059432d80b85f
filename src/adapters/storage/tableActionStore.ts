import { randomUUID } from "node:crypto";
import type { ActionStore, LedgerAction, LedgerActionInput } from "../../core/ports/actionStore.js";
import type { ActionKind, ActionStatus } from "../../core/report/report.js";
import { snapshotText } from "../../core/ports/snapshotText.js";
import { parseActor } from "../../core/audit/actor.js";
import type { FieldChange } from "../../core/audit/fieldChange.js";
import { odataString, type LedgerTable } from "./ledgerTable.js";
import { invertedTime, partitionKeyFor } from "./ledgerKeys.js";

/** An action as read back; before/after only when the query selected them. */
function actionFromEntity(e: Record<string, unknown>): LedgerAction {
  return {
    resourceId: String(e.resourceId),
    resourceType: String(e.resourceType),
    action: e.action as ActionKind,
    status: e.status as ActionStatus,
    reason: String(e.reason),
    codes: typeof e.codes === "string" ? (JSON.parse(e.codes) as string[]) : [],
    dryRun: e.dryRun === true,
    at: String(e.at),
    ...(typeof e.from === "string" ? { from: e.from } : {}),
    ...(typeof e.to === "string" ? { to: e.to } : {}),
    ...(typeof e.before === "string" ? { before: e.before } : {}),
    ...(typeof e.after === "string" ? { after: e.after } : {}),
    ...(typeof e.eventId === "string" ? { eventId: e.eventId } : {}),
    ...(typeof e.correlationId === "string" ? { correlationId: e.correlationId } : {}),
    ...(typeof e.jobId === "string" ? { jobId: e.jobId } : {}),
    ...auditFields(e),
  };
}

/** The audit columns (absent on rows written before they existed). */
function auditFields(e: Record<string, unknown>): Pick<LedgerAction, "actor" | "planId" | "fields"> {
  const actor = parseActor(e.actor);
  let fields: FieldChange[] | undefined;
  if (typeof e.fields === "string") {
    try {
      fields = JSON.parse(e.fields) as FieldChange[];
    } catch {
      // A change list cut at the property limit is not JSON any more: shown as absent.
      fields = undefined;
    }
  }
  return {
    ...(actor === undefined ? {} : { actor }),
    ...(typeof e.planId === "string" ? { planId: e.planId } : {}),
    ...(fields === undefined ? {} : { fields }),
  };
}

const summaryColumns = [
  "resourceId",
  "resourceType",
  "action",
  "status",
  "reason",
  "codes",
  "dryRun",
  "at",
  "from",
  "to",
  "eventId",
  "correlationId",
  "jobId",
  "actor",
  "planId",
  "fields",
];

/**
 * {@link ActionStore} in Table Storage: one partition per resource (its history is one partition
 * query), rows keyed by inverted time so the newest comes first.
 */
export class TableActionStore implements ActionStore {
  constructor(private readonly ledger: LedgerTable) {}

  async recordAction(input: LedgerActionInput): Promise<void> {
    const table = await this.ledger.table();
    const now = this.ledger.clock();
    await table.createEntity({
      partitionKey: partitionKeyFor(input.resourceId),
      rowKey: `action|${invertedTime(now)}|${randomUUID()}`,
      kind: "action",
      resourceId: input.resourceId,
      resourceType: input.resourceType,
      action: input.action,
      status: input.status,
      reason: input.reason,
      codes: JSON.stringify(input.codes ?? []),
      from: input.from,
      to: input.to,
      before: snapshotText(input.before),
      after: snapshotText(input.after),
      eventId: input.eventId,
      correlationId: input.correlationId,
      jobId: input.jobId,
      actor: input.actor === undefined ? undefined : JSON.stringify(input.actor),
      planId: input.planId,
      fields: input.fields === undefined ? undefined : snapshotText(input.fields),
      dryRun: input.dryRun,
      at: new Date(now).toISOString(),
    });
  }

  async listActions(resourceId?: string): Promise<LedgerAction[]> {
    const table = await this.ledger.table();
    const filter =
      resourceId === undefined
        ? "kind eq 'action'"
        : `PartitionKey eq ${odataString(partitionKeyFor(resourceId))} and kind eq 'action'`;
    const out: LedgerAction[] = [];
    for await (const e of table.listEntities({ queryOptions: { filter } })) out.push(actionFromEntity(e));
    return out;
  }

  async newestActions(
    limit: number,
    keep: (action: LedgerAction) => boolean = () => true,
  ): Promise<LedgerAction[]> {
    const table = await this.ledger.table();
    const newestFirst = (a: LedgerAction, b: LedgerAction): number =>
      a.at < b.at ? 1 : a.at > b.at ? -1 : 0;
    let kept: LedgerAction[] = [];
    for await (const e of table.listEntities({
      queryOptions: { filter: "kind eq 'action'", select: summaryColumns },
    })) {
      const action = actionFromEntity(e);
      if (!keep(action)) continue;
      kept.push(action);
      if (kept.length >= 2 * limit) kept = kept.sort(newestFirst).slice(0, limit);
    }
    return kept.sort(newestFirst).slice(0, limit);
  }
}
