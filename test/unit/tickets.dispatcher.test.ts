import { describe, expect, it } from "vitest";
import { dispatchTickets, workFor, type StoredTicket } from "../../src/app/tickets/ticketDispatcher.js";
import {
  TicketSinkError,
  type TicketContent,
  type TicketRef,
  type TicketSink,
} from "../../src/core/tickets/ticketSink.js";
import { InMemoryTicketStore } from "../support/inMemoryTicketStore.js";

const content = (n: number, findingCode = "DiskPlatformKey"): TicketContent => ({
  resourceId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/disk-${n}`,
  resourceType: "Microsoft.Compute/disks",
  findingCode,
  title: `Disk disk-${n} uses a platform-managed key`,
  body: `Body of disk-${n}.`,
  severity: "high",
});

type Call =
  | { op: "open"; ticket: TicketContent }
  | { op: "update"; ref: TicketRef; ticket: TicketContent; note: string }
  | { op: "close"; ref: TicketRef; comment: string };

/**
 * A sink in process: records calls, and `fail` decides per call (by resource name) whether to throw.
 */
class ScriptedSink implements TicketSink {
  readonly name = "file" as const;
  readonly calls: Call[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private next = 1;

  constructor(private readonly fail: (call: Call, nth: number) => unknown = () => undefined) {}

  private async run<T>(call: Call, result: () => T): Promise<T> {
    this.calls.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      const error = this.fail(call, this.calls.length);
      // Sinks may fail with anything (an SDK error, a TypeError); the dispatcher must cope.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (error !== undefined) throw error;
      return result();
    } finally {
      this.inFlight--;
    }
  }

  open(ticket: TicketContent): Promise<TicketRef> {
    return this.run({ op: "open", ticket }, () => {
      const id = String(this.next++);
      return { sink: "file", externalId: id, url: `https://tickets.example/${id}` };
    });
  }
  update(ref: TicketRef, ticket: TicketContent, note: string): Promise<void> {
    return this.run({ op: "update", ref, ticket, note }, () => undefined);
  }
  close(ref: TicketRef, comment: string): Promise<void> {
    return this.run({ op: "close", ref, comment }, () => undefined);
  }
}

const resourceOf = (call: Call): string =>
  call.op === "open" || call.op === "update" ? call.ticket.resourceId : call.ref.externalId;

const http = (status: number, retryAfterMs?: number): TicketSinkError =>
  new TicketSinkError(
    status === 401 || status === 403
      ? "TicketSinkUnauthorized"
      : status >= 500
        ? "TicketSinkFailed"
        : "TicketSinkRejected",
    "file",
    `HTTP ${status}`,
    {
      retryable: status >= 500 || status === 429,
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    },
  );

const fast = { backoffMs: 0, log: () => undefined, now: () => Date.parse("2026-11-22T12:00:00Z") };

describe("dispatchTickets", () => {
  it("opens new requests with the rendered body and records the reference", async () => {
    const store = new InMemoryTicketStore();
    store.request(content(1));
    store.request(content(2));
    const sink = new ScriptedSink();
    const result = await dispatchTickets(store, sink, fast);
    expect(result).toEqual({
      opened: [expect.objectContaining({ sink: "file" }), expect.objectContaining({ sink: "file" })],
      updated: 0,
      closed: 0,
      failed: [],
    });
    const opened = sink.calls[0] as Extract<Call, { op: "open" }>;
    expect(opened.ticket.body).toContain("Body of disk-");
    expect(opened.ticket.body).toContain("Opened by the CMK remediation service");
    expect(opened.ticket.body).toContain("seen once");
    expect(store.get(content(1))).toMatchObject({
      state: "open",
      ref: { externalId: expect.any(String) as unknown },
    });
    expect(store.pending()).toEqual([]);
  });

  it("comments on repeats, closes resolved tickets, and closes unsent ones without the sink", async () => {
    const store = new InMemoryTicketStore();
    const sink = new ScriptedSink();
    store.request(content(1));
    store.request(content(2));
    await dispatchTickets(store, sink, fast);
    store.request(content(1), "2026-11-22T13:00:00.000Z");
    store.resolve(content(2), "the resource was deleted");
    // A store may leave a never-sent request to the dispatcher to close.
    Object.assign(store.request(content(3)), { state: "closing", closeReason: "compliant now" });
    sink.calls.length = 0;

    const result = await dispatchTickets(store, sink, fast);
    expect(result).toMatchObject({ opened: [], updated: 1, closed: 2, failed: [] });
    expect(sink.calls.map((c) => c.op).sort()).toEqual(["close", "update"]);
    const update = sink.calls.find((c) => c.op === "update") as Extract<Call, { op: "update" }>;
    expect(update.note).toContain("2 times in total");
    expect(update.note).toContain("last 2026-11-22T13:00:00.000Z");
    const close = sink.calls.find((c) => c.op === "close") as Extract<Call, { op: "close" }>;
    expect(close.comment).toContain("Resolved on 2026-11-22T12:00:00.000Z: the resource was deleted.");
    expect(store.get(content(1))).toMatchObject({ state: "open", pendingUpdate: false });
    expect(store.get(content(2)).state).toBe("closed");
    expect(store.get(content(3)).state).toBe("closed");
  });

  it("a ticket seen again while its closing was pending gets a comment and is open again", () => {
    const ref = { sink: "file", externalId: "9", url: "https://tickets.example/9" };
    const t: StoredTicket = {
      ...content(1),
      state: "requested",
      ref,
      count: 3,
      firstSeen: "a",
      lastSeen: "b",
      pendingUpdate: false,
      attempts: 0,
    };
    expect(workFor(t)).toEqual({ kind: "update", ref, confirmOpen: true });
    expect(workFor({ ...t, state: "open" })).toEqual({ kind: "none" });
    expect(workFor({ ...t, state: "open", pendingUpdate: true })).toEqual({
      kind: "update",
      ref,
      confirmOpen: false,
    });
    expect(workFor({ ...t, state: "closed" })).toEqual({ kind: "none" });
    const { ref: _r, ...unsent } = t;
    expect(workFor({ ...unsent, state: "closing" })).toEqual({ kind: "close", ref: undefined });
  });

  it("retries a retryable failure and succeeds", async () => {
    const store = new InMemoryTicketStore();
    store.request(content(1));
    const sink = new ScriptedSink((_c, nth) => (nth <= 2 ? http(503) : undefined));
    const result = await dispatchTickets(store, sink, { ...fast, maxAttemptsPerRun: 3 });
    expect(sink.calls).toHaveLength(3);
    expect(result.opened).toHaveLength(1);
    expect(result.failed).toEqual([]);
  });

  it("one failing ticket blocks no other: it stays pending after bounded tries, the others go through", async () => {
    const store = new InMemoryTicketStore();
    for (const n of [1, 2, 3]) store.request(content(n));
    const lines: string[] = [];
    const sink = new ScriptedSink((c) => (resourceOf(c).endsWith("disk-2") ? http(500) : undefined));
    const result = await dispatchTickets(store, sink, {
      ...fast,
      maxAttemptsPerRun: 4,
      log: (l) => lines.push(l),
    });
    expect(result.opened).toHaveLength(2);
    expect(result.failed).toEqual([
      {
        ticket: expect.objectContaining({ resourceId: content(2).resourceId }) as unknown,
        error: expect.any(TicketSinkError) as unknown,
      },
    ]);
    expect(sink.calls.filter((c) => resourceOf(c).endsWith("disk-2"))).toHaveLength(4);
    expect(store.get(content(2))).toMatchObject({
      state: "requested",
      blocked: false,
      attempts: 1,
      lastError: { code: "TicketSinkFailed", retryable: true },
    });
    expect(store.pending().map((t) => t.resourceId)).toEqual([content(2).resourceId]);
    expect(lines).toEqual([
      expect.stringContaining(`DiskPlatformKey on ${content(2).resourceId}`) as unknown,
    ]);
    expect(lines[0]).toContain("left pending");
  });

  it("does not retry a rejection, records it, and carries on", async () => {
    const store = new InMemoryTicketStore();
    store.request(content(1));
    store.request(content(2));
    const sink = new ScriptedSink((c) => (resourceOf(c).endsWith("disk-1") ? http(422) : undefined));
    const result = await dispatchTickets(store, sink, fast);
    expect(sink.calls.filter((c) => resourceOf(c).endsWith("disk-1"))).toHaveLength(1);
    expect(result.opened).toHaveLength(1);
    expect(store.get(content(1))).toMatchObject({
      blocked: true,
      lastError: { code: "TicketSinkRejected", retryable: false },
    });
  });

  it("stops the run when the sink refuses the credential (401), leaving the rest pending untouched", async () => {
    const store = new InMemoryTicketStore();
    for (const n of [1, 2, 3, 4]) store.request(content(n));
    const sink = new ScriptedSink(() => http(401));
    const result = await dispatchTickets(store, sink, { ...fast, concurrency: 1 });
    expect(sink.calls).toHaveLength(1);
    expect(result.halted).toBe("the sink refused the credential");
    expect(result.failed).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({ code: "TicketSinkUnauthorized", retryable: false }) as unknown,
      }),
    ]);
    expect(store.pending()).toHaveLength(3);
  });

  it("does not stop for a 403 about one item", async () => {
    const store = new InMemoryTicketStore();
    for (const n of [1, 2]) store.request(content(n));
    const sink = new ScriptedSink((c) => (resourceOf(c).endsWith("disk-1") ? http(403) : undefined));
    const result = await dispatchTickets(store, sink, { ...fast, concurrency: 1 });
    expect(result.halted).toBeUndefined();
    expect(result.opened).toHaveLength(1);
  });

  it("stops after several tickets in a row fail every try (the sink is down)", async () => {
    const store = new InMemoryTicketStore();
    for (const n of [1, 2, 3, 4, 5]) store.request(content(n));
    const sink = new ScriptedSink(() => http(503));
    const result = await dispatchTickets(store, sink, {
      ...fast,
      concurrency: 1,
      maxAttemptsPerRun: 2,
      maxConsecutiveFailures: 2,
    });
    expect(sink.calls).toHaveLength(4);
    expect(result.halted).toBe("2 tickets in a row failed");
    expect(store.pending()).toHaveLength(5);
  });

  it("stops when the sink asks for a longer pause than the run makes", async () => {
    const store = new InMemoryTicketStore();
    for (const n of [1, 2]) store.request(content(n));
    const sink = new ScriptedSink(() => http(429, 60_000));
    const result = await dispatchTickets(store, sink, { ...fast, concurrency: 1, maxBackoffMs: 1_000 });
    expect(sink.calls).toHaveLength(1);
    expect(result.halted).toBe("the sink asked to wait 60 s");
    expect(store.get(content(1)).lastError).toMatchObject({ retryable: true });
    expect(store.pending()).toHaveLength(2);
  });

  it("treats an unexpected error from a sink as a retryable failure", async () => {
    const store = new InMemoryTicketStore();
    store.request(content(1));
    const sink = new ScriptedSink(() => new TypeError("boom"));
    const result = await dispatchTickets(store, sink, { ...fast, maxAttemptsPerRun: 2 });
    expect(sink.calls).toHaveLength(2);
    expect(result.failed[0]?.error).toMatchObject({ code: "TicketSinkFailed", retryable: true });
  });

  it("reports a store failure after the sink succeeded, with where the ticket is, and goes on", async () => {
    const store = new InMemoryTicketStore();
    store.request(content(1));
    store.request(content(2));
    const markOpened = store.markOpened.bind(store);
    store.markOpened = (t, ref) =>
      t.resourceId.endsWith("disk-1")
        ? Promise.reject(new Error("table unavailable\nRequestId: x"))
        : markOpened(t, ref);
    const result = await dispatchTickets(store, new ScriptedSink(), fast);
    expect(result.opened).toHaveLength(1);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.error.code).toBe("TicketStoreFailed");
    expect(result.failed[0]?.error.message).toMatch(
      /opened at https:\/\/tickets\.example\/\d+\) failed: Error: table unavailable$/,
    );
  });

  it("handles tickets concurrently up to the limit", async () => {
    const store = new InMemoryTicketStore();
    for (let n = 1; n <= 10; n++) store.request(content(n));
    const sink = new ScriptedSink();
    const result = await dispatchTickets(store, sink, { ...fast, concurrency: 3 });
    expect(result.opened).toHaveLength(10);
    expect(sink.maxInFlight).toBe(3);
    const serial = new ScriptedSink();
    const again = new InMemoryTicketStore();
    for (let n = 1; n <= 4; n++) again.request(content(n));
    await dispatchTickets(again, serial, { ...fast, concurrency: 1 });
    expect(serial.maxInFlight).toBe(1);
  });
});
