import { describe, expect, it } from "vitest";
import { assignWaves, parseWaves } from "../../src/core/rollout/rolloutWaves.js";
import {
  assignPage,
  countsSettle,
  memberOutcome,
  needsResend,
  newRollout,
  resendAfterMs,
  settleMember,
  type Rollout,
} from "../../src/core/rollout/rolloutState.js";

const c = (type: string, n: number) => ({
  resourceId: `/subscriptions/s/resourceGroups/rg/providers/${type}/r-${n}`,
  resourceType: type,
});
const des = "Microsoft.Compute/diskEncryptionSets";
const aoai = "Microsoft.CognitiveServices/accounts";

describe("wave sizes", () => {
  it("reads per-type first, counts, * last; names the bad entry", () => {
    expect(parseWaves("per-type,10,*")).toEqual(["per-type", 10, "rest"]);
    expect(parseWaves("1, 5")).toEqual([1, 5]);
    expect(parseWaves("10,per-type")).toMatch(/entry 2 .*per-type may only be the first/);
    expect(parseWaves("*,5")).toMatch(/entry 1 .*only be the last/);
    expect(parseWaves("0")).toMatch(/entry 1/);
    expect(parseWaves("per-type,,*")).toMatch(/entry 2/);
  });

  it("one consumer of each type first, whatever order they came in; the rest never left out", () => {
    const items = [c(des, 3), c(aoai, 2), c(des, 1), c(des, 2), c(aoai, 1)];
    const waves = assignWaves(items, ["per-type", 2]);
    expect(waves.map((w) => w.map((i) => i.resourceId.split("/").pop()))).toEqual([
      ["r-1", "r-1"],
      ["r-2", "r-2"],
      ["r-3"],
    ]);
    expect(assignWaves([...items].reverse(), ["per-type", 2])).toEqual(waves);
    expect(assignWaves(items, ["rest"])).toHaveLength(1);
    expect(assignWaves([], ["per-type", "rest"])).toEqual([]);
  });
});

describe("rollout counters", () => {
  const t0 = "2026-12-01T10:00:00.000Z";
  const t1 = "2026-12-01T10:00:01.000Z";
  const fresh = (plan = "per-type,2,*"): Rollout =>
    newRollout({
      keyId: "https://kv.vault.azure.net/keys/k/v2",
      runId: "run",
      plan,
      pauseSeconds: 0,
      at: t0,
    });
  const page = (...items: ReturnType<typeof c>[]) =>
    items.map((i) => ({ id: i.resourceId, type: i.resourceType }));

  it("assigns in discovery order across pages: first of each type, then N, then the rest", () => {
    const first = assignPage(fresh(), page(c(des, 1), c(des, 2), c(aoai, 1)), { page: 1, last: false }, t1);
    expect(first.waveOf).toEqual([0, 1, 0]);
    // A type first seen on a later page still joins the per-type wave.
    const second = assignPage(
      first.next,
      page(c(des, 3), c(des, 4), c("Microsoft.Compute/disks", 1), c(aoai, 2)),
      { page: 2, last: true },
      t1,
    );
    expect(second.waveOf).toEqual([1, 2, 0, 2]);
    expect(second.next.assigned).toEqual([3, 2, 2]);
    expect(second.next.typesSeen).toHaveLength(3);
    expect(second.next.planned).toBe(true);
    // A list without * ends with one more wave for the rest.
    const noStar = assignPage(fresh("1"), page(c(des, 1), c(des, 2), c(des, 3)), { page: 1, last: true }, t1);
    expect(noStar.waveOf).toEqual([0, 1, 1]);
  });

  it("planning is complete only when every page up to the last is assigned, in any order", () => {
    const last = assignPage(fresh(), page(c(des, 5)), { page: 3, last: true }, t1);
    expect(last.next.planned).toBe(false);
    const one = assignPage(last.next, page(c(des, 1)), { page: 1, last: false }, t1);
    expect(one.next.planned).toBe(false);
    const two = assignPage(one.next, page(c(des, 2)), { page: 2, last: false }, t1);
    expect(two.next.planned).toBe(true);
  });

  it("releases the next wave when the released one settled without failure, then is done", () => {
    let r = assignPage(
      fresh(),
      page(c(des, 1), c(aoai, 1), c(des, 2), c(des, 3), c(des, 4)),
      { page: 1, last: true },
      t1,
    ).next;
    expect(r.assigned).toEqual([2, 2, 1]);
    let s = settleMember(r, 0, "confirmed", "", t1);
    expect(s.released).toBeUndefined();
    s = settleMember(s.next, 0, "neutral", "", t1);
    expect(s).toMatchObject({
      released: 1,
      halted: false,
      next: { wave: 1, state: "running", releasedAt: t1 },
    });
    r = s.next;
    s = settleMember(r, 1, "confirmed", "", t1);
    s = settleMember(s.next, 1, "confirmed", "", t1);
    // The last wave is released: the rollout is done (its members are not counted).
    expect(s).toMatchObject({ released: 2, next: { wave: 2, state: "done" } });
    expect(countsSettle(s.next, 2, "confirmed")).toBe(false);
    expect(countsSettle(s.next, 2, "failed")).toBe(true);
    // A failure in the last wave holds nothing back: counted, no halt, no ticket of its own.
    expect(settleMember(s.next, 2, "failed", "x", t1)).toMatchObject({
      halted: false,
      next: { state: "done", failed: [0, 0, 1] },
    });
  });

  it("waits for planning; a failure halts (once); a held write stops; empty waves are skipped", () => {
    const r = assignPage(
      fresh("per-type,5,5,*"),
      page(c(des, 1), c(des, 2)),
      { page: 1, last: false },
      t1,
    ).next;
    const settled = settleMember(settleMember(r, 0, "confirmed", "", t1).next, 1, "confirmed", "", t1);
    expect(settled.released).toBeUndefined();
    // Planning completes with nothing more: wave 1 is released; waves 2 and 3 are empty, so it is done.
    const done = assignPage(settleMember(r, 0, "confirmed", "", t1).next, [], { page: 2, last: true }, t1);
    expect(done).toMatchObject({ released: 1, next: { wave: 1, state: "done" } });
    const halted = settleMember(r, 0, "failed", "x: boom", t1);
    expect(halted).toMatchObject({
      halted: true,
      next: { state: "halted", reason: "x: boom", failed: [1, 0, 0, 0] },
    });
    expect(settleMember(halted.next, 0, "failed", "y", t1)).toMatchObject({
      halted: false,
      next: { reason: "x: boom" },
    });
    expect(settleMember(r, 0, "gated", "paused", t1).next.state).toBe("stopped");
  });

  it("resends a released wave only once its release is long past and not recorded as sent", () => {
    const r = { ...fresh(), wave: 1, sentWave: 0, releasedAt: t0 };
    expect(needsResend(r, new Date(Date.parse(t0) + 1000))).toBe(false);
    expect(needsResend(r, new Date(Date.parse(t0) + resendAfterMs + 1))).toBe(true);
    expect(needsResend({ ...r, sentWave: 1 }, new Date(Date.parse(t0) + resendAfterMs + 1))).toBe(false);
  });

  it("a refusal is neutral; a failed or unconfirmed write fails the wave; a held write is gated", () => {
    const a = { resourceId: "x", resourceType: des, reason: "r" };
    expect(memberOutcome({ ...a, action: "refuse", status: "skipped" })).toBe("neutral");
    expect(memberOutcome({ ...a, action: "rotate-key", status: "applied" })).toBe("confirmed");
    expect(
      memberOutcome({ ...a, action: "rotate-key", status: "applied", codes: ["ProvisioningNotSucceeded"] }),
    ).toBe("failed");
    expect(memberOutcome({ ...a, action: "rotate-key", status: "failed" })).toBe("failed");
    expect(memberOutcome({ ...a, action: "rotate-key", status: "planned", codes: ["WritesPaused"] })).toBe(
      "gated",
    );
  });
});
