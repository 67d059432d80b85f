import { describe, expect, it } from "vitest";
import type { ReportAction } from "../../src/core/report/report.js";
import { at, disk, type LedgerUnderTest } from "./ledgerUnderTest.js";

const job = (n: number, suffix = "v2") => ({ dedupeKey: `${disk(n)}|${suffix}`, resourceId: disk(n) });

const action = (n: number, reason = "rotated"): ReportAction => ({
  resourceId: disk(n),
  resourceType: "Microsoft.Compute/disks",
  action: "rotate-key",
  status: "applied",
  reason,
});

/** Job claims: dedupe, leases, outcomes, reclaiming what gave up. */
export function jobStoreContract(subject: () => LedgerUnderTest): void {
  describe("job claims", () => {
    it("claims new keys once: duplicates in one call and in later calls are left out", async () => {
      const { ledger } = subject();
      expect(await ledger.claimJobs("g", [job(1), job(2), job(1)])).toEqual(
        new Set([job(1).dedupeKey, job(2).dedupeKey]),
      );
      expect(await ledger.claimJobs("g", [job(1), job(3)])).toEqual(new Set([job(3).dedupeKey]));
      expect(await ledger.claimJobs("g", [])).toEqual(new Set());
      const jobs = await ledger.listJobs("g");
      expect(jobs.map((j) => j.dedupeKey).sort()).toEqual([1, 2, 3].map((n) => job(n).dedupeKey).sort());
      expect(jobs.find((j) => j.resourceId === disk(2))).toEqual({
        dedupeKey: job(2).dedupeKey,
        resourceId: disk(2),
        state: "queued",
        attempts: 0,
        updatedAt: at(),
      });
    });

    it("compares groups and dedupe keys without regard to case; groups are kept apart", async () => {
      const { ledger } = subject();
      expect(
        await ledger.claimJobs("Key-Event|A", [{ dedupeKey: "Disk-1|V2", resourceId: disk(1) }]),
      ).toEqual(new Set(["Disk-1|V2"]));
      expect(
        await ledger.claimJobs("key-event|a", [{ dedupeKey: "disk-1|v2", resourceId: disk(1) }]),
      ).toEqual(new Set());
      expect(
        await ledger.claimJobs("key-event|b", [{ dedupeKey: "disk-1|v2", resourceId: disk(1) }]),
      ).toEqual(new Set(["disk-1|v2"]));
      expect(await ledger.startJob("KEY-EVENT|A", "DISK-1|v2", disk(1), 60_000)).toBe("started");
      expect(await ledger.listJobs("key-event|a")).toEqual([
        expect.objectContaining({ resourceId: disk(1), state: "running", attempts: 1 }),
      ]);
      expect(await ledger.listJobs("key-event|b")).toEqual([
        expect.objectContaining({ dedupeKey: "disk-1|v2", state: "queued", attempts: 0 }),
      ]);
      expect(await ledger.listJobs("no-such-group")).toEqual([]);
    });

    it("claims more than one batch's worth at once, and only the new ones of a mixed batch", async () => {
      const { ledger } = subject();
      const many = Array.from({ length: 250 }, (_, i) => job(i));
      expect(
        (
          await ledger.claimJobs(
            "big",
            many.slice(0, 120).filter((_, i) => i % 7 === 0),
          )
        ).size,
      ).toBe(18);
      const claimed = await ledger.claimJobs("big", many);
      expect(claimed.size).toBe(250 - 18);
      expect(claimed.has(job(7).dedupeKey)).toBe(false);
      expect(claimed.has(job(8).dedupeKey)).toBe(true);
      expect(await ledger.listJobs("big")).toHaveLength(250);
    });

    it("starts a job once: busy while its lease runs, started again once it ran out, done after finishing", async () => {
      const t = subject();
      const { ledger } = t;
      await ledger.claimJobs("g", [job(1)]);
      expect(await ledger.startJob("g", job(1).dedupeKey, disk(1), 60_000)).toBe("started");
      t.advance(59_999);
      expect(await ledger.startJob("g", job(1).dedupeKey, disk(1), 60_000)).toBe("busy");
      t.advance(1);
      // The lease has run out (a crashed worker): the next delivery takes the job over.
      expect(await ledger.startJob("g", job(1).dedupeKey, disk(1), 60_000)).toBe("started");
      expect(await ledger.listJobs("g")).toEqual([
        { ...job(1), state: "running", attempts: 2, updatedAt: at(60_000) },
      ]);
      t.advance(1000);
      await ledger.finishJob("g", job(1).dedupeKey, "done", [action(1)]);
      expect(await ledger.startJob("g", job(1).dedupeKey, disk(1), 60_000)).toBe("done");
      expect(await ledger.listJobs("g")).toEqual([
        { ...job(1), state: "done", attempts: 2, updatedAt: at(61_000), result: [action(1)] },
      ]);
    });

    it("a job released for a retry (queued) or given up (failed) starts again at once", async () => {
      const { ledger } = subject();
      await ledger.claimJobs("g", [job(1), job(2)]);
      expect(await ledger.startJob("g", job(1).dedupeKey, disk(1), 60_000)).toBe("started");
      await ledger.finishJob("g", job(1).dedupeKey, "queued");
      expect(await ledger.startJob("g", job(1).dedupeKey, disk(1), 60_000)).toBe("started");
      expect(await ledger.startJob("g", job(2).dedupeKey, disk(2), 60_000)).toBe("started");
      await ledger.finishJob("g", job(2).dedupeKey, "failed");
      expect(await ledger.startJob("g", job(2).dedupeKey, disk(2), 60_000)).toBe("started");
      const attempts = Object.fromEntries(
        (await ledger.listJobs("g")).map((j) => [j.resourceId, j.attempts]),
      );
      expect(attempts).toEqual({ [disk(1)]: 2, [disk(2)]: 2 });
    });

    it("starting a job nobody claimed (queued by hand) claims and starts it", async () => {
      const { ledger } = subject();
      expect(await ledger.startJob("manual", job(1).dedupeKey, disk(1), 60_000)).toBe("started");
      expect(await ledger.startJob("manual", job(1).dedupeKey, disk(1), 60_000)).toBe("busy");
      expect(await ledger.listJobs("manual")).toEqual([
        { ...job(1), state: "running", attempts: 1, updatedAt: at() },
      ]);
    });

    it("keeps a finished job's result; a finish without one keeps it; a new start drops it", async () => {
      const t = subject();
      const { ledger } = t;
      await ledger.claimJobs("g", [job(1)]);
      await ledger.startJob("g", job(1).dedupeKey, disk(1), 60_000);
      await ledger.finishJob("g", job(1).dedupeKey, "queued", [action(1, "first try")]);
      t.advance(5);
      await ledger.finishJob("g", job(1).dedupeKey, "queued");
      expect(await ledger.listJobs("g")).toEqual([
        { ...job(1), state: "queued", attempts: 1, updatedAt: at(5), result: [action(1, "first try")] },
      ]);
      await ledger.startJob("g", job(1).dedupeKey, disk(1), 60_000);
      expect((await ledger.listJobs("g"))[0]?.result).toBeUndefined();
    });

    it("cuts a result too large to store to whole JSON: long reasons shortened, then the first actions kept", async () => {
      const { ledger } = subject();
      await ledger.claimJobs("g", [job(1), job(2), job(3)]);
      const one = [{ ...action(1), action: "open-ticket" as const, reason: "r".repeat(50_000) }];
      await ledger.finishJob("g", job(1).dedupeKey, "done", one);
      const many = Array.from({ length: 400 }, (_, i) => action(2, `reason ${i} ${"x".repeat(100)}`));
      await ledger.finishJob("g", job(2).dedupeKey, "done", many);
      const small = [action(3, "s".repeat(400))];
      await ledger.finishJob("g", job(3).dedupeKey, "done", small);
      const jobs = await ledger.listJobs("g");
      const result = (n: number) => jobs.find((j) => j.resourceId === disk(n))?.result ?? [];
      expect(result(1)).toEqual([{ ...one[0], reason: `${"r".repeat(500)}…` }]);
      const kept = result(2);
      expect(kept.length).toBeGreaterThan(50);
      expect(kept.length).toBeLessThan(400);
      expect(kept).toEqual(many.slice(0, kept.length));
      expect(JSON.stringify(kept).length).toBeLessThanOrEqual(30_000);
      expect(JSON.stringify([...kept, many[kept.length]]).length).toBeGreaterThan(30_000);
      expect(result(3)).toEqual(small);
    });

    it("what is read back is a copy: changing it changes nothing recorded", async () => {
      const { ledger } = subject();
      await ledger.claimJobs("g", [job(1)]);
      const result = [action(1)];
      await ledger.finishJob("g", job(1).dedupeKey, "done", result);
      result[0] = action(1, "changed after finishing");
      const [read] = await ledger.listJobs("g");
      if (read?.result?.[0] === undefined) throw new Error("expected a result");
      read.result[0].reason = "changed after reading";
      read.state = "queued";
      expect(await ledger.listJobs("g")).toEqual([
        expect.objectContaining({ state: "done", result: [action(1)] }),
      ]);
    });

    it("reads one claim back as the group's listing shows it; a key never claimed reads as undefined", async () => {
      const { ledger } = subject();
      expect(await ledger.readJob("g", job(1).dedupeKey)).toBeUndefined();
      await ledger.claimJobs("G", [job(1), job(2)]);
      await ledger.finishJob("g", job(1).dedupeKey, "done", [action(1)]);
      const listed = await ledger.listJobs("g");
      // Groups and keys compare case-insensitively, as claims do.
      expect(await ledger.readJob("g", job(1).dedupeKey.toUpperCase())).toEqual(
        listed.find((j) => j.resourceId === disk(1)),
      );
      expect(await ledger.readJob("g", job(1).dedupeKey)).toMatchObject({
        state: "done",
        result: [action(1)],
      });
      expect(await ledger.readJob("g", job(2).dedupeKey)).toMatchObject({ state: "queued", attempts: 0 });
      expect(await ledger.readJob("other", job(1).dedupeKey)).toBeUndefined();
    });

    it("finishing a job nobody claimed fails", async () => {
      const { ledger } = subject();
      await expect(ledger.finishJob("g", "never-claimed", "done")).rejects.toThrow();
      await ledger.claimJobs("g", [job(1)]);
      await expect(ledger.finishJob("g", "never-claimed", "done")).rejects.toThrow();
      expect(await ledger.listJobs("g")).toEqual([expect.objectContaining({ resourceId: disk(1) })]);
    });

    it("a job that gave up is claimed again by the next plan; done, queued and running ones stay duplicates", async () => {
      const t = subject();
      const { ledger } = t;
      expect(await ledger.claimJobs("key-event-1", [job(1), job(2), job(3), job(4)])).toEqual(
        new Set([job(1).dedupeKey, job(2).dedupeKey, job(3).dedupeKey, job(4).dedupeKey]),
      );
      await ledger.startJob("key-event-1", job(1).dedupeKey, disk(1), 60_000);
      await ledger.finishJob("key-event-1", job(1).dedupeKey, "failed", [action(1, "gave up")]);
      await ledger.finishJob("key-event-1", job(2).dedupeKey, "done");
      await ledger.startJob("key-event-1", job(4).dedupeKey, disk(4), 60_000);
      t.advance(10);
      const again = await ledger.claimJobs("key-event-1", [job(1), job(2), job(3), job(4)]);
      expect(again).toEqual(new Set([job(1).dedupeKey]));
      // Claimed afresh: a new claim, its old attempts and result gone.
      expect((await ledger.listJobs("key-event-1")).find((j) => j.resourceId === disk(1))).toEqual({
        ...job(1),
        state: "queued",
        attempts: 0,
        updatedAt: at(10),
      });
      expect(await ledger.startJob("key-event-1", job(1).dedupeKey, disk(1), 60_000)).toBe("started");
      expect(await ledger.claimJobs("key-event-1", [job(1)])).toEqual(new Set());
    });

    it("two workers starting one job at once: exactly one is started", async () => {
      const { ledger } = subject();
      await ledger.claimJobs("g", [job(1)]);
      const starts = await Promise.all(
        Array.from({ length: 4 }, () => ledger.startJob("g", job(1).dedupeKey, disk(1), 60_000)),
      );
      expect(starts.filter((s) => s === "started")).toHaveLength(1);
      expect(starts.filter((s) => s === "busy")).toHaveLength(3);
      // The same for a job nobody claimed before.
      const unclaimed = await Promise.all([
        ledger.startJob("g", job(2).dedupeKey, disk(2), 60_000),
        ledger.startJob("g", job(2).dedupeKey, disk(2), 60_000),
      ]);
      expect(unclaimed.sort()).toEqual(["busy", "started"]);
      expect((await ledger.listJobs("g")).map((j) => j.attempts)).toEqual([1, 1]);
    });

    it("two planners claiming overlapping jobs at once: each job is claimed exactly once", async () => {
      const { ledger } = subject();
      const first = [1, 2, 3, 4].map((n) => job(n));
      const second = [3, 4, 5, 6].map((n) => job(n));
      const [a, b] = await Promise.all([ledger.claimJobs("g", first), ledger.claimJobs("g", second)]);
      expect([...a].filter((k) => b.has(k))).toEqual([]);
      expect(new Set([...a, ...b])).toEqual(new Set([1, 2, 3, 4, 5, 6].map((n) => job(n).dedupeKey)));
      expect(a.has(job(1).dedupeKey) && b.has(job(6).dedupeKey)).toBe(true);
      expect(await ledger.listJobs("g")).toHaveLength(6);
    });
  });
}
