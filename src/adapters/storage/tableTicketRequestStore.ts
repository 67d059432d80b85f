import type { TableEntityResult } from "@azure/data-tables";
import type {
  TicketMark,
  TicketRequest,
  TicketRequestInput,
  TicketRequestStore,
  TicketResolution,
} from "../../core/ports/ticketRequestStore.js";
import { isStatus, odataString, type LedgerTable } from "./ledgerTable.js";
import { digest, partitionKeyFor } from "./ledgerKeys.js";

function ticketFromEntity(e: Record<string, unknown>): TicketRequest {
  const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, kind: _k, sinkRef, ...rest } = e;
  const request = rest as unknown as TicketRequest;
  return typeof sinkRef === "string"
    ? { ...request, sinkRef: JSON.parse(sinkRef) as TicketRequest["sinkRef"] & object }
    : request;
}

function ticketRow(findingCode: string): string {
  return `ticket|${digest(findingCode)}`;
}

/** {@link TicketRequestStore} in Table Storage: a row per finding in the resource's partition. */
export class TableTicketRequestStore implements TicketRequestStore {
  constructor(private readonly ledger: LedgerTable) {}

  /** Concurrent writers are reconciled with ETags: a lost race reads again and merges. */
  async requestTicket(
    input: TicketRequestInput,
    options: { quietRepeat?: boolean } = {},
  ): Promise<TicketRequest> {
    const table = await this.ledger.table();
    const partitionKey = partitionKeyFor(input.resourceId);
    const rowKey = ticketRow(input.findingCode);
    const now = new Date(this.ledger.clock()).toISOString();
    for (let attempt = 0; attempt < 5; attempt++) {
      let existing: TableEntityResult<Record<string, unknown>> | undefined;
      try {
        existing = await table.getEntity(partitionKey, rowKey);
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
        if (existing === undefined) await table.createEntity(entity);
        else await table.updateEntity(entity, "Replace", { etag: existing.etag });
        return request;
      } catch (error) {
        if (!isStatus(error, 409) && !isStatus(error, 412)) throw error;
      }
    }
    throw new Error(`could not record the ticket request for ${input.resourceId} after 5 attempts`);
  }

  /** A request never sent to a sink is closed; one with a sink ticket becomes `closing`. */
  async resolveTickets(
    resourceId: string,
    codes: TicketResolution,
    reason: string,
  ): Promise<TicketRequest[]> {
    const table = await this.ledger.table();
    const partitionKey = partitionKeyFor(resourceId);
    const resolved: TicketRequest[] = [];
    const filter = `PartitionKey eq ${odataString(partitionKey)} and kind eq 'ticket'`;
    for await (const raw of table.listEntities({ queryOptions: { filter } })) {
      const e = ticketFromEntity(raw);
      if (e.state !== "requested" && e.state !== "open") continue;
      if (codes !== "all" && (!codes.candidates.has(e.findingCode) || codes.current.has(e.findingCode)))
        continue;
      const state = e.state === "open" ? "closing" : "closed";
      try {
        await table.updateEntity(
          { partitionKey, rowKey: ticketRow(e.findingCode), state, closeReason: reason },
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

  /** Blocked requests (a failure retrying cannot fix) wait for the next repeat. */
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
    const table = await this.ledger.table();
    const filter = `PartitionKey eq ${odataString(partitionKeyFor(resourceId))} and kind eq 'ticket'`;
    const out: TicketRequest[] = [];
    for await (const e of table.listEntities({ queryOptions: { filter } })) out.push(ticketFromEntity(e));
    return out;
  }

  async markTicket(
    ticket: Pick<TicketRequest, "resourceId" | "findingCode">,
    change: TicketMark,
  ): Promise<void> {
    const table = await this.ledger.table();
    const keys = { partitionKey: partitionKeyFor(ticket.resourceId), rowKey: ticketRow(ticket.findingCode) };
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
    await table.updateEntity({ ...keys, ...fields }, "Merge");
  }

  async *unresolvedTicketKeys(): AsyncIterable<{ resourceId: string; findingCode: string }> {
    const table = await this.ledger.table();
    for await (const e of table.listEntities({
      queryOptions: {
        filter: "kind eq 'ticket' and (state eq 'requested' or state eq 'open')",
        select: ["resourceId", "findingCode"],
      },
    })) {
      if (typeof e.resourceId === "string" && typeof e.findingCode === "string")
        yield { resourceId: e.resourceId, findingCode: e.findingCode };
    }
  }

  async listTicketRequests(): Promise<TicketRequest[]> {
    const table = await this.ledger.table();
    const out: TicketRequest[] = [];
    for await (const e of table.listEntities({ queryOptions: { filter: "kind eq 'ticket'" } }))
      out.push(ticketFromEntity(e));
    return out;
  }
}
