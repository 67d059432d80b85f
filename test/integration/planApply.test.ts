import { describe, expect, inject, it } from "vitest";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";
import { createPlan } from "../../src/app/plans/createPlan.js";
import { applyPlan, type AppliedPlan } from "../../src/app/plans/applyPlan.js";
import { PlanError } from "../../src/core/plans/planErrors.js";
import { createServiceHarness } from "../support/serviceHarness.js";
import type { Actor } from "../../src/core/audit/actor.js";

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;
const { keyId } = SINGLE_KEY;
const keyUri = `${SINGLE_KEY.vaultUrl}/keys/${SINGLE_KEY.keyName}`;
const hour = 60 * 60 * 1000;
const operator: Actor = { kind: "cli", user: "ops-anna" };

async function twoSets() {
  const b = new SingleKeyTenant({
    versions: [
      { version: V1, createdOn: "2026-01-01T00:00:00Z" },
      { version: V2, createdOn: "2026-11-20T00:00:00Z" },
    ],
  });
  const des = [b.diskEncryptionSet("des-1").id, b.diskEncryptionSet("des-2").id];
  const h = await createServiceHarness(b.build(), inject("azuriteConnectionString"), {
    env: { CMKR_DRY_RUN: "false" },
  });
  const activeKey = (id: string): unknown =>
    (h.emulator.state.getResource(id)?.body.properties as { activeKey?: { keyUrl?: string } }).activeKey
      ?.keyUrl;
  return { h, des, ctx: h.runtime.ctx, activeKey };
}

const applied = (result: AppliedPlan | "busy"): AppliedPlan => {
  if (result === "busy") throw new Error("busy");
  return result;
};

describe("plan, then apply exactly that plan", () => {
  it("plans a key's consumers with their facts, writes nothing, and applies exactly the plan", async () => {
    const { h, des, ctx, activeKey } = await twoSets();
    const { plan } = await createPlan({ kind: "key", keyId: keyUri }, ctx, { ttlMs: hour, actor: operator });
    expect(plan.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Date.parse(plan.expiresAt) - Date.parse(plan.createdAt)).toBe(hour);
    const rotations = plan.actions.filter((a) => a.action === "rotate-key");
    expect(rotations.map((a) => [a.resourceId, a.status, a.from, a.to, a.version?.slice(0, 5)])).toEqual(
      des.map((id): unknown[] => [
        id,
        "planned",
        keyId(V1),
        keyId(V2),
        expect.stringMatching(/^(etag:|sha25)/),
      ]),
    );
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(0);
    expect(await ctx.ledger.getPlan(plan.planId)).toEqual(plan);

    const result = applied(await applyPlan(plan, ctx, { actor: operator, ttlMs: hour }));
    expect(result.replan).toBeUndefined();
    expect(result.report.actions.map((a) => [a.resourceId, a.action, a.status])).toEqual(
      des.map((id) => [id, "rotate-key", "applied"]),
    );
    for (const id of des) expect(activeKey(id)).toBe(keyId(V2));
    const [recorded] = (await ctx.ledger.listActions(des[0])).filter((a) => a.status === "applied");
    expect(recorded).toMatchObject({ actor: operator, planId: plan.planId });
    expect(recorded?.fields).toEqual([
      { path: "properties.activeKey.keyUrl", before: keyId(V1), after: keyId(V2) },
      { path: "properties.activeKey.sourceVault.id", before: SINGLE_KEY.vaultId, after: SINGLE_KEY.vaultId },
    ]);
  });

  it("re-plans an action whose resource changed after the plan, instead of writing it", async () => {
    const { h, des, ctx, activeKey } = await twoSets();
    const [changed = "", untouched = ""] = des;
    const { plan } = await createPlan({ kind: "key", keyId: keyUri }, ctx, { ttlMs: hour, actor: operator });
    // Someone edits one set (a tag) between the plan and its apply: its ETag moves on.
    await ctx.port.patchResource(changed, { tags: { owner: "someone-else" } }, {});
    const patchesBefore = h.emulator.log.count({ method: "PATCH" });

    const result = applied(await applyPlan(plan, ctx, { actor: operator, ttlMs: hour }));
    const byId = new Map(result.report.actions.map((a) => [a.resourceId, a]));
    expect(byId.get(changed)).toMatchObject({ status: "skipped", codes: ["PlanStale"] });
    expect(byId.get(untouched)).toMatchObject({ status: "applied" });
    expect(activeKey(changed)).toBe(keyId(V1));
    expect(h.emulator.log.count({ method: "PATCH" }) - patchesBefore).toBe(1);
    // The stale action is planned again on the resource as it is now, in a new stored plan.
    expect(result.replan?.actions.map((a) => [a.resourceId, a.action, a.status, a.to])).toEqual([
      [changed, "rotate-key", "planned", keyId(V2)],
    ]);
    expect(await ctx.ledger.getPlan(result.replan?.planId ?? "")).toEqual(result.replan);
    const second = applied(await applyPlan(result.replan, ctx, { actor: operator, ttlMs: hour }));
    expect(second.report.actions).toEqual([
      expect.objectContaining({ resourceId: changed, status: "applied" }),
    ]);
  });

  it("re-plans when the key moved on: a newer version than the plan's target is not applied silently", async () => {
    const { h, des, ctx, activeKey } = await twoSets();
    const { plan } = await createPlan({ kind: "key", keyId: keyUri }, ctx, { ttlMs: hour });
    h.emulator.state.addKeyVersion(SINGLE_KEY.vaultUrl, SINGLE_KEY.keyName, {
      version: SINGLE_KEY.versions.v3,
      kty: "RSA",
      keySize: 2048,
      enabled: true,
      createdOn: "2026-11-30T00:00:00Z",
      notBefore: null,
      expiresOn: "2028-01-01T00:00:00Z",
      keyOps: ["wrapKey", "unwrapKey"],
    });
    const result = applied(await applyPlan(plan, ctx, { actor: operator, ttlMs: hour }));
    expect(result.report.actions.map((a) => a.codes)).toEqual(des.map(() => ["PlanStale"]));
    for (const id of des) expect(activeKey(id)).toBe(keyId(V1));
    expect(result.replan?.actions.map((a) => a.to)).toEqual(des.map(() => keyId(SINGLE_KEY.versions.v3)));
  });

  it("refuses an expired plan and an edited one with typed errors, writing nothing", async () => {
    const { h, ctx } = await twoSets();
    const { plan } = await createPlan({ kind: "key", keyId: keyUri }, ctx, { ttlMs: hour });
    const later = { ...ctx, now: () => new Date(Date.parse(plan.expiresAt) + 1) };
    await expect(applyPlan(plan, later, { actor: operator, ttlMs: hour })).rejects.toMatchObject({
      code: "PlanExpired",
      field: "$.expiresAt",
    });
    const edited = { ...plan, actions: plan.actions.map((a) => ({ ...a, to: keyId(V1) })) };
    const error: unknown = await applyPlan(edited, ctx, { actor: operator, ttlMs: hour }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PlanError);
    expect(error).toMatchObject({ code: "PlanDigestMismatch" });
    const extended = { ...plan, expiresAt: new Date(Date.parse(plan.expiresAt) + 10 * hour).toISOString() };
    await expect(applyPlan(extended, later, { actor: operator, ttlMs: hour })).rejects.toMatchObject({
      code: "PlanDigestMismatch",
    });
    await expect(applyPlan({ ...plan, v: 2 }, ctx, { actor: operator, ttlMs: hour })).rejects.toMatchObject({
      code: "PlanInvalid",
      field: "$.v",
    });
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(0);
  });
});
