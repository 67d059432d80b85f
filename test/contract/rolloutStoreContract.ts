import { describe, expect, it } from "vitest";
import {
  newRollout,
  rolloutIdFor,
  type Rollout,
  type RolloutChunk,
} from "../../src/core/rollout/rolloutState.js";
import { at, disk, type LedgerUnderTest } from "./ledgerUnderTest.js";

const keyId = "https://kv.vault.azure.net/keys/k/v2";
const rollout = (): Rollout =>
  newRollout({ keyId, runId: "run-1", plan: "per-type,10,*", pauseSeconds: 0, at: at() });

const chunk = (wave: number, page: number, index: number, ...ns: number[]): RolloutChunk => ({
  wave,
  page,
  index,
  consumers: ns.map((n) => ({ id: disk(n), type: "Microsoft.Compute/disks" })),
});

/** Staged rollouts and the write controls (budget, kill switch). */
export function rolloutStoreContract(subject: () => LedgerUnderTest): void {
  describe("rollouts", () => {
    it("created once, read back with its counters, ids compared case-insensitively", async () => {
      const { ledger } = subject();
      expect(await ledger.createRollout(rollout())).toBe(true);
      expect(await ledger.createRollout({ ...rollout(), runId: "run-2" })).toBe(false);
      const read = await ledger.getRollout(rolloutIdFor(keyId).toUpperCase());
      expect(read?.rollout).toEqual(rollout());
      expect(read?.version).toEqual(expect.any(String));
      expect(await ledger.getRollout("rollout|none")).toBeUndefined();
      expect(await ledger.listRolloutChunks("rollout|none", 0)).toEqual([]);
    });

    it("changes only from the version read: one of concurrent writers wins", async () => {
      const { ledger } = subject();
      await ledger.createRollout(rollout());
      const read = (await ledger.getRollout(rolloutIdFor(keyId)))!;
      const written = await Promise.all([
        ledger.updateRollout({ ...read.rollout, wave: 1 }, read.version),
        ledger.updateRollout({ ...read.rollout, state: "halted", reason: "r" }, read.version),
      ]);
      expect(written.filter((w) => w === "stored")).toHaveLength(1);
      const after = (await ledger.getRollout(rolloutIdFor(keyId)))!;
      expect(after.version).not.toBe(read.version);
      expect(await ledger.updateRollout({ ...read.rollout, wave: 2 }, read.version)).toBe("conflict");
    });

    it("stores a plan page once, with its chunks and counters, all or nothing; a wave lists as a range", async () => {
      const { ledger } = subject();
      await ledger.createRollout(rollout());
      const read = (await ledger.getRollout(rolloutIdFor(keyId)))!;
      const page1 = [chunk(0, 1, 0, 1), chunk(1, 1, 0, 2, 3), chunk(2, 1, 0, 4), chunk(2, 1, 1, 5)];
      const next = { ...read.rollout, assigned: [1, 2, 2], pagesStored: 1 };
      // A stale version stores nothing: no marker, no chunk.
      const moved = (await ledger.updateRollout({ ...read.rollout }, read.version)) === "stored";
      expect(moved).toBe(true);
      expect(await ledger.storeRolloutPage(next, read.version, 1, page1)).toBe("conflict");
      expect(await ledger.listRolloutChunks(rolloutIdFor(keyId), 1)).toEqual([]);
      const fresh = (await ledger.getRollout(rolloutIdFor(keyId)))!;
      expect(await ledger.storeRolloutPage(next, fresh.version, 1, page1)).toBe("stored");
      const again = (await ledger.getRollout(rolloutIdFor(keyId)))!;
      expect(again.rollout.assigned).toEqual([1, 2, 2]);
      // The same page again (a retried plan job): nothing stored twice.
      expect(await ledger.storeRolloutPage(next, again.version, 1, [chunk(1, 1, 0, 9)])).toBe("exists");
      const page12 = [chunk(2, 12, 0, 6)];
      expect(await ledger.storeRolloutPage(next, again.version, 12, page12)).toBe("stored");
      expect(await ledger.listRolloutChunks(rolloutIdFor(keyId), 1)).toEqual([chunk(1, 1, 0, 2, 3)]);
      expect(await ledger.listRolloutChunks(rolloutIdFor(keyId), 2)).toEqual([
        chunk(2, 1, 0, 4),
        chunk(2, 1, 1, 5),
        chunk(2, 12, 0, 6),
      ]);
      expect(await ledger.listRolloutChunks(rolloutIdFor(keyId), 2, 12)).toEqual(page12);
      expect(await ledger.listRolloutChunks(rolloutIdFor(keyId), 2, 1)).toHaveLength(2);
      expect(await ledger.listRolloutChunks(rolloutIdFor(keyId), 0)).toEqual([chunk(0, 1, 0, 1)]);
    });

    it("settles a member once: its marker and the counters in one change, however many settle at once", async () => {
      const { ledger } = subject();
      await ledger.createRollout(rollout());
      const settle = async (resourceId: string): Promise<string> => {
        for (;;) {
          const read = (await ledger.getRollout(rolloutIdFor(keyId)))!;
          const next = { ...read.rollout, ok: read.rollout.ok.map((n, w) => (w === 0 ? n + 1 : n)) };
          const written = await ledger.settleRolloutMember(resourceId, next, read.version);
          if (written !== "conflict") return written;
        }
      };
      // Five members settled concurrently, each twice (a redelivered message), one id in upper case.
      const ids = [1, 2, 3, 4, 5].map((n) => disk(n));
      const results = await Promise.all([...ids, ...ids.map((id) => id.toUpperCase())].map(settle));
      expect(results.filter((r) => r === "stored")).toHaveLength(5);
      expect(results.filter((r) => r === "exists")).toHaveLength(5);
      expect((await ledger.getRollout(rolloutIdFor(keyId)))?.rollout.ok[0]).toBe(5);
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
