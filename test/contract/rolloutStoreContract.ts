import { describe, expect, it } from "vitest";
import type { Rollout, RolloutMember } from "../../src/core/rollout/rolloutState.js";
import { at, disk, type LedgerUnderTest } from "./ledgerUnderTest.js";

const rollout = (id = "rollout|https://kv.vault.azure.net/keys/k/v2"): Rollout => ({
  rolloutId: id,
  keyId: "https://kv.vault.azure.net/keys/k/v2",
  state: "running",
  wave: 0,
  waves: 2,
  pauseSeconds: 0,
  createdAt: at(),
  updatedAt: at(),
});

const member = (n: number, wave: number): RolloutMember => ({
  resourceId: disk(n),
  resourceType: "Microsoft.Compute/diskEncryptionSets",
  wave,
  state: "held",
  job: JSON.stringify({ n }),
});

/** Staged rollouts and the write controls (budget, kill switch). */
export function rolloutStoreContract(subject: () => LedgerUnderTest): void {
  describe("rollouts", () => {
    it("created once with its members, listed in wave order, ids compared case-insensitively", async () => {
      const { ledger } = subject();
      const members = [member(3, 1), member(1, 0), member(2, 1)];
      expect(await ledger.createRollout(rollout(), members)).toBe(true);
      expect(await ledger.createRollout(rollout(), [member(9, 0)])).toBe(false);
      expect(await ledger.getRollout(rollout().rolloutId.toUpperCase())).toEqual(rollout());
      const listed = await ledger.listRolloutMembers(rollout().rolloutId);
      expect(listed.map((m) => m.wave)).toEqual([0, 1, 1]);
      expect(listed).toHaveLength(3);
      expect(await ledger.getRolloutMember(rollout().rolloutId, disk(2).toUpperCase())).toEqual(member(2, 1));
      expect(await ledger.getRollout("rollout|none")).toBeUndefined();
      expect(await ledger.listRolloutMembers("rollout|none")).toEqual([]);
    });

    it("a member settles once, however many callers settle it at once", async () => {
      const { ledger } = subject();
      await ledger.createRollout(rollout(), [member(1, 0)]);
      await ledger.markRolloutMembersReleased(rollout().rolloutId, [disk(1)]);
      expect((await ledger.getRolloutMember(rollout().rolloutId, disk(1)))?.state).toBe("released");
      const settled = await Promise.all([
        ledger.settleRolloutMember(rollout().rolloutId, disk(1), "confirmed", "moved"),
        ledger.settleRolloutMember(rollout().rolloutId, disk(1), "failed", "boom"),
        ledger.settleRolloutMember(rollout().rolloutId, disk(1), "neutral", "nothing"),
      ]);
      expect(settled.filter(Boolean)).toHaveLength(1);
      const after = await ledger.getRolloutMember(rollout().rolloutId, disk(1));
      expect(["confirmed", "failed", "neutral"]).toContain(after?.state);
      // Released again after settling: nothing changes.
      await ledger.markRolloutMembersReleased(rollout().rolloutId, [disk(1)]);
      expect(await ledger.getRolloutMember(rollout().rolloutId, disk(1))).toEqual(after);
      expect(await ledger.settleRolloutMember(rollout().rolloutId, disk(7), "confirmed", "x")).toBe(false);
    });

    it("moves on only from the state the caller read: one of concurrent releasers wins", async () => {
      const t = subject();
      const { ledger } = t;
      await ledger.createRollout(rollout(), [member(1, 0), member(2, 1)]);
      t.advance(1000);
      const moved = await Promise.all([
        ledger.updateRollout(rollout().rolloutId, { wave: 0, state: "running" }, { wave: 1 }),
        ledger.updateRollout(rollout().rolloutId, { wave: 0, state: "running" }, { wave: 1 }),
      ]);
      expect(moved.filter(Boolean)).toHaveLength(1);
      expect(await ledger.getRollout(rollout().rolloutId)).toEqual({
        ...rollout(),
        wave: 1,
        updatedAt: at(1000),
      });
      expect(
        await ledger.updateRollout(rollout().rolloutId, { wave: 0, state: "running" }, { state: "halted" }),
      ).toBe(false);
      expect(
        await ledger.updateRollout(
          rollout().rolloutId,
          { wave: 1, state: "running" },
          { state: "halted", reason: "r" },
        ),
      ).toBe(true);
      expect(await ledger.getRollout(rollout().rolloutId)).toMatchObject({ state: "halted", reason: "r" });
    });
  });

  describe("write controls", () => {
    it("counts writes per window and never past the limit, however many count at once", async () => {
      const { ledger } = subject();
      const taken = await Promise.all(Array.from({ length: 8 }, () => ledger.takeWrite("2026-12-01T10", 5)));
      expect(taken.filter(Boolean)).toHaveLength(5);
      expect(await ledger.writesCounted("2026-12-01T10")).toBe(5);
      expect(await ledger.takeWrite("2026-12-01T11", 5)).toBe(true);
      expect(await ledger.writesCounted("2026-12-01T11")).toBe(1);
      expect(await ledger.takeWrite("2026-12-01T12", 0)).toBe(false);
    });

    it("pauses once until resumed; a pause while paused returns the pause in force", async () => {
      const { ledger } = subject();
      expect(await ledger.writePause()).toBeUndefined();
      expect(await ledger.resumeWrites()).toBeUndefined();
      const first = await ledger.pauseWrites({ pausedAt: at(), by: "ops", reason: "incident" });
      expect(first).toMatchObject({ pausedAt: at(), by: "ops", reason: "incident" });
      expect(await ledger.pauseWrites({ pausedAt: at(5), by: "other", reason: "" })).toEqual(first);
      expect(await ledger.writePause()).toEqual(first);
      expect(await ledger.resumeWrites()).toEqual(first);
      expect(await ledger.writePause()).toBeUndefined();
      const second = await ledger.pauseWrites({ pausedAt: at(9), by: "ops", reason: "" });
      expect(second.pauseId).not.toBe(first.pauseId);
    });
  });
}
