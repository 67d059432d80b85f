import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, inject, it } from "vitest";
import { createEventsWebhookHandler } from "../../src/runtime/http/eventsWebhookHandler.js";
import { createRemediateHandler } from "../../src/runtime/http/remediateHandler.js";
import { createAzureClients } from "../../src/adapters/azure/azureClients.js";
import { createScopeResolver } from "../../src/adapters/azure/managementGroupSubscriptions.js";
import type { Report } from "../../src/core/report/report.js";
import { AzureEmulator, type TenantFile } from "@cmkr/azure-emulator";
import { createServiceHarness } from "../support/serviceHarness.js";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";
import { keyEventDelivery } from "../support/keyEvents.js";
import { callerHeaders } from "../support/httpRequests.js";

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;
const { subscriptionId, tenantId: TENANT_ID } = SINGLE_KEY;

const context = () =>
  new InvocationContext({ functionName: "http", invocationId: "inv-scope", logHandler: () => undefined });
const post = (url: string, body: unknown) =>
  new HttpRequest({
    method: "POST",
    url,
    body: { string: JSON.stringify(body) },
    headers: { "content-type": "application/json", ...callerHeaders() },
  });

/** One DES in each of subscriptions 1 (group mg-prod) and 2 (group mg-sandbox). */
function tenant(): { tenant: TenantFile; inside: string; outside: string } {
  const b = new SingleKeyTenant({
    versions: [
      { version: V1, createdOn: "2026-01-01T00:00:00Z" },
      { version: V2, createdOn: "2026-11-20T00:00:00Z" },
    ],
  });
  const inside = b.diskEncryptionSet("des-in", { sub: 1 }).id;
  const outside = b.diskEncryptionSet("des-out", { sub: 2 }).id;
  const built = b.build();
  return {
    tenant: {
      ...built,
      subscriptions: built.subscriptions.map((s) => ({
        ...s,
        managementGroupId: s.subscriptionId === subscriptionId(1) ? "mg-prod" : "mg-sandbox",
      })),
    },
    inside,
    outside,
  };
}

/** An ARM write event for `resourceId`, as the subscription system topic sends it. */
function writeEvent(resourceId: string, id: string, dataSubscription = subscriptionId(1)) {
  return [
    {
      id,
      topic: `/subscriptions/${dataSubscription}`,
      subject: resourceId,
      eventType: "Microsoft.Resources.ResourceWriteSuccess",
      eventTime: "2026-11-22T11:00:00Z",
      dataVersion: "2",
      metadataVersion: "1",
      data: {
        operationName: "Microsoft.Compute/diskEncryptionSets/write",
        resourceUri: resourceId,
        status: "Succeeded",
        subscriptionId: dataSubscription,
        tenantId: TENANT_ID,
        claims: { oid: "3c2b1a09-8f7e-4d6c-b5a4-9382716f5e4d" },
      },
    },
  ];
}

const graphRequests = (emulator: AzureEmulator) =>
  emulator.log.count({ method: "POST", url: /Microsoft\.ResourceGraph/i });

describe("scope enforcement with management groups (real SDK clients against the emulator)", () => {
  it("POST /api/remediate: 403 naming resourceId outside CMKR_SCOPE_MANAGEMENT_GROUPS, 200 inside", async () => {
    const { tenant: t, inside, outside } = tenant();
    const h = await createServiceHarness(t, inject("azuriteConnectionString"), {
      env: { CMKR_SCOPE_MANAGEMENT_GROUPS: "mg-prod" },
    });
    const handler = createRemediateHandler(() => Promise.resolve(h.runtime));

    const refused = await handler(post("https://app/api/remediate", { resourceId: outside }), context());
    expect(refused.status).toBe(403);
    expect(refused.headers).toMatchObject({ "content-type": "application/problem+json" });
    const problem = JSON.parse(refused.body as string) as { field: string; detail: string };
    expect(problem.field).toBe("resourceId");
    expect(problem.detail).toContain(subscriptionId(2));
    expect(problem.detail).toContain("CMKR_SCOPE_MANAGEMENT_GROUPS");
    // Nothing about the resource outside the scope was read.
    expect(h.emulator.log.count({ url: new RegExp(subscriptionId(2)) })).toBe(0);
    // The management group was resolved once, then served from the cache.
    expect(graphRequests(h.emulator)).toBe(1);
    const again = await handler(post("https://app/api/remediate", { resourceId: outside }), context());
    expect(again.status).toBe(403);
    expect(graphRequests(h.emulator)).toBe(1);

    const planned = await handler(post("https://app/api/remediate", { resourceId: inside }), context());
    expect(planned.status).toBe(200);
    expect((planned.jsonBody as Report).actions).toEqual([
      expect.objectContaining({ resourceId: inside, action: "rotate-key", status: "planned" }),
    ]);
  });

  it("the subscription list and management groups both count; case does not matter", async () => {
    const { tenant: t, outside } = tenant();
    const h = await createServiceHarness(t, inject("azuriteConnectionString"), {
      env: {
        CMKR_SCOPE_MANAGEMENT_GROUPS: "mg-prod",
        CMKR_SCOPE_SUBSCRIPTIONS: subscriptionId(2).toUpperCase(),
      },
    });
    const handler = createRemediateHandler(() => Promise.resolve(h.runtime));
    const answer = await handler(post("https://app/api/remediate", { resourceId: outside }), context());
    expect(answer.status).toBe(200);
  });

  it("with subscriptions and management groups both set, Resource Graph is asked for their union", async () => {
    // The API takes subscriptions or management groups, never both (the emulator refuses both too).
    const { tenant: t, inside, outside } = tenant();
    const h = await createServiceHarness(t, inject("azuriteConnectionString"), {
      env: { CMKR_SCOPE_MANAGEMENT_GROUPS: "mg-prod", CMKR_SCOPE_SUBSCRIPTIONS: subscriptionId(2) },
    });
    const handler = createEventsWebhookHandler(() => Promise.resolve(h.runtime));
    const answer = await handler(post("https://app/api/events", keyEventDelivery(V2)), context());
    // The event answers with its fan-out; the worker's plan page asks Resource Graph and queues both.
    expect((answer.jsonBody as Report).actions).toEqual([expect.objectContaining({ status: "planned" })]);
    await h.drain();
    expect([...new Set(h.workerActions.map((a) => a.resourceId))].sort()).toEqual([inside, outside].sort());
  });

  it("/api/events: a crafted write event outside the scope is dropped at planning, never queued or read", async () => {
    const { tenant: t, inside, outside } = tenant();
    const h = await createServiceHarness(t, inject("azuriteConnectionString"), {
      env: { CMKR_SCOPE_MANAGEMENT_GROUPS: "mg-prod" },
    });
    const handler = createEventsWebhookHandler(() => Promise.resolve(h.runtime));
    // The event claims an in-scope subscription in data and topic; the resource id decides.
    const crafted = await handler(
      post("https://app/api/events", writeEvent(outside, "evt-out", subscriptionId(1))),
      context(),
    );
    expect(crafted.status).toBe(200);
    expect((crafted.jsonBody as Report).actions).toEqual([
      expect.objectContaining({ resourceId: outside, status: "skipped", codes: ["OutOfScope"] }),
    ]);

    // A resource id that a URL would resolve into subscription 2 is refused as invalid.
    const traversal = `${inside}/${Array.from({ length: 8 }, () => "..").join("/")}${outside}`;
    const tricked = await handler(
      post("https://app/api/events", writeEvent(traversal, "evt-dots")),
      context(),
    );
    expect((tricked.jsonBody as Report).actions).toEqual([
      expect.objectContaining({ status: "skipped", codes: ["InvalidResourceId"] }),
    ]);

    const fine = await handler(post("https://app/api/events", writeEvent(inside, "evt-in")), context());
    expect((fine.jsonBody as Report).actions).toEqual([
      expect.objectContaining({ resourceId: inside, status: "planned" }),
    ]);
    const drained = await h.drain();
    expect(drained.processed).toBe(1);
    expect(h.workerActions.map((a) => a.resourceId)).toEqual([inside]);
    expect(h.emulator.log.count({ url: new RegExp(subscriptionId(2)) })).toBe(0);
  });

  it("a key event queues only the consumers inside the scope", async () => {
    const { tenant: t, inside } = tenant();
    const h = await createServiceHarness(t, inject("azuriteConnectionString"), {
      env: { CMKR_SCOPE_MANAGEMENT_GROUPS: "mg-prod" },
    });
    const handler = createEventsWebhookHandler(() => Promise.resolve(h.runtime));
    const answer = await handler(post("https://app/api/events", keyEventDelivery(V2)), context());
    expect((answer.jsonBody as Report).actions).toEqual([
      expect.objectContaining({ action: "rotate-key", status: "planned" }),
    ]);
    // The worker's plan page queues the consumer inside the scope only.
    await h.drain();
    expect([...new Set(h.workerActions.map((a) => a.resourceId))]).toEqual([inside]);
  });

  it("the resolver caches for its TTL, asks again after it, and never caches a failure", async () => {
    const { tenant: t } = tenant();
    const emulator = new AzureEmulator(t);
    const clients = createAzureClients({
      credential: emulator.credential(),
      httpClient: emulator.httpClient(),
      maxRetries: 0,
    });
    let now = 0;
    const resolve = createScopeResolver(
      clients,
      { subscriptions: [], managementGroups: ["mg-sandbox"] },
      { ttlMs: 1000, now: () => now },
    );
    expect(await resolve()).toEqual({ subscriptions: [], managementGroupSubscriptions: [subscriptionId(2)] });
    now = 999;
    await resolve();
    expect(graphRequests(emulator)).toBe(1);
    now = 1000;
    emulator.injectFault({ status: 500, url: /ResourceGraph/i, count: 1 });
    await expect(resolve()).rejects.toThrow();
    expect(await resolve()).toEqual({ subscriptions: [], managementGroupSubscriptions: [subscriptionId(2)] });
    expect(graphRequests(emulator)).toBe(3);

    // Without management groups nothing is asked at all.
    const fixed = createScopeResolver(clients, { subscriptions: [subscriptionId(1)], managementGroups: [] });
    expect(await fixed()).toEqual({ subscriptions: [subscriptionId(1)] });
    expect(graphRequests(emulator)).toBe(3);
  });
});
