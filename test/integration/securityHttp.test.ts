import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { createEventsWebhookHandler } from "../../src/runtime/http/eventsWebhookHandler.js";
import { maxBodyBytes, readBody } from "../../src/runtime/http/httpProblem.js";
import { createRemediateHandler } from "../../src/runtime/http/remediateHandler.js";
import { sendDeliveries } from "../../src/cli/sendDeliveries.js";
import { ConfigError, loadConfig } from "../../src/runtime/config.js";
import type { Report } from "../../src/core/report/report.js";
import { eventsSecretHeader, eventsSecretMatches } from "../../src/core/events/eventsSharedSecret.js";
import { startLoopbackServer } from "../support/loopbackServer.js";
import { SINGLE_KEY } from "@cmkr/azure-emulator/tenant-builder";
import { keyEventDelivery } from "../support/keyEvents.js";
import { jsonPost, oneDesHarness, problemOf, quietContext } from "../support/httpRequests.js";

const { v2: V2 } = SINGLE_KEY.versions;

const SECRET = "events-secret-THIS-IS-A-TEST-0123456789abcdef";

const context = () => quietContext("inv-sec");

const validationDelivery = [
  {
    id: "v-1",
    topic: "/subscriptions/5e3c6f0a-0000-4000-8000-000000000001",
    subject: "",
    eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
    eventTime: "2026-11-22T10:00:00Z",
    dataVersion: "1",
    metadataVersion: "1",
    data: { validationCode: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" },
  },
];

/** A body stream that would never end, counting what was pulled from it. */
function endlessStream(chunk = 16 * 1024): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const bytes = new Uint8Array(chunk).fill(0x20);
  return {
    stream: new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += bytes.byteLength;
        controller.enqueue(bytes);
      },
    }),
    pulled: () => pulled,
  };
}

describe("/api/events shared secret", () => {
  it("refuses deliveries without the secret or with a wrong one (401 problem+json), acts on the right one", async () => {
    const { h, runtime } = await oneDesHarness({ CMKR_EVENTS_SHARED_SECRET: SECRET });
    const handler = createEventsWebhookHandler(runtime);
    const delivery = JSON.stringify(keyEventDelivery(V2));
    const attempts: Record<string, string>[] = [
      {},
      { [eventsSecretHeader]: "" },
      { [eventsSecretHeader]: SECRET.slice(0, -1) },
      { [eventsSecretHeader]: `${SECRET}x` },
      { [eventsSecretHeader]: SECRET.toUpperCase() },
    ];
    for (const headers of attempts) {
      const answer = await handler(jsonPost("https://app/api/events", delivery, headers), context());
      expect(answer.status).toBe(401);
      expect(answer.headers).toMatchObject({ "content-type": "application/problem+json" });
      expect(problemOf(answer.body)).toMatchObject({ status: 401, field: eventsSecretHeader });
      expect(answer.body as string).not.toContain(SECRET);
    }
    expect(await h.runtime.ctx.ledger.listTicketRequests()).toEqual([]);
    expect((await h.runtime.jobQueue.getProperties()).approximateMessagesCount).toBe(0);

    const accepted = await handler(
      jsonPost("https://app/api/events", delivery, { [eventsSecretHeader]: SECRET }),
      context(),
    );
    expect(accepted.status).toBe(200);
    expect((accepted.jsonBody as Report).actions).toEqual([
      expect.objectContaining({ action: "rotate-key", status: "planned" }),
    ]);
  });

  it("answers the validation handshakes without the secret, and nothing else rides along", async () => {
    const { runtime } = await oneDesHarness({ CMKR_EVENTS_SHARED_SECRET: SECRET });
    const handler = createEventsWebhookHandler(runtime);
    const handshake = { "aeg-event-type": "SubscriptionValidation" };
    const answer = await handler(
      jsonPost("https://app/api/events", JSON.stringify(validationDelivery), handshake),
      context(),
    );
    expect(answer).toMatchObject({
      status: 200,
      jsonBody: { validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" },
    });
    // Claiming to be a handshake does not let a real delivery in.
    const smuggled = await handler(
      jsonPost("https://app/api/events", JSON.stringify(keyEventDelivery(V2)), handshake),
      context(),
    );
    expect(smuggled.status).toBe(401);
    const options = await handler(
      new HttpRequest({
        method: "OPTIONS",
        url: "https://app/api/events",
        headers: { "WebHook-Request-Origin": "eventgrid.azure.net" },
      }),
      context(),
    );
    expect(options.status).toBe(200);
  });

  it("compares in constant time over digests: only the exact secret matches", () => {
    expect(eventsSecretMatches(SECRET, SECRET)).toBe(true);
    expect(eventsSecretMatches(SECRET, null)).toBe(false);
    expect(eventsSecretMatches(SECRET, "short")).toBe(false);
    expect(eventsSecretMatches(SECRET, ` ${SECRET}`)).toBe(false);
  });

  it("a secret shorter than 32 characters is a start-up error naming the setting", () => {
    expect(() => loadConfig({ CMKR_EVENTS_SHARED_SECRET: "too-short" })).toThrow(ConfigError);
    expect(() => loadConfig({ CMKR_EVENTS_SHARED_SECRET: "too-short" })).toThrow(/CMKR_EVENTS_SHARED_SECRET/);
  });

  it("cmkr replay --target sends the secret from CMKR_EVENTS_SHARED_SECRET", async () => {
    const server = await startLoopbackServer(() => ({ status: 200, body: {} }));
    const before = process.env.CMKR_EVENTS_SHARED_SECRET;
    process.env.CMKR_EVENTS_SHARED_SECRET = SECRET;
    try {
      const body = keyEventDelivery(V2);
      await sendDeliveries(
        [{ source: "a.json", body, text: JSON.stringify(body) }],
        `${server.url}/api/events`,
      );
      expect(server.received[0]?.headers[eventsSecretHeader]).toBe(SECRET);
      delete process.env.CMKR_EVENTS_SHARED_SECRET;
      await sendDeliveries(
        [{ source: "a.json", body, text: JSON.stringify(body) }],
        `${server.url}/api/events`,
      );
      expect(server.received[1]?.headers[eventsSecretHeader]).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.CMKR_EVENTS_SHARED_SECRET;
      else process.env.CMKR_EVENTS_SHARED_SECRET = before;
      await server.close();
    }
  });
});

describe("body limits", () => {
  it("413 from both endpoints for bodies over the limit, whatever content-length claims", async () => {
    const { des, runtime } = await oneDesHarness();
    const remediate = createRemediateHandler(runtime);
    const events = createEventsWebhookHandler(runtime);
    const bigRemediate = JSON.stringify({ resourceId: des, padding: "x".repeat(65 * 1024) });
    const bigEvents = JSON.stringify([{ padding: "x".repeat(maxBodyBytes) }]);
    const claims: Record<string, string>[] = [{}, { "content-length": "10" }];
    for (const headers of claims) {
      const a = await remediate(jsonPost("https://app/api/remediate", bigRemediate, headers), context());
      expect(a.status).toBe(413);
      expect(a.headers).toMatchObject({ "content-type": "application/problem+json" });
      const b = await events(jsonPost("https://app/api/events", bigEvents, headers), context());
      expect(b.status).toBe(413);
    }
  });

  it("stops reading a streamed body at the limit instead of buffering it all", async () => {
    const limit = 64 * 1024;
    const endless = endlessStream();
    const request = new Request("https://app/api/events", {
      method: "POST",
      body: endless.stream,
      duplex: "half",
    } as RequestInit);
    expect(await readBody(request, limit)).toBeUndefined();
    expect(endless.pulled()).toBeLessThanOrEqual(limit + 3 * 16 * 1024);

    const declared = endlessStream();
    const claimed = new Request("https://app/api/events", {
      method: "POST",
      body: declared.stream,
      headers: { "content-length": String(limit + 1) },
      duplex: "half",
    } as RequestInit);
    expect(await readBody(claimed, limit)).toBeUndefined();
    expect(declared.pulled()).toBeLessThanOrEqual(2 * 16 * 1024);

    const exact = new Request("https://app/api/events", { method: "POST", body: "é".repeat(10) });
    expect(await readBody(exact, 20)).toBe("é".repeat(10));
    expect(
      await readBody(new Request("https://app/api/events", { method: "POST", body: "é".repeat(11) }), 20),
    ).toBe(undefined);
  });
});
