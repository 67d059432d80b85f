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

/** A ticket request as stored. */
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

/** What the sink now knows about a ticket. */
export type TicketMark =
  | { opened: { sink: string; externalId: string; url: string } }
  | { updated: true }
  | { closed: true }
  | { failed: string; retryable: boolean };

/** Which of a resource's ticket requests to resolve. */
export type TicketResolution = "all" | { candidates: ReadonlySet<string>; current: ReadonlySet<string> };

/** Ticket requests: one per resource and finding, kept in step with the sink. */
export interface TicketRequestStore {
  /**
   * Records a ticket request; a repeat for the same resource and finding updates the one record
   * (count, last seen, text). A repeat of an open ticket is marked for the sink to update, except
   * with `quietRepeat` when its title, body and severity are unchanged.
   */
  requestTicket(input: TicketRequestInput, options?: { quietRepeat?: boolean }): Promise<TicketRequest>;
  /**
   * Resolves the resource's open requests whose finding is gone: every one with `"all"`, else those
   * whose code is a candidate but not current. Returns what was resolved.
   */
  resolveTickets(resourceId: string, codes: TicketResolution, reason: string): Promise<TicketRequest[]>;
  /** Requests the sink has not caught up with (of one resource, when given). */
  pendingTickets(resourceId?: string): Promise<TicketRequest[]>;
  /** Records what the sink now knows about a ticket. */
  markTicket(ticket: Pick<TicketRequest, "resourceId" | "findingCode">, change: TicketMark): Promise<void>;
  /** Resource and finding of every unresolved request, one at a time, without texts. */
  unresolvedTicketKeys(): AsyncIterable<{ resourceId: string; findingCode: string }>;
  /** Every ticket request. */
  listTicketRequests(): Promise<TicketRequest[]>;
}
