import type { StoredTicket, TicketFailure, TicketStore } from "../../src/app/tickets/ticketDispatcher.js";
import type { TicketContent, TicketRef } from "../../src/core/tickets/ticketSink.js";

/** A stored ticket plus what the store remembers about failures. */
export interface MemoryTicket extends StoredTicket {
  lastError?: TicketFailure;
  blocked: boolean;
}

/**
 * A TicketStore in memory with the ledger's rules: pending means requested, closing, or open with
 * an unsent update, and not blocked; a non-retryable failure blocks the ticket.
 */
export class InMemoryTicketStore implements TicketStore {
  readonly tickets = new Map<string, MemoryTicket>();

  private static key(t: Pick<TicketContent, "resourceId" | "findingCode">): string {
    return `${t.resourceId.toLowerCase()}|${t.findingCode}`;
  }

  /** Records a request the way the ledger does: new, or a repeat of an existing one. */
  request(content: TicketContent, at = "2026-11-22T12:00:00.000Z"): MemoryTicket {
    const key = InMemoryTicketStore.key(content);
    const existing = this.tickets.get(key);
    const reopened = existing === undefined || existing.state === "closed";
    const t: MemoryTicket = {
      ...content,
      state: existing?.state === "open" ? "open" : "requested",
      ...(existing?.ref === undefined || reopened ? {} : { ref: existing.ref }),
      count: (existing?.count ?? 0) + 1,
      firstSeen: reopened ? at : existing.firstSeen,
      lastSeen: at,
      pendingUpdate: existing?.state === "open",
      attempts: existing?.attempts ?? 0,
      blocked: false,
    };
    this.tickets.set(key, t);
    return t;
  }

  /** The finding is gone. */
  resolve(t: Pick<TicketContent, "resourceId" | "findingCode">, reason: string): void {
    const stored = this.get(t);
    if (stored.state === "open" || (stored.state === "requested" && stored.ref !== undefined))
      Object.assign(stored, { state: "closing", closeReason: reason });
    else if (stored.state === "requested") Object.assign(stored, { state: "closed", closeReason: reason });
  }

  get(t: Pick<TicketContent, "resourceId" | "findingCode">): MemoryTicket {
    const stored = this.tickets.get(InMemoryTicketStore.key(t));
    if (stored === undefined) throw new Error(`no ticket for ${t.resourceId} ${t.findingCode}`);
    return stored;
  }

  pending(): MemoryTicket[] {
    return [...this.tickets.values()].filter(
      (t) =>
        !t.blocked &&
        (t.state === "requested" || t.state === "closing" || (t.state === "open" && t.pendingUpdate)),
    );
  }

  async *pendingTickets(): AsyncIterable<StoredTicket> {
    for (const t of this.pending()) {
      await Promise.resolve();
      const { lastError: _e, blocked: _b, ...copy } = t;
      yield structuredClone(copy);
    }
  }

  markOpened(t: StoredTicket, ref: TicketRef): Promise<void> {
    Object.assign(this.get(t), {
      state: "open",
      ref,
      pendingUpdate: false,
      blocked: false,
      lastError: undefined,
    });
    return Promise.resolve();
  }

  markUpdated(t: StoredTicket): Promise<void> {
    Object.assign(this.get(t), { pendingUpdate: false, lastError: undefined });
    return Promise.resolve();
  }

  markClosed(t: StoredTicket): Promise<void> {
    Object.assign(this.get(t), { state: "closed", pendingUpdate: false, lastError: undefined });
    return Promise.resolve();
  }

  markFailed(t: StoredTicket, error: TicketFailure): Promise<void> {
    const stored = this.get(t);
    Object.assign(stored, { lastError: error, blocked: !error.retryable, attempts: stored.attempts + 1 });
    return Promise.resolve();
  }
}
