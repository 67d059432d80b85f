import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createTableClient } from "../../src/adapters/storage/storageClients.js";
import { createTableLedger } from "../../src/adapters/storage/tableLedger.js";
import type { Ledger } from "../../src/core/ports/ledger.js";
import { azureDevOpsSink } from "../../src/adapters/tickets/azureDevOpsSink.js";
import { dispatchTickets } from "../../src/app/tickets/dispatchTickets.js";
import { fileSink } from "../../src/adapters/tickets/fileSink.js";
import { githubSink } from "../../src/adapters/tickets/githubSink.js";
import type { TicketContent } from "../../src/core/tickets/ticketSink.js";
import { verifyWebhookSignature } from "../../src/core/tickets/webhookSignature.js";
import { webhookSink } from "../../src/adapters/tickets/webhookSink.js";
import { startLoopbackServer } from "../support/loopbackServer.js";
import { tempDirs } from "../support/tempDir.js";

const tempDir = tempDirs();

const TOKEN = "ghp_THIS-IS-A-TEST-TOKEN-0123456789";
const PAT = "ado-pat-THIS-IS-A-TEST-SECRET-987654";
const SECRET = "webhook-secret-THIS-IS-A-TEST-42";

const ticket = (n = 1): TicketContent => ({
  resourceId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/disk-${n}`,
  resourceType: "Microsoft.Compute/disks",
  findingCode: "DiskPlatformKey",
  title: `Managed disk disk-${n} uses a platform-managed key`,
  body: "## What\n\nThe disk is not encrypted with a customer-managed key.\n\n- step one\n- step `two`",
  severity: "high",
});

function ledgerFor(name: string): Ledger {
  return createTableLedger(createTableClient({ connectionString: inject("azuriteConnectionString") }, name));
}

describe("Azure DevOps, webhook and file sinks; the dispatcher over the ledger", () => {
  it("Azure DevOps: a Task with a JSON patch body and Basic PAT auth, comments, then State Done", async () => {
    const server = await startLoopbackServer((r) => {
      if (r.headers.authorization !== `Basic ${Buffer.from(`:${PAT}`).toString("base64")}`)
        return { status: 401 };
      if (r.method === "POST" && r.url === "/contoso/Platform/_apis/wit/workitems/$Task?api-version=7.1") {
        return {
          status: 200,
          body: {
            id: 42,
            _links: { html: { href: "https://dev.azure.com/contoso/Platform/_workitems/edit/42" } },
          },
        };
      }
      if (
        r.method === "POST" &&
        r.url === "/contoso/Platform/_apis/wit/workItems/42/comments?api-version=7.1-preview.4"
      )
        return { status: 200, body: { id: 1 } };
      if (r.method === "PATCH" && r.url === "/contoso/Platform/_apis/wit/workitems/42?api-version=7.1")
        return { status: 200, body: { id: 42 } };
      return { status: 404 };
    });
    try {
      const sink = azureDevOpsSink({
        orgUrl: `${server.url}/contoso`,
        project: "Platform",
        auth: { pat: PAT },
      });
      const ref = await sink.open(ticket());
      expect(ref).toMatchObject({
        externalId: "42",
        url: "https://dev.azure.com/contoso/Platform/_workitems/edit/42",
      });
      const patch = JSON.parse(server.received[0]!.body) as { op: string; path: string; value: string }[];
      expect(server.received[0]!.headers["content-type"]).toBe("application/json-patch+json");
      expect(patch.map((p) => p.path)).toEqual([
        "/fields/System.Title",
        "/fields/System.Description",
        "/fields/System.Tags",
      ]);
      expect(patch[1]!.value).toContain("<h2>What</h2>");
      expect(patch[1]!.value).toContain("<li>step <code>two</code>");
      await sink.update(ref, ticket(), "Seen **again**");
      expect(server.received[1]!.url).toBe(
        "/contoso/Platform/_apis/wit/workItems/42/comments?api-version=7.1-preview.4",
      );
      expect(JSON.parse(server.received[1]!.body)).toEqual({ text: "<p>Seen <strong>again</strong></p>" });
      await sink.close(ref, "Resolved");
      // State and closing comment in one update: a retry never posts the comment twice.
      expect(JSON.parse(server.received[2]!.body)).toEqual([
        { op: "add", path: "/fields/System.State", value: "Done" },
        { op: "add", path: "/fields/System.History", value: "<p>Resolved</p>" },
      ]);

      const bad = azureDevOpsSink({
        orgUrl: `${server.url}/contoso`,
        project: "Platform",
        auth: { pat: "nope" },
      });
      await expect(bad.open(ticket())).rejects.toMatchObject({ code: "TicketSinkUnauthorized" });
    } finally {
      await server.close();
    }
  });

  it("webhook: the body is HMAC-signed with a timestamp the receiver verifies", async () => {
    const server = await startLoopbackServer((r) => {
      const ok = verifyWebhookSignature(
        SECRET,
        String(r.headers["x-cmkr-timestamp"]),
        r.body,
        String(r.headers["x-cmkr-signature"]),
      );
      return ok ? { status: 200, body: { id: "T-1", url: "https://tickets.example/T-1" } } : { status: 401 };
    });
    try {
      const sink = webhookSink({ url: `${server.url}/hook`, secret: SECRET });
      const ref = await sink.open(ticket());
      expect(ref).toEqual({ sink: "webhook", externalId: "T-1", url: "https://tickets.example/T-1" });
      await sink.close(ref, "Resolved");
      expect(server.received.map((r) => (JSON.parse(r.body) as { event: string }).event)).toEqual([
        "ticket.opened",
        "ticket.closed",
      ]);
      const forged = webhookSink({ url: `${server.url}/hook`, secret: "another-secret-of-16+" });
      await expect(forged.open(ticket())).rejects.toMatchObject({ code: "TicketSinkUnauthorized" });
      expect(verifyWebhookSignature(SECRET, "1", "{}", "sha256=00")).toBe(false);
    } finally {
      await server.close();
    }
  });

  it("file: one valid JSON line per operation, even for concurrent tickets", async () => {
    const path = join(await tempDir(), "nested", "tickets.jsonl");
    const sink = fileSink({ path });
    const refs = await Promise.all([1, 2, 3, 4, 5].map((n) => sink.open(ticket(n))));
    await sink.close(refs[0]!, "done");
    const lines = (await readFile(path, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { op: string });
    expect(lines.map((l) => l.op).sort()).toEqual(["close", "open", "open", "open", "open", "open"]);
  });

  it("the dispatcher opens, updates and closes from the ledger; one failing ticket blocks no other and stays pending", async () => {
    const failing = "disk-2";
    const server = await startLoopbackServer((r) => {
      if (r.body.includes(failing)) return { status: 500 };
      if (r.url === "/repos/o/r/issues")
        return { status: 201, body: { number: 1, html_url: "https://github.com/o/r/issues/1" } };
      return { status: 201, body: {} };
    });
    try {
      const ledger = ledgerFor(`tickets${Date.now()}`);
      const sink = githubSink({ owner: "o", repo: "r", token: TOKEN, baseUrl: server.url });
      await ledger.requestTicket({ ...ticket(1) });
      await ledger.requestTicket({ ...ticket(2) });
      const first = await dispatchTickets(ledger, sink, {
        maxAttemptsPerRun: 2,
        backoffMs: 0,
        log: () => undefined,
      });
      expect(first.opened).toEqual([
        { sink: "github", externalId: "1", url: "https://github.com/o/r/issues/1" },
      ]);
      expect(first.failed.map((f) => f.error)).toEqual([
        expect.objectContaining({ code: "TicketSinkFailed", retryable: true }),
      ]);
      expect(server.received.filter((r) => r.body.includes(failing))).toHaveLength(2);
      const pending = await ledger.pendingTickets();
      expect(pending).toEqual([
        expect.objectContaining({
          resourceId: ticket(2).resourceId,
          state: "requested",
          lastError: expect.stringContaining("HTTP 500") as unknown,
        }),
      ]);

      await ledger.requestTicket({ ...ticket(1) }); // seen again
      await ledger.resolveTickets(ticket(1).resourceId, "all", "the resource was deleted");
      const second = await dispatchTickets(ledger, sink, {
        maxAttemptsPerRun: 1,
        backoffMs: 0,
        log: () => undefined,
        resourceId: ticket(1).resourceId,
      });
      expect(second).toMatchObject({ closed: 1, failed: [] });
      expect(second.opened).toEqual([]);
      const all = await ledger.listTicketRequests();
      expect(all.find((t) => t.resourceId === ticket(1).resourceId)).toMatchObject({
        state: "closed",
        ticketUrl: "https://github.com/o/r/issues/1",
      });
      const everything = JSON.stringify(all) + server.received.map((r) => r.body).join("");
      expect(everything).not.toContain(TOKEN);
    } finally {
      await server.close();
    }
  });
});
