import { HttpRequest, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { describe, expect, inject, it } from "vitest";
import { createRemediateHandler } from "../../src/runtime/http/remediateHandler.js";
import { createRemediationStatusHandler } from "../../src/runtime/http/remediationStatusHandler.js";
import type { OperationStatus } from "../../src/core/decisions/operationStatus.js";
import { createServiceHarness } from "../support/serviceHarness.js";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";
import { startSubscriptionRemediation } from "../../src/app/remediateSubscription.js";
import { callerHeaders } from "../support/httpRequests.js";

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;
const { keyId, subscriptionId } = SINGLE_KEY;

const context = () =>
  new InvocationContext({ functionName: "http", invocationId: "inv-sub", logHandler: () => undefined });
const post = (body: unknown) =>
  new HttpRequest({
    method: "POST",
    url: "https://app.example/api/remediate?code=k",
    body: { string: JSON.stringify(body) },
    headers: { "content-type": "application/json", ...callerHeaders() },
  });
const get = (operationId: string) =>
  new HttpRequest({
    method: "GET",
    url: `https://app.example/api/remediate/${operationId}`,
    params: { operationId },
    headers: callerHeaders(),
  });

async function harness(env: Record<string, string> = {}) {
  const b = new SingleKeyTenant({
    versions: [
      { version: V1, createdOn: "2026-01-01T00:00:00Z" },
      { version: V2, createdOn: "2026-11-20T00:00:00Z" },
    ],
  });
  const des = [b.diskEncryptionSet("des-1").id, b.diskEncryptionSet("des-2").id];
  const h = await createServiceHarness(b.build(), inject("azuriteConnectionString"), { env });
  const runtime = () => Promise.resolve(h.runtime);
  return {
    h,
    des,
    remediate: createRemediateHandler(runtime),
    status: createRemediationStatusHandler(runtime),
  };
}

function problemOf(response: HttpResponseInit): { status: number; field?: string; detail: string } {
  expect(response.headers).toMatchObject({ "content-type": "application/problem+json" });
  if (typeof response.body !== "string") throw new Error("expected a JSON text body");
  return JSON.parse(response.body) as { status: number; field?: string; detail: string };
}

describe("subscription-wide remediation: POST 202, fan-out through the queue, GET status", () => {
  it("queues the plan, reports progress while it runs and the report once the worker is done", async () => {
    const { h, des, remediate, status } = await harness();
    const accepted = await remediate(post({ subscriptionId: subscriptionId(1) }), context());
    expect(accepted.status).toBe(202);
    const { operationId, statusUrl } = accepted.jsonBody as { operationId: string; statusUrl: string };
    expect(statusUrl).toBe(`/api/remediate/${operationId}`);
    expect(accepted.headers).toMatchObject({ location: statusUrl });

    const queued = await status(get(operationId));
    expect(queued.status).toBe(200);
    expect(queued.jsonBody as OperationStatus).toMatchObject({
      status: "running",
      dryRun: true,
      progress: { listed: false, jobsQueued: 0 },
    });
    expect(queued.headers).toMatchObject({ "retry-after": "10" });

    // A second request for the same subscription while it is still listing is a conflict.
    const again = await remediate(post({ subscriptionId: subscriptionId(1) }), context());
    expect(again.status).toBe(409);
    expect(problemOf(again).field).toBe("subscriptionId");

    await h.drain();
    const done = (await status(get(operationId))).jsonBody as OperationStatus;
    expect(done).toMatchObject({
      status: "succeeded",
      dryRun: true,
      progress: { listed: true, jobsQueued: 2, jobsDone: 2, jobsFailed: 0, jobsRunning: 0 },
    });
    expect(done.progress.resourcesSeen).toBeGreaterThanOrEqual(2);
    expect(done.report.actions.filter((a) => a.action === "rotate-key")).toEqual(
      des.map((id): unknown => expect.objectContaining({ resourceId: id, status: "planned", to: keyId(V2) })),
    );
    expect(h.emulator.log.count({ method: "PATCH" }) + h.emulator.log.count({ method: "PUT" })).toBe(0);
  });

  it("refuses a subscription-wide apply without a plan (400 PlanRequired), writing nothing", async () => {
    const { h, remediate } = await harness({ CMKR_DRY_RUN: "false" });
    const refused = await remediate(post({ subscriptionId: subscriptionId(1), apply: true }), context());
    expect(refused.status).toBe(400);
    expect(problemOf(refused).field).toBe("planId");
    expect(problemOf(refused).detail).toContain("PlanRequired");
    await h.drain();
    expect(h.emulator.log.count({ method: "PATCH" }) + h.emulator.log.count({ method: "PUT" })).toBe(0);
  });

  it("a live operation (queued by the service itself) applies through the worker, and the listing lock is released once every job is queued", async () => {
    const { h, des, status } = await harness({ CMKR_DRY_RUN: "false" });
    const start = () =>
      startSubscriptionRemediation(
        subscriptionId(1),
        { dryRun: false, now: h.runtime.ctx.now() },
        h.runtime.ctx,
      );
    const accepted = await start();
    if (accepted === "busy") throw new Error("busy");
    const { operationId } = accepted.operation;
    await h.drain();
    const done = (await status(get(operationId))).jsonBody as OperationStatus;
    expect(done).toMatchObject({ status: "succeeded", dryRun: false });
    expect(done.report.actions.filter((a) => a.action === "rotate-key")).toEqual(
      des.map((id): unknown => expect.objectContaining({ resourceId: id, status: "applied", to: keyId(V2) })),
    );
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(2);

    const next = await start();
    if (next === "busy") throw new Error("the listing lock was not released");
    await h.drain();
    const second = (await status(get(next.operation.operationId))).jsonBody as OperationStatus;
    // Everything is on the newest version now: nothing is queued and nothing written.
    expect(second).toMatchObject({ status: "succeeded", progress: { listed: true } });
    expect(second.report.actions.filter((a) => a.status === "applied")).toEqual([]);
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(2);
  });

  it("refuses a subscription outside the scope (403), a malformed one (400), and unknown operations", async () => {
    const { remediate, status } = await harness({ CMKR_SCOPE_SUBSCRIPTIONS: subscriptionId(1) });
    const outside = await remediate(post({ subscriptionId: subscriptionId(2) }), context());
    expect(outside.status).toBe(403);
    expect(problemOf(outside).field).toBe("subscriptionId");

    const malformed = await remediate(post({ subscriptionId: "prod" }), context());
    expect(malformed.status).toBe(400);
    expect(problemOf(malformed)).toMatchObject({ field: "subscriptionId" });

    const two = await remediate(post({ subscriptionId: subscriptionId(1), resourceId: "/x" }), context());
    expect(two.status).toBe(400);

    const unknown = await status(get("0f0e0d0c-0b0a-4998-8877-665544332211"));
    expect(unknown.status).toBe(404);
    expect(problemOf(unknown).field).toBe("operationId");
    const badId = await status(get("../../admin"));
    expect(badId.status).toBe(400);
  });
});
