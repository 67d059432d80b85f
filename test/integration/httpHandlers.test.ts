import { lockNames } from "../../src/core/jobs/jobKeys.js";
import { HttpRequest } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { createEventsWebhookHandler } from "../../src/runtime/http/eventsWebhookHandler.js";
import { createRemediateHandler } from "../../src/runtime/http/remediateHandler.js";
import type { Report } from "../../src/core/report/report.js";
import { SINGLE_KEY } from "@cmkr/azure-emulator/tenant-builder";
import { keyEventDelivery } from "../support/keyEvents.js";
import { jsonPost, oneDesHarness, problemOf, quietContext, remediatePost } from "../support/httpRequests.js";

const { v2: V2 } = SINGLE_KEY.versions;
const { keyId, subscriptionId } = SINGLE_KEY;

const context = () => quietContext("inv-http");

describe("POST /api/remediate (HttpRequest objects, real SDK clients against the emulator)", () => {
  it("plans without apply, writes with apply", async () => {
    const { h, des, runtime } = await oneDesHarness();
    const handler = createRemediateHandler(runtime);
    const plan = await handler(remediatePost(JSON.stringify({ resourceId: des })), context());
    expect(plan.status).toBe(200);
    expect(plan.jsonBody as Report).toMatchObject({
      dryRun: true,
      actions: [{ action: "rotate-key", status: "planned", to: keyId(V2) }],
    });
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(0);

    const applied = await handler(remediatePost(JSON.stringify({ resourceId: des, apply: true })), context());
    expect(applied.jsonBody as Report).toMatchObject({
      dryRun: false,
      actions: [{ action: "rotate-key", status: "applied" }],
    });
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(1);

    const byKey = await handler(
      remediatePost(JSON.stringify({ keyId: `https://kv-cmk.vault.azure.net/keys/cmk` })),
      context(),
    );
    expect(byKey.jsonBody as Report).toMatchObject({
      dryRun: true,
      actions: [{ resourceId: des, action: "none" }],
    });
  });

  it.each([
    ["not JSON", "{", 400, "body"],
    ["an array", "[]", 400, "body"],
    [
      "an unknown field",
      JSON.stringify({ resourceId: "/subscriptions/x/resourceGroups/r/providers/A.B/c/d", force: true }),
      400,
      "force",
    ],
    [
      "both targets",
      JSON.stringify({
        resourceId: "/subscriptions/x/resourceGroups/r/providers/A.B/c/d",
        keyId: "https://kv.vault.azure.net/keys/k",
      }),
      400,
      "keyId",
    ],
    ["a malformed resource id", JSON.stringify({ resourceId: "des-1" }), 400, "resourceId"],
    ["a malformed key id", JSON.stringify({ keyId: "https://kv.vault.azure.net/secrets/s" }), 400, "keyId"],
    [
      "apply as a string",
      JSON.stringify({ keyId: "https://kv.vault.azure.net/keys/k", apply: "yes" }),
      400,
      "apply",
    ],
    [
      "a subscription that is not a GUID",
      JSON.stringify({ subscriptionId: "/subscriptions/5e3c6f0a-0000-4000-8000-000000000001" }),
      400,
      "subscriptionId",
    ],
  ])("answers %s with problem+json naming the field", async (_name, body, status, field) => {
    const { runtime } = await oneDesHarness();
    const response = await createRemediateHandler(runtime)(remediatePost(body), context());
    expect(response.status).toBe(status);
    expect(response.headers).toMatchObject({ "content-type": "application/problem+json" });
    expect(problemOf(response.body)).toMatchObject({ status, field });
    expect(problemOf(response.body).detail).not.toMatch(/\n\s+at /);
  });

  it("403 outside the configured scope, 404 for a missing resource, 413 for an oversized body, 409 while running", async () => {
    const { h, des, runtime } = await oneDesHarness({ CMKR_SCOPE_SUBSCRIPTIONS: subscriptionId(1) });
    const handler = createRemediateHandler(runtime);
    const outside = des.replace(subscriptionId(1), subscriptionId(9));
    expect((await handler(remediatePost(JSON.stringify({ resourceId: outside })), context())).status).toBe(
      403,
    );
    const missing = des.replace("des-1", "des-missing");
    const notFound = await handler(remediatePost(JSON.stringify({ resourceId: missing })), context());
    expect(notFound.status).toBe(404);
    const huge = JSON.stringify({ resourceId: des, padding: "x".repeat(70 * 1024) });
    expect((await handler(remediatePost(huge), context())).status).toBe(413);

    // Another remediation of the same resource holds the lock.
    expect(await h.runtime.ctx.ledger.acquireLock(lockNames.manualTarget(des), 60_000)).toBe(true);
    const busy = await handler(remediatePost(JSON.stringify({ resourceId: des })), context());
    expect(busy.status).toBe(409);
    await h.runtime.ctx.ledger.releaseLock(lockNames.manualTarget(des));
    expect((await handler(remediatePost(JSON.stringify({ resourceId: des })), context())).status).toBe(200);
  });
});

describe("/api/events webhook", () => {
  it("answers the Event Grid validation handshake and the CloudEvents OPTIONS handshake", async () => {
    const { runtime } = await oneDesHarness();
    const handler = createEventsWebhookHandler(runtime);
    const validation = [
      {
        id: "v-1",
        topic: "/subscriptions/x",
        subject: "",
        eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
        eventTime: "2026-11-22T10:00:00Z",
        dataVersion: "1",
        metadataVersion: "1",
        data: {
          validationCode: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
          validationUrl: "https://rp-eastus2.eventgrid.azure.net/validate",
        },
      },
    ];
    const answer = await handler(
      jsonPost("https://app/api/events", JSON.stringify(validation), {
        "aeg-event-type": "SubscriptionValidation",
      }),
      context(),
    );
    expect(answer).toMatchObject({
      status: 200,
      jsonBody: { validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" },
    });

    const options = await handler(
      new HttpRequest({
        method: "OPTIONS",
        url: "https://app/api/events",
        headers: { "WebHook-Request-Origin": "eventgrid.azure.net", "WebHook-Request-Rate": "120" },
      }),
      context(),
    );
    expect(options).toMatchObject({
      status: 200,
      headers: { "WebHook-Allowed-Origin": "eventgrid.azure.net", "WebHook-Allowed-Rate": "120" },
    });
  });

  it("feeds deliveries to the same pipeline, and rejects a malformed one naming the field", async () => {
    const { h, des, runtime } = await oneDesHarness();
    const handler = createEventsWebhookHandler(runtime);
    const planned = await handler(
      jsonPost("https://app/api/events", JSON.stringify(keyEventDelivery(V2)), {
        "aeg-event-type": "Notification",
      }),
      context(),
    );
    // The answer is the key's fan-out, queued; the worker finds and rotates the consumer.
    expect(planned.jsonBody as Report).toMatchObject({
      actions: [{ resourceId: SINGLE_KEY.vaultId, action: "rotate-key", status: "planned" }],
    });
    await h.drain();
    expect(JSON.stringify(h.emulator.state.getResource(des)?.body)).toContain(V2);

    const bad = await handler(jsonPost("https://app/api/events", "{ not json"), context());
    expect(bad.status).toBe(400);
    expect(problemOf(bad.body)).toMatchObject({ field: "$" });
  });
});
