import { describe, expect, it } from "vitest";
import { SINGLE_KEY } from "@cmkr/azure-emulator/tenant-builder";
import { createRemediateHandler } from "../../src/runtime/http/remediateHandler.js";
import { applyRole, readRole } from "../../src/core/auth/clientPrincipal.js";
import type { Plan } from "../../src/core/plans/plan.js";
import { readHistory } from "../../src/cli/commands/historyCommand.js";
import { formatHistoryTable } from "../../src/cli/formatHistory.js";
import {
  callerHeaders,
  jsonPost,
  oneDesHarness,
  operatorAppId,
  operatorOid,
  problemOf,
  quietContext,
  remediatePost,
} from "../support/httpRequests.js";

const { v2: V2 } = SINGLE_KEY.versions;
const keyUri = `${SINGLE_KEY.vaultUrl}/keys/${SINGLE_KEY.keyName}`;

describe("POST /api/remediate needs an Entra ID caller with the right app role", () => {
  it("refuses apply to an unauthenticated caller (401) and a read-role caller (403), naming the role", async () => {
    const { h, des, runtime } = await oneDesHarness();
    const handler = createRemediateHandler(runtime);
    const body = JSON.stringify({ resourceId: des, apply: true });
    // A function key alone (the Functions host checked it) names nobody.
    const anonymous = await handler(
      jsonPost("https://app/api/remediate?code=function-key", body),
      quietContext(),
    );
    expect(anonymous.status).toBe(401);
    expect(problemOf(anonymous.body).detail).toContain(applyRole);
    const forged = await handler(
      jsonPost("https://app/api/remediate", body, { "x-ms-client-principal": "not base64 json" }),
      quietContext(),
    );
    expect(forged.status).toBe(401);
    const reader = await handler(remediatePost(body, callerHeaders([readRole])), quietContext());
    expect(reader.status).toBe(403);
    expect(problemOf(reader.body)).toMatchObject({
      field: "roles",
      detail: expect.stringContaining(applyRole) as unknown,
    });
    // Nor may a reader apply a plan; and no role at all may not even plan.
    const plan = await handler(
      remediatePost(JSON.stringify({ keyId: keyUri }), callerHeaders([readRole])),
      quietContext(),
    );
    expect(plan.status).toBe(200);
    const { planId } = (plan.jsonBody as { plan: Plan }).plan;
    const readerApply = await handler(
      remediatePost(JSON.stringify({ planId }), callerHeaders([readRole])),
      quietContext(),
    );
    expect(readerApply.status).toBe(403);
    const noRole = await handler(
      remediatePost(JSON.stringify({ keyId: keyUri }), callerHeaders([])),
      quietContext(),
    );
    expect(noRole.status).toBe(403);
    expect(problemOf(noRole.body).detail).toContain(readRole);
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(0);
  });

  it("a key-wide apply needs a plan; the plan id applies it; the caller is in the history", async () => {
    const { h, des, runtime } = await oneDesHarness();
    const handler = createRemediateHandler(runtime);
    const direct = await handler(
      remediatePost(JSON.stringify({ keyId: keyUri, apply: true })),
      quietContext(),
    );
    expect(direct.status).toBe(400);
    expect(problemOf(direct.body).detail).toContain("PlanRequired");

    const planned = await handler(remediatePost(JSON.stringify({ keyId: keyUri })), quietContext());
    const plan = (planned.jsonBody as { plan: Plan }).plan;
    expect(plan.actions).toEqual([
      expect.objectContaining({ resourceId: des, status: "planned", to: SINGLE_KEY.keyId(V2) }),
    ]);
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(0);

    const unknown = await handler(
      remediatePost(JSON.stringify({ planId: "0f0e0d0c-0b0a-4998-8877-665544332211" })),
      quietContext(),
    );
    expect(unknown.status).toBe(404);
    const applied = await handler(remediatePost(JSON.stringify({ planId: plan.planId })), quietContext());
    expect(applied.status).toBe(200);
    expect(applied.jsonBody).toMatchObject({
      planId: plan.planId,
      actions: [{ resourceId: des, status: "applied" }],
    });
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(1);

    const history = await readHistory(h.runtime.ctx.ledger, { resource: des });
    const write = history.find((a) => a.status === "applied");
    expect(write).toMatchObject({
      actor: { kind: "http", oid: operatorOid, appId: operatorAppId },
      planId: plan.planId,
    });
    const table = formatHistoryTable(history, 80);
    for (const line of table.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(table).toContain(`http ${operatorOid.slice(0, 10)}`);
    expect(table).toContain(`plan ${plan.planId.slice(0, 8)}`);
    expect(table).toMatch(/keyUrl: cmk\/0{8} -> cmk\/0{8}/);
    expect(await readHistory(h.runtime.ctx.ledger, { key: keyUri, since: new Date("2099-01-01") })).toEqual(
      [],
    );
    expect((await readHistory(h.runtime.ctx.ledger, { key: keyUri })).map((a) => a.resourceId)).toContain(
      des,
    );
  });
});
