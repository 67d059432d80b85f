import { ledgerTicketStore, type TicketLedger } from "./ledgerTicketStore.js";
import {
  dispatchTickets as dispatchStoreTickets,
  type DispatchOptions,
  type DispatchResult,
} from "./ticketDispatcher.js";
import type { TicketSink } from "../../core/tickets/ticketSink.js";

/**
 * Brings the sink in line with the ledger's pending ticket requests, of one resource
 * (`resourceId`) or all: the dispatcher of `ticketDispatcher.ts` over {@link ledgerTicketStore}.
 */
export function dispatchTickets(
  ledger: TicketLedger,
  sink: TicketSink,
  options: DispatchOptions & { resourceId?: string } = {},
): Promise<DispatchResult> {
  const { resourceId, ...rest } = options;
  return dispatchStoreTickets(ledgerTicketStore(ledger, resourceId), sink, rest);
}
