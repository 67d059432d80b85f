import { describe, expect, it } from "vitest";
import type { TicketRequestInput } from "../../src/core/ports/ticketRequestStore.js";
import { at, disk, type LedgerUnderTest } from "./ledgerUnderTest.js";

const request = (n: number | string = 1, findingCode = "DiskPlatformKey"): TicketRequestInput => ({
  resourceId: disk(n),
  resourceType: "Microsoft.Compute/disks",
  findingCode,
  title: `Managed disk d-${n} uses a platform-managed key`,
  body: "## What\n\nThe disk is not encrypted with a customer-managed key.",
  severity: "high",
});

const sinkRef = { sink: "github", externalId: "17", url: "https://github.com/o/r/issues/17" };

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Ticket requests: one per resource and finding, and their state machine with the sink. */
export function ticketRequestStoreContract(subject: () => LedgerUnderTest): void {
  describe("ticket requests", () => {
    it("records a new request as requested, seen once, nothing pending at the sink yet", async () => {
      const { ledger } = subject();
      const returned = await ledger.requestTicket({
        ...request(),
        eventId: "evt-1",
        correlationId: "corr-1",
      });
      const expected = {
        ...request(),
        eventId: "evt-1",
        correlationId: "corr-1",
        state: "requested",
        count: 1,
        firstSeen: at(),
        lastSeen: at(),
      };
      expect(returned).toEqual(expected);
      expect(await ledger.listTicketRequests()).toEqual([
        { ...expected, pendingUpdate: false, blocked: false },
      ]);
      expect(await ledger.pendingTickets()).toEqual([{ ...expected, pendingUpdate: false, blocked: false }]);
    });

    it("a repeat updates the one record of its resource and finding: count, last seen, texts", async () => {
      const t = subject();
      const { ledger } = t;
      await ledger.requestTicket(request(1));
      await ledger.requestTicket(request(1, "CmkKeyExpired"));
      await ledger.requestTicket(request(2));
      t.advance(60_000);
      const repeat = { ...request(1), title: "new title", body: "new body", severity: "urgent" as const };
      expect(await ledger.requestTicket(repeat)).toEqual({
        ...repeat,
        state: "requested",
        count: 2,
        firstSeen: at(),
        lastSeen: at(60_000),
      });
      const list = await ledger.listTicketRequests();
      expect(list).toHaveLength(3);
      expect(list.find((x) => x.resourceId === disk(1) && x.findingCode === "DiskPlatformKey")).toEqual({
        ...repeat,
        state: "requested",
        count: 2,
        firstSeen: at(),
        lastSeen: at(60_000),
        pendingUpdate: false,
        blocked: false,
      });
      // Listed by resource: both of disk 1's requests before disk 2's.
      expect(list.map((x) => x.resourceId)).toEqual([disk(1), disk(1), disk(2)]);
    });

    it("compares resource ids and finding codes without regard to case", async () => {
      const { ledger } = subject();
      await ledger.requestTicket(request(1));
      const other = { ...request(1), resourceId: disk(1).toUpperCase(), findingCode: "diskplatformkey" };
      expect(await ledger.requestTicket(other)).toMatchObject({ count: 2 });
      expect(await ledger.listTicketRequests()).toEqual([
        expect.objectContaining({ resourceId: other.resourceId, findingCode: "diskplatformkey", count: 2 }),
      ]);
      expect(await ledger.pendingTickets(disk(1))).toHaveLength(1);
    });

    it("an opened ticket keeps its sink reference and URL; a repeat marks it for update until the sink is told", async () => {
      const t = subject();
      const { ledger } = t;
      await ledger.requestTicket(request());
      await ledger.markTicket(request(), { opened: sinkRef });
      expect(await ledger.pendingTickets()).toEqual([]);
      expect(await ledger.listTicketRequests()).toEqual([
        {
          ...request(),
          state: "open",
          count: 1,
          firstSeen: at(),
          lastSeen: at(),
          sinkRef,
          ticketUrl: sinkRef.url,
          pendingUpdate: false,
          lastError: "",
          blocked: false,
        },
      ]);
      t.advance(1000);
      expect(await ledger.requestTicket(request())).toEqual({
        ...request(),
        state: "open",
        count: 2,
        firstSeen: at(),
        lastSeen: at(1000),
        ticketUrl: sinkRef.url,
      });
      expect(await ledger.pendingTickets()).toEqual([
        {
          ...request(),
          state: "open",
          count: 2,
          firstSeen: at(),
          lastSeen: at(1000),
          sinkRef,
          ticketUrl: sinkRef.url,
          pendingUpdate: true,
          blocked: false,
        },
      ]);
      await ledger.markTicket(request(), { updated: true });
      expect(await ledger.pendingTickets()).toEqual([]);
      expect(await ledger.listTicketRequests()).toEqual([
        expect.objectContaining({ state: "open", pendingUpdate: false, lastError: "", sinkRef }),
      ]);
    });

    it("mark an open ticket for update only when its text changed", async () => {
      const { ledger } = subject();
      const input = {
        resourceId: disk("ai"),
        resourceType: "Microsoft.CognitiveServices/accounts",
        findingCode: "AiServicesMicrosoftManagedKey",
        severity: "high" as const,
        title: "Account uses a Microsoft-managed key",
        body: "body v1",
      };
      await ledger.requestTicket(input);
      await ledger.markTicket(input, { opened: { sink: "file", externalId: "1", url: "file:///t/1" } });
      expect(await ledger.pendingTickets()).toEqual([]);

      await ledger.requestTicket(input, { quietRepeat: true });
      expect(await ledger.pendingTickets()).toEqual([]);
      await ledger.requestTicket({ ...input, body: "body v2" }, { quietRepeat: true });
      expect(await ledger.pendingTickets()).toEqual([expect.objectContaining({ body: "body v2", count: 3 })]);
      // Still pending: a quiet repeat does not take back an update the sink has not had.
      await ledger.requestTicket({ ...input, body: "body v2" }, { quietRepeat: true });
      expect(await ledger.pendingTickets()).toEqual([expect.objectContaining({ body: "body v2", count: 4 })]);
      await ledger.markTicket(input, { updated: true });
      for (const changed of [{ title: "another title" }, { severity: "urgent" as const }]) {
        await ledger.requestTicket({ ...input, body: "body v2", ...changed }, { quietRepeat: true });
        expect(await ledger.pendingTickets()).toEqual([expect.objectContaining(changed)]);
        await ledger.markTicket(input, { updated: true });
      }
      // Events keep updating on every repeat.
      await ledger.requestTicket({ ...input, body: "body v2", severity: "urgent" });
      expect(await ledger.pendingTickets()).toHaveLength(1);
    });

    it("a retryable sink failure leaves the request pending with the error; a lasting one blocks it until seen again", async () => {
      const { ledger } = subject();
      await ledger.requestTicket(request(1));
      await ledger.requestTicket(request(2));
      await ledger.markTicket(request(1), { opened: sinkRef });
      await ledger.markTicket(request(2), { failed: "TicketSinkFailed: HTTP 500", retryable: true });
      expect(await ledger.pendingTickets()).toEqual([
        expect.objectContaining({
          resourceId: disk(2),
          state: "requested",
          lastError: expect.stringContaining("HTTP 500") as unknown,
          blocked: false,
        }),
      ]);
      await ledger.markTicket(request(2), { failed: "TicketSinkUnauthorized: HTTP 401", retryable: false });
      expect(await ledger.pendingTickets()).toEqual([]);
      expect((await ledger.listTicketRequests()).find((x) => x.resourceId === disk(2))).toMatchObject({
        state: "requested",
        lastError: "TicketSinkUnauthorized: HTTP 401",
        blocked: true,
      });
      // Seen again: the finding is still there, so the sink is tried again (the old error is gone).
      await ledger.requestTicket(request(2));
      const [again] = await ledger.pendingTickets();
      expect(again).toMatchObject({ resourceId: disk(2), state: "requested", count: 2, blocked: false });
      expect(again?.lastError).toBeUndefined();
    });

    it("resolving all: never-sent requests close, open tickets start closing; closed and closing ones are left", async () => {
      const { ledger } = subject();
      for (const code of ["Requested", "Open", "Closed", "Closing"])
        await ledger.requestTicket(request(1, code));
      await ledger.requestTicket(request(2, "Requested"));
      await ledger.markTicket(request(1, "Open"), { opened: sinkRef });
      await ledger.markTicket(request(1, "Closing"), { opened: { ...sinkRef, externalId: "18" } });
      await ledger.resolveTickets(
        disk(1),
        { candidates: new Set(["Closed", "Closing"]), current: new Set() },
        "first",
      );
      const resolved = await ledger.resolveTickets(disk(1), "all", "the resource was deleted");
      expect(resolved.map((x) => [x.findingCode, x.state, x.closeReason]).sort()).toEqual([
        ["Open", "closing", "the resource was deleted"],
        ["Requested", "closed", "the resource was deleted"],
      ]);
      const list = await ledger.listTicketRequests();
      for (const r of resolved)
        expect(list.find((x) => x.resourceId === disk(1) && x.findingCode === r.findingCode)).toEqual(r);
      expect(list.map((x) => [x.resourceId, x.findingCode, x.state, x.closeReason]).sort()).toEqual(
        [
          [disk(1), "Closed", "closed", "first"],
          [disk(1), "Closing", "closing", "first"],
          [disk(1), "Open", "closing", "the resource was deleted"],
          [disk(1), "Requested", "closed", "the resource was deleted"],
          [disk(2), "Requested", "requested", undefined],
        ].sort(),
      );
      expect((await ledger.pendingTickets()).map((x) => [x.resourceId, x.findingCode]).sort()).toEqual(
        [
          [disk(1), "Closing"],
          [disk(1), "Open"],
          [disk(2), "Requested"],
        ].sort(),
      );
      await ledger.markTicket(request(1, "Open"), { closed: true });
      expect((await ledger.listTicketRequests()).find((x) => x.findingCode === "Open")).toMatchObject({
        state: "closed",
        closeReason: "the resource was deleted",
        ticketUrl: sinkRef.url,
        sinkRef,
        pendingUpdate: false,
        lastError: "",
      });
      expect(await ledger.resolveTickets(disk(3), "all", "nothing there")).toEqual([]);
    });

    it("resolving by finding: only candidates that are no longer current", async () => {
      const { ledger } = subject();
      for (const code of ["Gone", "Still", "NotJudged"]) await ledger.requestTicket(request(1, code));
      await ledger.requestTicket(request(2, "Gone"));
      const resolved = await ledger.resolveTickets(
        disk(1),
        { candidates: new Set(["Gone", "Still"]), current: new Set(["Still"]) },
        "compliant now",
      );
      expect(resolved).toEqual([
        expect.objectContaining({
          resourceId: disk(1),
          findingCode: "Gone",
          state: "closed",
          closeReason: "compliant now",
        }),
      ]);
      const states = (await ledger.listTicketRequests()).map((x) => [x.resourceId, x.findingCode, x.state]);
      expect(states.sort()).toEqual(
        [
          [disk(1), "Gone", "closed"],
          [disk(1), "NotJudged", "requested"],
          [disk(1), "Still", "requested"],
          [disk(2), "Gone", "requested"],
        ].sort(),
      );
    });

    it("a finding back after its ticket closed is requested afresh: count goes on, first seen and sink reference start over", async () => {
      const t = subject();
      const { ledger } = t;
      await ledger.requestTicket(request());
      await ledger.markTicket(request(), { opened: sinkRef });
      t.advance(1000);
      await ledger.resolveTickets(disk(1), "all", "compliant now");
      await ledger.markTicket(request(), { closed: true });
      expect(await ledger.pendingTickets()).toEqual([]);
      t.advance(1000);
      expect(await ledger.requestTicket(request())).toEqual({
        ...request(),
        state: "requested",
        count: 2,
        firstSeen: at(2000),
        lastSeen: at(2000),
        ticketUrl: sinkRef.url,
      });
      expect(await ledger.listTicketRequests()).toEqual([
        {
          ...request(),
          state: "requested",
          count: 2,
          firstSeen: at(2000),
          lastSeen: at(2000),
          ticketUrl: sinkRef.url,
          pendingUpdate: false,
          blocked: false,
        },
      ]);
    });

    it("a finding back while its ticket is closing asks for it again, keeping the sink reference", async () => {
      const t = subject();
      const { ledger } = t;
      await ledger.requestTicket(request());
      await ledger.markTicket(request(), { opened: sinkRef });
      await ledger.resolveTickets(disk(1), "all", "compliant now");
      t.advance(1000);
      await ledger.requestTicket(request());
      expect(await ledger.pendingTickets()).toEqual([
        {
          ...request(),
          state: "requested",
          count: 2,
          firstSeen: at(),
          lastSeen: at(1000),
          sinkRef,
          ticketUrl: sinkRef.url,
          pendingUpdate: false,
          blocked: false,
        },
      ]);
    });

    it("pending and unresolved requests of one resource or all; unresolved keys without texts", async () => {
      const { ledger } = subject();
      await ledger.requestTicket(request(1, "A"));
      await ledger.requestTicket(request(1, "B"));
      await ledger.requestTicket(request(2, "A"));
      await ledger.requestTicket(request(3, "A"));
      await ledger.markTicket(request(1, "B"), { opened: sinkRef });
      await ledger.resolveTickets(disk(3), "all", "deleted");
      expect((await ledger.pendingTickets(disk(1))).map((x) => x.findingCode)).toEqual(["A"]);
      expect((await ledger.pendingTickets()).map((x) => [x.resourceId, x.findingCode])).toEqual([
        [disk(1), "A"],
        [disk(2), "A"],
      ]);
      const keys = await all(ledger.unresolvedTicketKeys());
      expect(
        keys.sort((a, b) => (a.resourceId + a.findingCode).localeCompare(b.resourceId + b.findingCode)),
      ).toEqual([
        { resourceId: disk(1), findingCode: "A" },
        { resourceId: disk(1), findingCode: "B" },
        { resourceId: disk(2), findingCode: "A" },
      ]);
    });

    it("marking a request never made fails", async () => {
      const { ledger } = subject();
      await expect(ledger.markTicket(request(1), { opened: sinkRef })).rejects.toThrow();
      await expect(ledger.markTicket(request(1), { failed: "x", retryable: true })).rejects.toThrow();
      expect(await ledger.listTicketRequests()).toEqual([]);
    });

    it("two repeats at once both count", async () => {
      const { ledger } = subject();
      const returned = await Promise.all([ledger.requestTicket(request()), ledger.requestTicket(request())]);
      expect(returned.map((x) => x.count).sort()).toEqual([1, 2]);
      expect(await ledger.listTicketRequests()).toEqual([expect.objectContaining({ count: 2 })]);
      await ledger.markTicket(request(), { opened: sinkRef });
      await Promise.all([ledger.requestTicket(request()), ledger.requestTicket(request())]);
      expect(await ledger.pendingTickets()).toEqual([
        expect.objectContaining({ state: "open", count: 4, pendingUpdate: true, sinkRef }),
      ]);
    });

    it("what is read back is a copy: changing it changes nothing recorded", async () => {
      const { ledger } = subject();
      await ledger.requestTicket(request());
      await ledger.markTicket(request(), { opened: sinkRef });
      const [read] = await ledger.listTicketRequests();
      if (read?.sinkRef === undefined) throw new Error("expected a sink reference");
      read.sinkRef.url = "changed";
      read.state = "closed";
      const [pending] = await ledger.resolveTickets(disk(1), "all", "gone");
      if (pending === undefined) throw new Error("expected a resolved request");
      pending.count = 99;
      const [listed] = await ledger.pendingTickets(disk(1));
      if (listed === undefined) throw new Error("expected a pending request");
      listed.state = "closed";
      listed.title = "changed";
      expect(await ledger.listTicketRequests()).toEqual([
        expect.objectContaining({ state: "closing", count: 1, sinkRef }),
      ]);
    });
  });
}
