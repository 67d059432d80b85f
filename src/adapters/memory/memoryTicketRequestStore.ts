import type {
  TicketMark,
  TicketRequest,
  TicketRequestInput,
  TicketRequestStore,
  TicketResolution,
} from "../../core/ports/ticketRequestStore.js";
import { digest, partitionKeyFor } from "../storage/ledgerKeys.js";
import { definedFields } from "./definedFields.js";
import { MemoryLedgerError } from "./memoryLedgerError.js";

interface TicketRow {
  /** The Table's partition and row keys: tickets list in the Table's order. */
  partitionKey: string;
  rowKey: string;
  /** The request as the Table reads it back (with `pendingUpdate`, `blocked`, `sinkRef`...). */
  ticket: TicketRequest;
}

function byKeys(a: TicketRow, b: TicketRow): number {
  if (a.partitionKey !== b.partitionKey) return a.partitionKey < b.partitionKey ? -1 : 1;
  return a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0;
}

const unresolved = (t: TicketRequest): boolean => t.state === "requested" || t.state === "open";

/**
 * {@link TicketRequestStore} in memory with the Table store's state machine: one request per
 * resource and finding (both compared case-insensitively, as the Table keys them), a repeat
 * rewritten whole (so a close reason or sink error is gone), a closed one requested afresh. Every
 * method reads and writes without yielding, so concurrent repeats each count, as the Table's ETag
 * retries make them.
 */
export class MemoryTicketRequestStore implements TicketRequestStore {
  private readonly rows = new Map<string, TicketRow>();

  constructor(private readonly clock: () => number = Date.now) {}

  private static keys(t: Pick<TicketRequest, "resourceId" | "findingCode">) {
    const partitionKey = partitionKeyFor(t.resourceId);
    const rowKey = `ticket|${digest(t.findingCode)}`;
    return { partitionKey, rowKey, id: `${partitionKey}|${rowKey}` };
  }

  private sorted(resourceId?: string): TicketRow[] {
    const partitionKey = resourceId === undefined ? undefined : partitionKeyFor(resourceId);
    return [...this.rows.values()]
      .filter((row) => partitionKey === undefined || row.partitionKey === partitionKey)
      .sort(byKeys);
  }

  /** Puts a request as another store holds it (a dry run starts from a copy of the live ledger's). */
  restore(ticket: TicketRequest): void {
    const { partitionKey, rowKey, id } = MemoryTicketRequestStore.keys(ticket);
    this.rows.set(id, { partitionKey, rowKey, ticket: structuredClone(ticket) });
  }

  requestTicket(input: TicketRequestInput, options: { quietRepeat?: boolean } = {}): Promise<TicketRequest> {
    const { partitionKey, rowKey, id } = MemoryTicketRequestStore.keys(input);
    const existing = this.rows.get(id)?.ticket;
    const now = new Date(this.clock()).toISOString();
    const reopened = existing === undefined || existing.state === "closed";
    const request: TicketRequest = {
      ...input,
      // A repeat of a `closing` request asks for it again: the finding is back.
      state: existing?.state === "open" ? "open" : "requested",
      count: (existing?.count ?? 0) + 1,
      firstSeen: reopened ? now : existing.firstSeen,
      lastSeen: now,
      ...(existing?.ticketUrl === undefined ? {} : { ticketUrl: existing.ticketUrl }),
    };
    const sinkRef = reopened ? undefined : existing.sinkRef;
    const ticket: TicketRequest = definedFields({
      ...structuredClone(request),
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
    });
    this.rows.set(id, { partitionKey, rowKey, ticket });
    return Promise.resolve(request);
  }

  /** A request never sent to a sink is closed; one with a sink ticket becomes `closing`. */
  resolveTickets(resourceId: string, codes: TicketResolution, reason: string): Promise<TicketRequest[]> {
    const resolved: TicketRequest[] = [];
    for (const row of this.sorted(resourceId)) {
      const t = row.ticket;
      if (!unresolved(t)) continue;
      if (codes !== "all" && (!codes.candidates.has(t.findingCode) || codes.current.has(t.findingCode)))
        continue;
      t.state = t.state === "open" ? "closing" : "closed";
      t.closeReason = reason;
      resolved.push(structuredClone(t));
    }
    return Promise.resolve(resolved);
  }

  /** Blocked requests (a failure retrying cannot fix) wait for the next repeat. */
  pendingTickets(resourceId?: string): Promise<TicketRequest[]> {
    return Promise.resolve(
      this.sorted(resourceId)
        .map((row) => row.ticket)
        .filter(
          (t) =>
            t.blocked !== true &&
            (t.state === "requested" ||
              t.state === "closing" ||
              (t.state === "open" && t.pendingUpdate === true)),
        )
        .map((t) => structuredClone(t)),
    );
  }

  /** Throws {@link MemoryLedgerError} for a request never made, as the Table's merge fails with 404. */
  markTicket(ticket: Pick<TicketRequest, "resourceId" | "findingCode">, change: TicketMark): Promise<void> {
    const row = this.rows.get(MemoryTicketRequestStore.keys(ticket).id);
    if (row === undefined) {
      return Promise.reject(
        new MemoryLedgerError(
          "LedgerRecordNotFound",
          `no ticket request ${ticket.findingCode} for ${ticket.resourceId}`,
        ),
      );
    }
    const fields: Partial<TicketRequest> =
      "opened" in change
        ? {
            state: "open",
            sinkRef: { ...change.opened },
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
    Object.assign(row.ticket, fields);
    return Promise.resolve();
  }

  async *unresolvedTicketKeys(): AsyncIterable<{ resourceId: string; findingCode: string }> {
    const keys = this.sorted()
      .map((row) => row.ticket)
      .filter(unresolved)
      .map((t) => ({ resourceId: t.resourceId, findingCode: t.findingCode }));
    for (const key of keys) yield await Promise.resolve(key);
  }

  listTicketRequests(): Promise<TicketRequest[]> {
    return Promise.resolve(this.sorted().map((row) => structuredClone(row.ticket)));
  }
}
