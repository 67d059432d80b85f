import { renderTicketBody, ticketCloseComment, ticketUpdateNote } from "../../core/tickets/ticketMarkdown.js";
import {
  statusOf,
  toTicketSinkError,
  type TicketContent,
  type TicketRef,
  type TicketSink,
  type TicketSinkError,
} from "../../core/tickets/ticketSink.js";

/** A ticket request as the store keeps it, with where the sink stands. */
export interface StoredTicket extends TicketContent {
  /** `closing`: resolved here, the ticket at the sink still to be closed. */
  state: "requested" | "open" | "closing" | "closed";
  /** The ticket at the sink, once opened. */
  ref?: TicketRef;
  count: number;
  /** ISO 8601. */
  firstSeen: string;
  /** ISO 8601. */
  lastSeen: string;
  /** Seen again since the sink was last told. */
  pendingUpdate: boolean;
  /** Why it was resolved (compliant now, resource deleted). */
  closeReason?: string;
  /** Failed sink attempts so far, as the store counts them. */
  attempts: number;
}

/** Why a ticket could not be brought in line with the sink. */
export interface TicketFailure {
  /** A {@link TicketSinkError} code, or `TicketStoreFailed` when recording the outcome failed. */
  code: string;
  message: string;
  /** Whether a later run may succeed; the store keeps such tickets pending. */
  retryable: boolean;
}

/** Where ticket requests live (the ledger); the dispatcher reads pending ones and records outcomes. */
export interface TicketStore {
  /** Tickets the sink has not caught up with: `requested` (new, or seen again before the sink knew), `open` with an unsent update, `closing`. */
  pendingTickets(): AsyncIterable<StoredTicket>;
  /** The ticket exists at the sink (just opened, or confirmed open): state `open`, no pending update. */
  markOpened(t: StoredTicket, ref: TicketRef): Promise<void>;
  markUpdated(t: StoredTicket): Promise<void>;
  markClosed(t: StoredTicket): Promise<void>;
  /** Records the failure; a retryable one leaves the ticket pending, a non-retryable one parks it. */
  markFailed(t: StoredTicket, error: TicketFailure): Promise<void>;
}

/** Limits of one dispatch run. */
export interface DispatchOptions {
  /** Tries per ticket and run for retryable failures; default 3. */
  maxAttemptsPerRun?: number;
  /** First pause between tries, doubled each time (with jitter); default 500 ms, 0 for none. */
  backoffMs?: number;
  /**
   * Longest pause the run makes; default 30 s. A sink asking for a longer one (Retry-After) ends
   * the run: the remaining tickets stay pending for the next run.
   */
  maxBackoffMs?: number;
  /** Tickets handled at once; default 4. */
  concurrency?: number;
  /** Tickets in a row that fail every try before the run stops, the sink being down; default 5. */
  maxConsecutiveFailures?: number;
  /** The clock, in milliseconds since the epoch (closing comments carry the time). */
  now?: () => number;
  /** Where failures are reported, one line each; default `console.warn`. */
  log?: (line: string) => void;
}

/** What one run did. */
export interface DispatchResult {
  /** Tickets opened at the sink (and recorded). */
  opened: TicketRef[];
  updated: number;
  closed: number;
  failed: { ticket: StoredTicket; error: TicketFailure }[];
  /** Why the run stopped early, if it did; tickets not reached stay pending. */
  halted?: string;
}

type Work =
  | { kind: "open" }
  | { kind: "update"; ref: TicketRef; confirmOpen: boolean }
  | { kind: "close"; ref: TicketRef | undefined }
  | { kind: "none" };

/** What the sink has to be told about a ticket, from its stored state. */
export function workFor(t: StoredTicket): Work {
  switch (t.state) {
    case "requested":
      // Seen again while its ticket was being closed: the sink ticket is still open, so comment on it.
      return t.ref === undefined ? { kind: "open" } : { kind: "update", ref: t.ref, confirmOpen: true };
    case "open":
      if (t.ref === undefined) return { kind: "open" };
      return t.pendingUpdate ? { kind: "update", ref: t.ref, confirmOpen: false } : { kind: "none" };
    case "closing":
      return { kind: "close", ref: t.ref };
    case "closed":
      return { kind: "none" };
  }
}

function contentOf(t: StoredTicket): TicketContent {
  return {
    resourceId: t.resourceId,
    resourceType: t.resourceType,
    findingCode: t.findingCode,
    title: t.title,
    body: t.body,
    severity: t.severity,
    ...(t.labels === undefined ? {} : { labels: t.labels }),
  };
}

/** A store failure, as a {@link TicketFailure} with no more than the error's first line. */
function storeFailure(what: string, error: unknown): TicketFailure {
  const name = error instanceof Error ? error.name : "error";
  const status = statusOf(error);
  const first = (error instanceof Error ? error.message : String(error)).split("\n")[0]?.slice(0, 200) ?? "";
  return {
    code: "TicketStoreFailed",
    message: `${what} failed: ${name}${status === undefined ? "" : ` (HTTP ${status})`}${first === "" ? "" : `: ${first}`}`,
    retryable: true,
  };
}

class Halt extends Error {
  constructor(
    readonly reason: string,
    readonly failure: TicketSinkError,
  ) {
    super(reason);
  }
}

/**
 * Makes the sink agree with the store: opens tickets for new requests, comments on findings seen
 * again, closes resolved ones. Each ticket is independent: a failing one never holds up the others.
 * Retryable failures (network, throttling, 5xx) are tried again a few times with backoff, then
 * recorded and left pending for the next run; others are recorded as failed with the reason.
 * The run stops early, leaving what it has not reached pending, when the sink refuses the
 * credential (401), asks for a longer pause than the run makes, or fails for several tickets in a row.
 */
export async function dispatchTickets(
  store: TicketStore,
  sink: TicketSink,
  options: DispatchOptions = {},
): Promise<DispatchResult> {
  const maxAttempts = Math.max(1, options.maxAttemptsPerRun ?? 3);
  const backoffMs = Math.max(0, options.backoffMs ?? 500);
  const maxBackoffMs = Math.max(0, options.maxBackoffMs ?? 30_000);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const maxConsecutive = Math.max(1, options.maxConsecutiveFailures ?? 5);
  const now = options.now ?? Date.now;
  const log =
    options.log ??
    ((line: string): void => {
      console.warn(line);
    });
  const result: DispatchResult = { opened: [], updated: 0, closed: 0, failed: [] };
  let consecutiveFailures = 0;

  const withRetries = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      let error: TicketSinkError;
      try {
        return await call();
      } catch (e) {
        error = toTicketSinkError(sink.name, what, e);
      }
      if (error.code === "TicketSinkUnauthorized" && error.status !== 403) {
        // A refused credential fails every other ticket the same way; 403 can be about one item.
        throw new Halt("the sink refused the credential", error);
      }
      if (!error.retryable || attempt >= maxAttempts) throw error;
      if (error.retryAfterMs !== undefined && error.retryAfterMs > maxBackoffMs)
        throw new Halt(`the sink asked to wait ${Math.ceil(error.retryAfterMs / 1000)} s`, error);
      const exponential = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
      const jittered = exponential * (0.5 + Math.random() / 2);
      const wait = Math.max(jittered, error.retryAfterMs ?? 0);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  const record = async (t: StoredTicket, failure: TicketFailure): Promise<void> => {
    result.failed.push({ ticket: t, error: failure });
    const outcome = failure.retryable ? "left pending" : "not retried";
    log(`ticket for ${t.findingCode} on ${t.resourceId}: ${failure.message} (${failure.code}; ${outcome})`);
    try {
      await store.markFailed(t, {
        code: failure.code,
        message: failure.message,
        retryable: failure.retryable,
      });
    } catch (error) {
      log(
        `ticket for ${t.findingCode} on ${t.resourceId}: ${storeFailure("recording the failure", error).message}`,
      );
    }
  };

  const handle = async (t: StoredTicket): Promise<void> => {
    const work = workFor(t);
    if (work.kind === "none") return;
    let step: "sink" | "store" = "sink";
    let opened: TicketRef | undefined;
    try {
      if (work.kind === "open") {
        const content = contentOf(t);
        const ticket = { ...content, body: renderTicketBody(content, t) };
        opened = await withRetries("opening the ticket", () => sink.open(ticket));
        step = "store";
        await store.markOpened(t, opened);
        result.opened.push(opened);
      } else if (work.kind === "update") {
        const { ref } = work;
        await withRetries("updating the ticket", () => sink.update(ref, contentOf(t), ticketUpdateNote(t)));
        step = "store";
        if (work.confirmOpen) await store.markOpened(t, ref);
        else await store.markUpdated(t);
        result.updated++;
      } else {
        const { ref } = work;
        // Never sent to the sink: nothing to close there.
        if (ref !== undefined) {
          const comment = ticketCloseComment(t.closeReason, new Date(now()));
          await withRetries("closing the ticket", () => sink.close(ref, comment));
        }
        step = "store";
        await store.markClosed(t);
        result.closed++;
      }
      consecutiveFailures = 0;
    } catch (error) {
      if (step === "store") {
        // The sink has it; the next run may repeat the call, so say where the ticket is.
        const where = opened === undefined ? "" : ` (the ticket was opened at ${opened.url})`;
        await record(t, storeFailure(`recording the outcome${where}`, error));
        return;
      }
      const failure = error instanceof Halt ? error.failure : toTicketSinkError(sink.name, work.kind, error);
      await record(t, failure);
      if (error instanceof Halt) {
        result.halted ??= error.reason;
      } else if (failure.retryable && ++consecutiveFailures >= maxConsecutive) {
        result.halted ??= `${consecutiveFailures} tickets in a row failed`;
      }
    }
  };

  // Pulls are serialised: an AsyncIterable need not support concurrent next() calls.
  const iterator = store.pendingTickets()[Symbol.asyncIterator]();
  let pulling: Promise<unknown> = Promise.resolve();
  const pull = (): Promise<IteratorResult<StoredTicket>> => {
    const next = pulling.then(() => iterator.next());
    pulling = next.catch(() => undefined);
    return next;
  };
  const worker = async (): Promise<void> => {
    while (result.halted === undefined) {
      const next = await pull();
      if (next.done === true) return;
      await handle(next.value);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    if (result.halted !== undefined) {
      log(
        `ticket dispatch to ${sink.name} stopped early: ${result.halted}; the remaining tickets stay pending`,
      );
      await iterator.return?.().catch(() => undefined);
    }
  }
  return result;
}
