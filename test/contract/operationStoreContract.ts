import { describe, expect, it } from "vitest";
import { operationGroup, type OperationRecord } from "../../src/core/ports/operationStore.js";
import { disk, type LedgerUnderTest } from "./ledgerUnderTest.js";

const sub = "00000000-0000-0000-0000-0000000000aa";

const operation = (operationId: string): OperationRecord => ({
  operationId,
  target: `subscription:${sub}`,
  dryRun: true,
  listing: "listing",
  resourcesSeen: 0,
  jobsQueued: 0,
  createdAt: "2026-12-01T10:00:00.000Z",
});

/** Manual operations and the job claims of their group. */
export function operationStoreContract(subject: () => LedgerUnderTest): void {
  describe("manual operations", () => {
    it("records an operation, lists its job claims with their results, and keeps operations apart", async () => {
      const { ledger } = subject();
      await ledger.createOperation(operation("Op-1"));
      expect(await ledger.getOperation("op-2")).toBeUndefined();
      const group = operationGroup("Op-1");
      await ledger.claimJobs(
        group,
        [1, 2, 3].map((n) => ({ dedupeKey: `${disk(n)}|evaluate`, resourceId: disk(n) })),
      );
      await ledger.claimJobs(operationGroup("op-2"), [
        { dedupeKey: `${disk(9)}|evaluate`, resourceId: disk(9) },
      ]);
      expect(await ledger.startJob(group, `${disk(1)}|evaluate`, disk(1), 60_000)).toBe("started");
      await ledger.finishJob(group, `${disk(1)}|evaluate`, "done", [
        {
          resourceId: disk(1),
          resourceType: "Microsoft.Compute/disks",
          action: "open-ticket",
          status: "planned",
          reason: "r".repeat(50_000),
        },
      ]);
      expect(await ledger.startJob(group, `${disk(2)}|evaluate`, disk(2), 60_000)).toBe("started");
      await ledger.updateOperation("op-1", { listing: "listed", resourcesSeen: 7, jobsQueued: 3 });

      expect(await ledger.getOperation("op-1")).toMatchObject({
        listing: "listed",
        resourcesSeen: 7,
        dryRun: true,
      });
      // The operation's own record is not one of its jobs.
      const jobs = await ledger.listJobs(group);
      expect(jobs.map((j) => [j.resourceId, j.state]).sort()).toEqual([
        [disk(1), "done"],
        [disk(2), "running"],
        [disk(3), "queued"],
      ]);
      // A result too large for one Table property is shortened, never stored as broken JSON.
      const [kept] = jobs.find((j) => j.resourceId === disk(1))?.result ?? [];
      expect(kept).toMatchObject({ action: "open-ticket", reason: `${"r".repeat(500)}…` });
    });

    it("reads an operation back whole; an update changes only the fields it gives", async () => {
      const { ledger } = subject();
      await ledger.createOperation(operation("Op-Whole"));
      expect(await ledger.getOperation("OP-WHOLE")).toEqual(operation("Op-Whole"));
      await ledger.updateOperation("op-whole", { resourcesSeen: 12 });
      await ledger.updateOperation("op-whole", {
        listing: "failed",
        error: "listing failed: HTTP 500",
        jobsQueued: undefined,
      });
      expect(await ledger.getOperation("op-whole")).toEqual({
        ...operation("Op-Whole"),
        resourcesSeen: 12,
        listing: "failed",
        error: "listing failed: HTTP 500",
      });
    });

    it("refuses a second operation with the same id, and an update of one never created", async () => {
      const { ledger } = subject();
      await ledger.createOperation(operation("op-1"));
      await expect(ledger.createOperation({ ...operation("OP-1"), target: "another" })).rejects.toThrow();
      await expect(ledger.updateOperation("op-missing", { listing: "listed" })).rejects.toThrow();
      expect(await ledger.getOperation("op-1")).toEqual(operation("op-1"));
      expect(await ledger.getOperation("op-missing")).toBeUndefined();
    });
  });
}
