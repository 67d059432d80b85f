import { HttpRequest, type HttpResponseInit } from "@azure/functions";
import { describe, expect, inject, it } from "vitest";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";
import type { OperationStatus } from "../../src/core/decisions/operationStatus.js";
import { readRole } from "../../src/core/auth/clientPrincipal.js";
import { createRemediateHandler } from "../../src/runtime/http/remediateHandler.js";
import { createRemediationStatusHandler } from "../../src/runtime/http/remediationStatusHandler.js";
import { createServiceHarness } from "../support/serviceHarness.js";
import { applyPlanJob } from "../../src/app/plans/applyPlanJob.js";
import {
  callerHeaders,
  operatorAppId,
  operatorOid,
  quietContext,
  remediatePost,
} from "../support/httpRequests.js";

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;
const { keyId, subscriptionId } = SINGLE_KEY;

const get = (operationId: string) =>
  new HttpRequest({
    method: "GET",
    url: `https://app/api/remediate/${operationId}`,
    params: { operationId },
    headers: callerHeaders(),
  });

type Status = OperationStatus & {
  plan?: { planId: string; digest: string; expiresAt: string };
  planId?: string;
};

/** Three disk encryption sets on V1 in one subscription, V2 the newest usable version; writes allowed. */
async function harness() {
  const b = new SingleKeyTenant({
    versions: [
      { version: V1, createdOn: "2026-01-01T00:00:00Z" },
      { version: V2, createdOn: "2026-11-20T00:00:00Z" },
    ],
  });
  const des = ["des-1", "des-2", "des-3"].map((n) => b.diskEncryptionSet(n).id);
  const h = await createServiceHarness(b.build(), inject("azuriteConnectionString"), {
    env: { CMKR_DRY_RUN: "false" },
  });
  const runtime = () => Promise.resolve(h.runtime);
  const remediate = createRemediateHandler(runtime);
  const status = createRemediationStatusHandler(runtime);
  const activeKey = (id: string): unknown =>
    (h.emulator.state.getResource(id)?.body.properties?.activeKey as { keyUrl?: string } | undefined)?.keyUrl;
  const statusOf = async (operationId: string): Promise<Status> =>
    (await status(get(operationId))).jsonBody as Status;
  const operationOf = (r: HttpResponseInit): string => (r.jsonBody as { operationId: string }).operationId;
  return { h, des, remediate, statusOf, activeKey, operationOf };
}

describe("subscription plans: a finished subscription dry run answers a plan; applying it writes exactly that", () => {
  it("plans, then applies through the queue only the plan's writes on unchanged resources, recording the caller", async () => {
    const { h, des, remediate, statusOf, activeKey, operationOf } = await harness();
    const [changed = "", ...untouched] = des;

    const dry = await remediate(
      remediatePost(JSON.stringify({ subscriptionId: subscriptionId(1) })),
      quietContext(),
    );
    expect(dry.status).toBe(202);
    const dryRunId = operationOf(dry);
    // No plan while the dry run runs: a partial report is not a plan.
    expect((await statusOf(dryRunId)).plan).toBeUndefined();
    await h.drain();
    const planned = await statusOf(dryRunId);
    expect(planned).toMatchObject({ status: "succeeded", dryRun: true });
    const plan = planned.plan;
    if (plan === undefined) throw new Error("the finished dry run answered no plan");
    expect(plan.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Read again, the operation answers the same plan (sealed once).
    expect((await statusOf(dryRunId)).plan).toEqual(plan);
    const stored = await h.runtime.ctx.ledger.getPlan(plan.planId);
    expect(stored?.target).toEqual({
      kind: "subscription",
      subscriptionId: subscriptionId(1),
      operationId: dryRunId,
    });
    expect(stored?.actions.map((a) => [a.resourceId, a.action, a.to]).sort()).toEqual(
      des.map((id) => [id, "rotate-key", keyId(V2)]).sort(),
    );
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(0);

    // A person edits one set between the plan and its apply: its version is no longer the plan's.
    await h.runtime.ctx.port.patchResource(changed, { tags: { owner: "someone-else" } }, {});
    const patchesBefore = h.emulator.log.count({ method: "PATCH" });

    // A caller with the read role only cannot apply.
    const readOnly = await remediate(
      remediatePost(JSON.stringify({ planId: plan.planId }), callerHeaders([readRole])),
      quietContext(),
    );
    expect(readOnly.status).toBe(403);

    const apply = await remediate(remediatePost(JSON.stringify({ planId: plan.planId })), quietContext());
    expect(apply.status).toBe(202);
    const applyId = operationOf(apply);
    await h.drain();
    const applied = await statusOf(applyId);
    expect(applied).toMatchObject({ status: "succeeded", dryRun: false, planId: plan.planId });
    const byId = new Map(applied.report.actions.map((a) => [a.resourceId, a]));
    expect(byId.get(changed)).toMatchObject({ status: "skipped", codes: ["PlanStale"] });
    for (const id of untouched) expect(byId.get(id)).toMatchObject({ status: "applied", to: keyId(V2) });
    expect(activeKey(changed)).toBe(keyId(V1));
    for (const id of untouched) expect(activeKey(id)).toBe(keyId(V2));
    expect(h.emulator.log.count({ method: "PATCH" }) - patchesBefore).toBe(untouched.length);

    // The audit trail names the HTTP caller and the plan on every write.
    for (const id of untouched) {
      const [write] = (await h.runtime.ctx.ledger.listActions(id)).filter((a) => a.status === "applied");
      expect(write).toMatchObject({
        actor: { kind: "http", oid: operatorOid, appId: operatorAppId },
        planId: plan.planId,
      });
    }

    // Applied again, the plan writes nothing: every resource moved on from the version it read.
    const again = await remediate(remediatePost(JSON.stringify({ planId: plan.planId })), quietContext());
    expect(again.status).toBe(202);
    await h.drain();
    const second = await statusOf(operationOf(again));
    expect(second.report.actions.every((a) => a.codes?.includes("PlanStale") === true)).toBe(true);
    expect(h.emulator.log.count({ method: "PATCH" }) - patchesBefore).toBe(untouched.length);
  });

  it("a queued apply job whose plan expired while it waited writes nothing and says why", async () => {
    const { h, des, remediate, statusOf, operationOf } = await harness();
    const dry = await remediate(
      remediatePost(JSON.stringify({ subscriptionId: subscriptionId(1) })),
      quietContext(),
    );
    await h.drain();
    const planId = (await statusOf(operationOf(dry))).plan?.planId ?? "";
    const stored = await h.runtime.ctx.ledger.getPlan(planId);
    if (stored === undefined) throw new Error("no stored plan");
    const [first = ""] = des;
    const later = new Date(Date.parse(stored.expiresAt) + 1000);
    const actions = await applyPlanJob(
      {
        v: 1,
        kind: "evaluate",
        jobId: "job-expired",
        dedupeKey: `manual|${first.toLowerCase()}|op`,
        claimGroup: "operation|op",
        resourceId: first,
        resourceType: "Microsoft.Compute/diskEncryptionSets",
        trigger: "Manual",
        eventId: "apply-op",
        correlationId: "op",
        enqueuedAt: later.toISOString(),
        planId,
      },
      { ...h.runtime.ctx, now: () => later },
    );
    expect(actions).toEqual([
      expect.objectContaining({ resourceId: first, status: "skipped", codes: ["PlanStale", "PlanExpired"] }),
    ]);
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(0);
  });
});
