import { randomUUID } from "node:crypto";
import { RestError } from "@azure/core-rest-pipeline";
import type { TableClient, TableEntityResult, TransactionAction } from "@azure/data-tables";
import type { ActionKind, ActionStatus, ReportAction } from "../../core/report/report.js";
import { digest, invertedTime, partitionKeyFor } from "./ledgerKeys.js";

/** One planned or applied action, with what the resource looked like before and after. */
export interface LedgerActionInput {
  resourceId: string;
  resourceType: string;
  action: ActionKind;
  status: ActionStatus;
  reason: string;
  codes?: readonly string[];
  from?: string;
  to?: string;
  before?: unknown;
  after?: unknown;
  eventId?: string;
  correlationId?: string;
  jobId?: string;
  dryRun: boolean;
}

/** A recorded action as read back. */
export interface LedgerAction extends Omit<LedgerActionInput, "codes" | "before" | "after"> {
  codes: string[];
  before?: string;
  after?: string;
  at: string;
}

/** A request for a ticket, kept until a ticket sink takes it (one per resource and finding). */
export interface TicketRequestInput {
  resourceId: string;
  resourceType: string;
  findingCode: string;
  title: string;
  body: string;
  severity: "urgent" | "high" | "medium" | "low";
  eventId?: string;
  correlationId?: string;
}

export interface TicketRequest extends TicketRequestInput {
  /** `closing`: resolved here, the ticket at the sink still to be closed. */
  state: "requested" | "open" | "closing" | "closed";
  /** Why it was resolved (compliant now, resource deleted). */
  closeReason?: string;
  /** The ticket at the sink, once opened. */
  sinkRef?: { sink: string; externalId: string; url: string };
  /** Seen again since the sink was last told. */
  pendingUpdate?: boolean;
  /** The last sink failure; with `blocked`, a failure retrying cannot fix (until the finding is seen again). */
  lastError?: string;
  blocked?: boolean;
  count: number;
  firstSeen: string;
  lastSeen: string;
  ticketUrl?: string;
}

/** Outcome of trying to start a job. */
export type JobStart = "started" | "done" | "busy";

/** A job claim as read back, with what the job did once finished. */
export interface JobRecord {
  dedupeKey: string;
  resourceId: string;
  state: "queued" | "running" | "done" | "failed";
  attempts: number;
  /** ISO 8601. */
  updatedAt: string;
  result?: ReportAction[];
}

/**
 * A manual operation that fans out through the queue (a subscription-wide remediation). Its jobs
 * are claimed in the group {@link operationGroup}, so its progress is one partition query.
 */
export interface OperationRecord {
  operationId: string;
  /** What was asked for, e.g. `subscription:<id>`. */
  target: string;
  dryRun: boolean;
  /** `listing`: resources are still being enumerated; `listed`: every job is queued; `failed`: listing failed. */
  listing: "listing" | "listed" | "failed";
  /** Resources seen while listing. */
  resourcesSeen: number;
  /** Jobs queued. */
  jobsQueued: number;
  /** Why listing failed. */
  error?: string;
  /** ISO 8601. */
  createdAt: string;
}

/** The job group of a manual operation. */
export function operationGroup(operationId: string): string {
  return `operation|${operationId.toLowerCase()}`;
}

// The operation's own row in its claims partition; claim rows are 32 hex digits, so no clash.
const operationRow = "operation";

// A job's actions are small (one resource); a pathological one has its reasons shortened, then
// keeps its first actions only, so the stored text is always whole JSON.
function jobResultText(result: readonly ReportAction[]): string {
  const full = JSON.stringify(result);
  if (full.length <= maxSnapshotChars) return full;
  const short = result.map((a) =>
    a.reason.length > 500 ? { ...a, reason: `${a.reason.slice(0, 500)}…` } : a,
  );
  for (let n = short.length; n > 0; n--) {
    const text = JSON.stringify(short.slice(0, n));
    if (text.length <= maxSnapshotChars) return text;
  }
  return "[]";
}

interface JobEntity {
  partitionKey: string;
  rowKey: string;
  dedupeKey: string;
  resourceId: string;
  state: "queued" | "running" | "done" | "failed";
  attempts: number;
  leaseUntil: number;
  updatedAt: string;
}

// Table Storage caps a property at 64 KiB; snapshots beyond that are cut, never dropped silently.
const maxSnapshotChars = 30_000;

function snapshot(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text.length > maxSnapshotChars ? `${text.slice(0, maxSnapshotChars)}…(truncated)` : text;
}

function ticketFromEntity(e: Record<string, unknown>): TicketRequest {
  const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, kind: _k, sinkRef, ...rest } = e;
  const request = rest as unknown as TicketRequest;
  return typeof sinkRef === "string"
    ? { ...request, sinkRef: JSON.parse(sinkRef) as TicketRequest["sinkRef"] & object }
    : request;
}

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
  };
}

/** Job claims of one group (one key event, one manual run) share a partition, so they batch. */
function jobPartition(group: string): string {
  return `jobs|${digest(group)}`;
}

function isStatus(error: unknown, status: number): boolean {
  return error instanceof RestError && error.statusCode === status;
}

/**
 * The ledger in Azure Table Storage: every planned and applied action, job claims that make
 * duplicate events and duplicate queue messages harmless, and ticket requests.
 */
export class Ledger {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly table: TableClient,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Creates the table once per process (idempotent). */
  private ensureTable(): Promise<void> {
    this.ready ??= this.table.createTable().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  /** Records an action. */
  async recordAction(input: LedgerActionInput): Promise<void> {
    await this.ensureTable();
    const now = this.clock();
    await this.table.createEntity({
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
      before: snapshot(input.before),
      after: snapshot(input.after),
      eventId: input.eventId,
      correlationId: input.correlationId,
      jobId: input.jobId,
      dryRun: input.dryRun,
      at: new Date(now).toISOString(),
    });
  }

  /**
   * Claims dedupe keys for new jobs, in Table transactions of up to 100 (one partition per group,
   * e.g. per key event), so planning thousands of jobs costs tens of requests. Returns the keys
   * claimed now; a key claimed before (a duplicate event) is left out, so nothing is queued twice,
   * except a job that gave up, which a new event may try again.
   */
  async claimJobs(
    group: string,
    jobs: readonly { dedupeKey: string; resourceId: string }[],
  ): Promise<Set<string>> {
    await this.ensureTable();
    const partitionKey = jobPartition(group);
    const claimed = new Set<string>();
    const updatedAt = new Date(this.clock()).toISOString();
    const entity = (j: { dedupeKey: string; resourceId: string }): JobEntity => ({
      partitionKey,
      rowKey: digest(j.dedupeKey),
      dedupeKey: j.dedupeKey,
      resourceId: j.resourceId,
      state: "queued",
      attempts: 0,
      leaseUntil: 0,
      updatedAt,
    });
    const unique = [...new Map(jobs.map((j) => [digest(j.dedupeKey), j])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      const chunk = unique.slice(i, i + 100);
      try {
        await this.table.submitTransaction(chunk.map((j): TransactionAction => ["create", { ...entity(j) }]));
        for (const j of chunk) claimed.add(j.dedupeKey);
        continue;
      } catch (error) {
        // The whole transaction fails when one row exists already: claim one by one instead.
        if (!isStatus(error, 409) && !isStatus(error, 400)) throw error;
      }
      await Promise.all(
        chunk.map(async (j) => {
          try {
            await this.table.createEntity(entity(j));
            claimed.add(j.dedupeKey);
          } catch (error) {
            if (!isStatus(error, 409)) throw error;
            if (await this.reclaimFailed(partitionKey, entity(j))) claimed.add(j.dedupeKey);
          }
        }),
      );
    }
    return claimed;
  }

  /**
   * A job that gave up (poison queue) is claimed again by the next event that plans it: the cause
   * may be gone (a key version Key Vault did not list yet). Done, queued and running jobs stay
   * duplicates. The ETag makes one of two concurrent planners win.
   */
  private async reclaimFailed(partitionKey: string, fresh: JobEntity): Promise<boolean> {
    let existing: TableEntityResult<JobEntity>;
    try {
      existing = await this.table.getEntity<JobEntity>(partitionKey, fresh.rowKey);
    } catch (error) {
      if (isStatus(error, 404)) return false;
      throw error;
    }
    if (existing.state !== "failed") return false;
    try {
      await this.table.updateEntity<JobEntity>(fresh, "Replace", { etag: existing.etag });
      return true;
    } catch (error) {
      if (isStatus(error, 412)) return false;
      throw error;
    }
  }

  /**
   * Takes the job for one worker, with a lease: a duplicate message, or a second worker, sees
   * `busy` (while the lease runs) or `done`. Uses the entity's ETag so two workers cannot both win.
   */
  async startJob(group: string, dedupeKey: string, resourceId: string, leaseMs: number): Promise<JobStart> {
    await this.ensureTable();
    const partitionKey = jobPartition(group);
    const rowKey = digest(dedupeKey);
    const now = this.clock();
    let entity: TableEntityResult<JobEntity> | undefined;
    try {
      entity = await this.table.getEntity<JobEntity>(partitionKey, rowKey);
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
    }
    if (entity === undefined) {
      // A job enqueued without a claim (e.g. by an operator): claim it now.
      const claimed = await this.claimJobs(group, [{ dedupeKey, resourceId }]);
      if (!claimed.has(dedupeKey)) return "busy";
      return this.startJob(group, dedupeKey, resourceId, leaseMs);
    }
    if (entity.state === "done") return "done";
    if (entity.state === "running" && entity.leaseUntil > now) return "busy";
    try {
      await this.table.updateEntity<JobEntity>(
        {
          partitionKey,
          rowKey,
          dedupeKey,
          resourceId,
          state: "running",
          attempts: entity.attempts + 1,
          leaseUntil: now + leaseMs,
          updatedAt: new Date(now).toISOString(),
        },
        "Replace",
        { etag: entity.etag },
      );
      return "started";
    } catch (error) {
      if (isStatus(error, 412)) return "busy";
      throw error;
    }
  }

  /**
   * Ends a job: `done` for any final outcome, `queued` to let a retry take it again. `result` (the
   * job's report actions) is kept with the claim so a manual operation can report what its jobs did.
   */
  async finishJob(
    group: string,
    dedupeKey: string,
    state: "done" | "queued" | "failed",
    result?: readonly ReportAction[],
  ): Promise<void> {
    await this.ensureTable();
    const resultText = result === undefined ? undefined : jobResultText(result);
    await this.table.updateEntity(
      {
        partitionKey: jobPartition(group),
        rowKey: digest(dedupeKey),
        state,
        leaseUntil: 0,
        updatedAt: new Date(this.clock()).toISOString(),
        ...(resultText === undefined ? {} : { result: resultText }),
      },
      "Merge",
    );
  }

  /** Every job claimed in a group (one partition query), with the actions of finished ones. */
  async listJobs(group: string): Promise<JobRecord[]> {
    await this.ensureTable();
    const filter = `PartitionKey eq '${jobPartition(group).replace(/'/g, "''")}'`;
    const out: JobRecord[] = [];
    for await (const e of this.table.listEntities({ queryOptions: { filter } })) {
      if (e.rowKey === operationRow) continue;
      out.push({
        dedupeKey: String(e.dedupeKey),
        resourceId: String(e.resourceId),
        state: e.state as JobRecord["state"],
        attempts: typeof e.attempts === "number" ? e.attempts : 0,
        updatedAt: String(e.updatedAt),
        ...(typeof e.result === "string" ? { result: JSON.parse(e.result) as ReportAction[] } : {}),
      });
    }
    return out;
  }

  /** Records a new manual operation (its jobs are claimed in the group `operationGroup(id)`). */
  async createOperation(operation: OperationRecord): Promise<void> {
    await this.ensureTable();
    await this.table.createEntity({
      partitionKey: jobPartition(operationGroup(operation.operationId)),
      rowKey: operationRow,
      ...operation,
    });
  }

  /** Updates a manual operation's own fields (listing progress, outcome). */
  async updateOperation(
    operationId: string,
    change: Partial<Omit<OperationRecord, "operationId" | "target" | "createdAt">>,
  ): Promise<void> {
    await this.ensureTable();
    await this.table.updateEntity(
      { partitionKey: jobPartition(operationGroup(operationId)), rowKey: operationRow, ...change },
      "Merge",
    );
  }

  /** A manual operation, or undefined when there is none with that id. */
  async getOperation(operationId: string): Promise<OperationRecord | undefined> {
    await this.ensureTable();
    try {
      const e = await this.table.getEntity(jobPartition(operationGroup(operationId)), operationRow);
      const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, ...rest } = e;
      return rest as unknown as OperationRecord;
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /**
   * Records a ticket request; a repeat for the same resource and finding updates the one record
   * (count, last seen, text) instead of adding another. Returns the stored request.
   *
   * A repeat of an open ticket is marked for the sink to update (a new comment), except with
   * `quietRepeat` when its title, body and severity are unchanged: the periodic sweep re-confirms
   * standing findings and must not comment on every ticket at every run.
   */
  async requestTicket(
    input: TicketRequestInput,
    options: { quietRepeat?: boolean } = {},
  ): Promise<TicketRequest> {
    await this.ensureTable();
    const partitionKey = partitionKeyFor(input.resourceId);
    const rowKey = `ticket|${digest(input.findingCode)}`;
    const now = new Date(this.clock()).toISOString();
    for (let attempt = 0; attempt < 5; attempt++) {
      let existing: TableEntityResult<Record<string, unknown>> | undefined;
      try {
        existing = await this.table.getEntity(partitionKey, rowKey);
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
      }
      const state = existing?.state === "open" ? "open" : "requested";
      const request: TicketRequest = {
        ...input,
        state: existing === undefined || existing.state === "closed" ? "requested" : state,
        count: (typeof existing?.count === "number" ? existing.count : 0) + 1,
        firstSeen:
          typeof existing?.firstSeen === "string" && existing.state !== "closed" ? existing.firstSeen : now,
        lastSeen: now,
        ...(typeof existing?.ticketUrl === "string" ? { ticketUrl: existing.ticketUrl } : {}),
      };
      const sinkRef =
        typeof existing?.sinkRef === "string" && existing.state !== "closed" ? existing.sinkRef : undefined;
      const entity = {
        partitionKey,
        rowKey,
        kind: "ticket",
        ...request,
        ...(sinkRef === undefined ? {} : { sinkRef }),
        pendingUpdate:
          existing !== undefined &&
          request.state === "open" &&
          (options.quietRepeat !== true ||
            existing.pendingUpdate === true ||
            existing.title !== input.title ||
            existing.body !== input.body ||
            existing.severity !== input.severity),
        blocked: false,
      };
      try {
        if (existing === undefined) await this.table.createEntity(entity);
        else await this.table.updateEntity(entity, "Replace", { etag: existing.etag });
        return request;
      } catch (error) {
        // Lost a race with another writer: read again and merge.
        if (!isStatus(error, 409) && !isStatus(error, 412)) throw error;
      }
    }
    throw new Error(`could not record the ticket request for ${input.resourceId} after 5 attempts`);
  }

  /** Every recorded action, newest first within a resource. */
  async listActions(resourceId?: string): Promise<LedgerAction[]> {
    await this.ensureTable();
    const filter =
      resourceId === undefined
        ? "kind eq 'action'"
        : `PartitionKey eq '${partitionKeyFor(resourceId).replace(/'/g, "''")}' and kind eq 'action'`;
    const out: LedgerAction[] = [];
    for await (const e of this.table.listEntities({ queryOptions: { filter } })) {
      out.push(actionFromEntity(e));
    }
    return out;
  }

  /**
   * The newest `limit` actions of the whole ledger that `keep` accepts, newest first, without their
   * before/after snapshots. Read as a stream and cut as it goes, so a report over a long history
   * holds about `limit` actions, never the history.
   */
  async newestActions(
    limit: number,
    keep: (action: LedgerAction) => boolean = () => true,
  ): Promise<LedgerAction[]> {
    await this.ensureTable();
    const newestFirst = (a: LedgerAction, b: LedgerAction): number =>
      a.at < b.at ? 1 : a.at > b.at ? -1 : 0;
    let kept: LedgerAction[] = [];
    for await (const e of this.table.listEntities({
      queryOptions: {
        filter: "kind eq 'action'",
        select: [
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
        ],
      },
    })) {
      const action = actionFromEntity(e);
      if (!keep(action)) continue;
      kept.push(action);
      if (kept.length >= 2 * limit) kept = kept.sort(newestFirst).slice(0, limit);
    }
    return kept.sort(newestFirst).slice(0, limit);
  }

  /**
   * Resolves the resource's open ticket requests whose finding is gone: every one when `codes` is
   * `"all"` (the resource was deleted), else those whose code is in `codes.candidates` but not in
   * `codes.current`. A request never sent to a sink is closed; one with a sink ticket becomes
   * `closing` until the sink closes it. Returns what was resolved.
   */
  async resolveTickets(
    resourceId: string,
    codes: "all" | { candidates: ReadonlySet<string>; current: ReadonlySet<string> },
    reason: string,
  ): Promise<TicketRequest[]> {
    await this.ensureTable();
    const partitionKey = partitionKeyFor(resourceId);
    const resolved: TicketRequest[] = [];
    const filter = `PartitionKey eq '${partitionKey.replace(/'/g, "''")}' and kind eq 'ticket'`;
    for await (const raw of this.table.listEntities({ queryOptions: { filter } })) {
      const e = ticketFromEntity(raw);
      if (e.state !== "requested" && e.state !== "open") continue;
      if (codes !== "all" && (!codes.candidates.has(e.findingCode) || codes.current.has(e.findingCode)))
        continue;
      const state = e.state === "open" ? "closing" : "closed";
      try {
        await this.table.updateEntity(
          { partitionKey, rowKey: `ticket|${digest(e.findingCode)}`, state, closeReason: reason },
          "Merge",
          { etag: raw.etag },
        );
      } catch (error) {
        // Changed meanwhile (a new finding was just recorded): leave it to the next evaluation.
        if (isStatus(error, 412)) continue;
        throw error;
      }
      resolved.push({ ...e, state, closeReason: reason });
    }
    return resolved;
  }

  /**
   * Ticket requests the sink has not caught up with: new ones, repeats of open ones, resolved ones
   * still open at the sink. Blocked ones (a failure retrying cannot fix) wait for the next repeat.
   */
  async pendingTickets(resourceId?: string): Promise<TicketRequest[]> {
    const all = resourceId === undefined ? await this.listTicketRequests() : await this.ticketsOf(resourceId);
    return all.filter(
      (t) =>
        t.blocked !== true &&
        (t.state === "requested" ||
          t.state === "closing" ||
          (t.state === "open" && t.pendingUpdate === true)),
    );
  }

  private async ticketsOf(resourceId: string): Promise<TicketRequest[]> {
    await this.ensureTable();
    const filter = `PartitionKey eq '${partitionKeyFor(resourceId).replace(/'/g, "''")}' and kind eq 'ticket'`;
    const out: TicketRequest[] = [];
    for await (const e of this.table.listEntities({ queryOptions: { filter } }))
      out.push(ticketFromEntity(e));
    return out;
  }

  /** Records what the sink now knows about a ticket. */
  async markTicket(
    ticket: Pick<TicketRequest, "resourceId" | "findingCode">,
    change:
      | { opened: { sink: string; externalId: string; url: string } }
      | { updated: true }
      | { closed: true }
      | { failed: string; retryable: boolean },
  ): Promise<void> {
    await this.ensureTable();
    const keys = {
      partitionKey: partitionKeyFor(ticket.resourceId),
      rowKey: `ticket|${digest(ticket.findingCode)}`,
    };
    const fields =
      "opened" in change
        ? {
            state: "open",
            sinkRef: JSON.stringify(change.opened),
            ticketUrl: change.opened.url,
            pendingUpdate: false,
            lastError: "",
            blocked: false,
          }
        : "updated" in change
          ? { pendingUpdate: false, lastError: "", blocked: false }
          : "closed" in change
            ? { state: "closed", pendingUpdate: false, lastError: "", blocked: false }
            : { lastError: change.failed, blocked: !change.retryable };
    await this.table.updateEntity({ ...keys, ...fields }, "Merge");
  }

  /**
   * The resource and finding of every ticket request not yet resolved (`requested` or `open`),
   * one at a time and without the ticket texts, so the sweep can find what to re-check cheaply.
   */
  async *unresolvedTicketKeys(): AsyncIterable<{ resourceId: string; findingCode: string }> {
    await this.ensureTable();
    for await (const e of this.table.listEntities({
      queryOptions: {
        filter: "kind eq 'ticket' and (state eq 'requested' or state eq 'open')",
        select: ["resourceId", "findingCode"],
      },
    })) {
      if (typeof e.resourceId === "string" && typeof e.findingCode === "string")
        yield { resourceId: e.resourceId, findingCode: e.findingCode };
    }
  }

  /** Every ticket request. */
  async listTicketRequests(): Promise<TicketRequest[]> {
    await this.ensureTable();
    const out: TicketRequest[] = [];
    for await (const e of this.table.listEntities({
      queryOptions: { filter: "kind eq 'ticket'" },
    })) {
      out.push(ticketFromEntity(e));
    }
    return out;
  }
}
