import type { Ledger, TicketRequest } from "../ledger/ledger.js";
import { TicketSinkError, type TicketContent, type TicketSink } from "./ticketSink.js";

/** What one dispatch run did. */
export interface DispatchResult {
  opened: number;
  updated: number;
  closed: number;
  failed: { resourceId: string; findingCode: string; code: string; message: string; retryable: boolean }[];
}

/** Retries of one ticket within a run, and the pause between them. */
export interface DispatchOptions {
  attempts?: number;
  backoffMs?: number;
}

function content(t: TicketRequest): TicketContent {
  return {
    resourceId: t.resourceId,
    resourceType: t.resourceType,
    findingCode: t.findingCode,
    title: t.title,
    body: t.body,
    severity: t.severity,
  };
}

async function withRetries<T>(fn: () => Promise<T>, options: DispatchOptions): Promise<T> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const retryable = error instanceof TicketSinkError && error.retryable;
      if (!retryable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, (options.backoffMs ?? 500) * 2 ** (attempt - 1)));
    }
  }
}

/**
 * Makes the sink agree with the ledger's ticket requests: opens new tickets, comments on repeats,
 * closes resolved ones. Each ticket is independent: a failure is retried a few times, then recorded
 * on the request, which stays pending (never lost) unless retrying cannot help (e.g. 401).
 */
export async function dispatchTickets(
  ledger: Pick<Ledger, "pendingTickets" | "markTicket">,
  sink: TicketSink,
  options: DispatchOptions & { resourceId?: string } = {},
): Promise<DispatchResult> {
  const result: DispatchResult = { opened: 0, updated: 0, closed: 0, failed: [] };
  const pending = await ledger.pendingTickets(options.resourceId);
  await Promise.all(
    pending.map(async (t) => {
      try {
        if (t.state === "requested" && t.sinkRef === undefined) {
          const ref = await withRetries(() => sink.open(content(t)), options);
          await ledger.markTicket(t, { opened: ref });
          result.opened++;
        } else if (t.state === "closing" && t.sinkRef !== undefined) {
          const ref = t.sinkRef;
          await withRetries(
            () => sink.close(ref, `Resolved: ${t.closeReason ?? "the finding is gone"}.`),
            options,
          );
          await ledger.markTicket(t, { closed: true });
          result.closed++;
        } else if (t.sinkRef !== undefined) {
          const ref = t.sinkRef;
          const note = `Seen again (${t.count} times; first ${t.firstSeen}, last ${t.lastSeen}).`;
          await withRetries(() => sink.update(ref, content(t), note), options);
          await ledger.markTicket(t, { updated: true });
          result.updated++;
        } else if (t.state === "closing") {
          await ledger.markTicket(t, { closed: true });
          result.closed++;
        }
      } catch (error) {
        const e =
          error instanceof TicketSinkError
            ? error
            : new TicketSinkError(
                "TicketSinkFailed",
                sink.name,
                error instanceof Error ? error.message : String(error),
                true,
              );
        await ledger.markTicket(t, { failed: `${e.code}: ${e.message}`, retryable: e.retryable });
        result.failed.push({
          resourceId: t.resourceId,
          findingCode: t.findingCode,
          code: e.code,
          message: e.message,
          retryable: e.retryable,
        });
      }
    }),
  );
  return result;
}
