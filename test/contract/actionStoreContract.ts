import { describe, expect, it } from "vitest";
import type { LedgerActionInput } from "../../src/core/ports/actionStore.js";
import { at, disk, type LedgerUnderTest } from "./ledgerUnderTest.js";

const input = (
  n: number | string,
  reason: string,
  extra: Partial<LedgerActionInput> = {},
): LedgerActionInput => ({
  resourceId: disk(n),
  resourceType: "Microsoft.Compute/disks",
  action: "none",
  status: "skipped",
  reason,
  dryRun: false,
  ...extra,
});

/** The action history. */
export function actionStoreContract(subject: () => LedgerUnderTest): void {
  describe("actions", () => {
    it("reads every field back; codes default to none; what was not given (or is not an action field) is absent", async () => {
      const { ledger } = subject();
      await ledger.recordAction({
        ...input(1, "rotated"),
        action: "rotate-key",
        status: "applied",
        codes: ["KeySizeBelowRecommended"],
        from: "https://kv.vault.azure.net/keys/k/1",
        to: "https://kv.vault.azure.net/keys/k/2",
        before: { properties: { keyUrl: "1" } },
        after: { properties: { keyUrl: "2" } },
        eventId: "evt-1",
        correlationId: "corr-1",
        jobId: "job-1",
        dryRun: true,
      });
      const withTicket = { ...input(2, "ticketed"), ticket: "https://github.com/o/r/issues/1" };
      await ledger.recordAction(withTicket);
      expect(await ledger.listActions(disk(1))).toEqual([
        {
          resourceId: disk(1),
          resourceType: "Microsoft.Compute/disks",
          action: "rotate-key",
          status: "applied",
          reason: "rotated",
          codes: ["KeySizeBelowRecommended"],
          from: "https://kv.vault.azure.net/keys/k/1",
          to: "https://kv.vault.azure.net/keys/k/2",
          before: '{"properties":{"keyUrl":"1"}}',
          after: '{"properties":{"keyUrl":"2"}}',
          eventId: "evt-1",
          correlationId: "corr-1",
          jobId: "job-1",
          dryRun: true,
          at: at(),
        },
      ]);
      const [second] = await ledger.listActions(disk(2));
      expect(second).toEqual({
        resourceId: disk(2),
        resourceType: "Microsoft.Compute/disks",
        action: "none",
        status: "skipped",
        reason: "ticketed",
        codes: [],
        dryRun: false,
        at: at(),
      });
      expect(Object.keys(second ?? {}).sort()).toEqual(
        ["action", "at", "codes", "dryRun", "reason", "resourceId", "resourceType", "status"].sort(),
      );
    });

    it("lists one resource's history newest first, whatever the case of its id; all of them by resource", async () => {
      const t = subject();
      const { ledger } = t;
      for (const [n, reason] of [
        ["b", "b1"],
        ["a", "a1"],
        ["b", "b2"],
        ["a", "a2"],
      ] as const) {
        t.advance(1000);
        await ledger.recordAction(input(n, reason));
      }
      await ledger.recordAction(input("c", "c1"));
      expect((await ledger.listActions(disk("b").toUpperCase())).map((a) => a.reason)).toEqual(["b2", "b1"]);
      expect((await ledger.listActions(disk("missing"))).map((a) => a.reason)).toEqual([]);
      expect((await ledger.listActions()).map((a) => a.reason)).toEqual(["a2", "a1", "b2", "b1", "c1"]);
    });

    it("what is read back is a copy: changing it changes nothing recorded", async () => {
      const { ledger } = subject();
      const codes = ["A"];
      const before = { properties: { keyUrl: "1" } };
      await ledger.recordAction(input(1, "recorded", { codes, before }));
      codes.push("added after recording");
      before.properties.keyUrl = "changed after recording";
      const [read] = await ledger.listActions(disk(1));
      read?.codes.push("added after reading");
      expect(await ledger.listActions(disk(1))).toEqual([
        expect.objectContaining({ codes: ["A"], before: '{"properties":{"keyUrl":"1"}}' }),
      ]);
    });

    it("keeps snapshots as JSON text, cut at the size limit with a marker", async () => {
      const { ledger } = subject();
      await ledger.recordAction(input(1, "big", { before: { big: "x".repeat(40_000) }, after: "small" }));
      const [recorded] = await ledger.listActions(disk(1));
      const full = JSON.stringify({ big: "x".repeat(40_000) });
      expect(recorded?.before).toBe(`${full.slice(0, 30_000)}…(truncated)`);
      expect(recorded?.after).toBe('"small"');
      await ledger.recordAction(input(2, "fits", { before: { fits: "y".repeat(29_000) } }));
      expect((await ledger.listActions(disk(2)))[0]?.before).toBe(
        JSON.stringify({ fits: "y".repeat(29_000) }),
      );
    });

    it("keeps only the newest that the filter accepts, newest first, without snapshots", async () => {
      const t = subject();
      const { ledger } = t;
      for (let i = 0; i < 7; i++) {
        t.advance(60_000);
        await ledger.recordAction({
          resourceId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d${i % 2 === 0 ? "even" : "odd"}${i}`,
          resourceType: "Microsoft.Compute/disks",
          action: "none",
          status: "skipped",
          reason: `action ${i}`,
          before: { big: "x".repeat(1000) },
          dryRun: false,
        });
      }
      const seen: (string | undefined)[] = [];
      const newest = await ledger.newestActions(2, (a) => {
        seen.push(a.before);
        return a.resourceId.includes("/deven");
      });
      expect(newest.map((a) => a.reason)).toEqual(["action 6", "action 4"]);
      expect(newest[0]?.before).toBeUndefined();
      // The filter is shown every action, without its snapshots either.
      expect(seen).toEqual(Array.from({ length: 7 }, () => undefined));
      expect((await ledger.newestActions(3)).map((a) => a.reason)).toEqual([
        "action 6",
        "action 5",
        "action 4",
      ]);
      expect(await ledger.newestActions(10, () => false)).toEqual([]);
      expect(await ledger.newestActions(100)).toHaveLength(7);
    });

    it("orders the newest across many resources and more actions than the limit holds", async () => {
      const t = subject();
      const { ledger } = t;
      // Recorded out of time order across resources: the clock goes back and forth.
      const times = [5, 1, 9, 3, 7, 2, 8, 4, 6, 0, 12, 11, 10];
      for (const [i, minutes] of times.entries()) {
        t.advance(minutes * 60_000);
        await ledger.recordAction(input(i % 4, `m${minutes}`));
        t.advance(-minutes * 60_000);
      }
      expect((await ledger.newestActions(4)).map((a) => a.reason)).toEqual(["m12", "m11", "m10", "m9"]);
      expect((await ledger.newestActions(2, (a) => a.resourceId === disk(1))).map((a) => a.reason)).toEqual([
        "m2",
        "m1",
      ]);
    });
  });
}
