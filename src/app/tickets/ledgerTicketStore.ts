import type { Ledger } from "../../core/ports/ledger.js";
import type { TicketRequest } from "../../core/ports/ticketRequestStore.js";
import type { StoredTicket, TicketStore } from "./ticketDispatcher.js";

/** The ledger calls the store needs. */
export type TicketLedger = Pick<Ledger, "pendingTickets" | "markTicket">;

/** A ledger ticket request as the dispatcher sees it. */
export function storedTicketOf(request: TicketRequest): StoredTicket {
  return {
    resourceId: request.resourceId,
    resourceType: request.resourceType,
    findingCode: request.findingCode,
    title: request.title,
    body: request.body,
    severity: request.severity,
    state: request.state,
    ...(request.sinkRef === undefined ? {} : { ref: request.sinkRef }),
    count: request.count,
    firstSeen: request.firstSeen,
    lastSeen: request.lastSeen,
    pendingUpdate: request.pendingUpdate === true,
    ...(request.closeReason === undefined ? {} : { closeReason: request.closeReason }),
    // The ledger keeps the last failure, not a count.
    attempts: 0,
  };
}

/**
 * The ledger as a {@link TicketStore}: its pending ticket requests (of one resource, or all) and
 * `markTicket` for the outcomes. A non-retryable failure blocks the request until the finding is
 * seen again; a retryable one leaves it pending.
 */
export function ledgerTicketStore(ledger: TicketLedger, resourceId?: string): TicketStore {
  return {
    async *pendingTickets() {
      for (const request of await ledger.pendingTickets(resourceId)) yield storedTicketOf(request);
    },
    markOpened: (t, ref) => ledger.markTicket(t, { opened: ref }),
    markUpdated: (t) => ledger.markTicket(t, { updated: true }),
    markClosed: (t) => ledger.markTicket(t, { closed: true }),
    markFailed: (t, error) =>
      ledger.markTicket(t, { failed: `${error.code}: ${error.message}`, retryable: error.retryable }),
  };
}
