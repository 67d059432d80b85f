import { describe, expect, inject, it } from "vitest";
import { createTableClient } from "../../src/adapters/storage/storageClients.js";
import { createTableLedger } from "../../src/adapters/storage/tableLedger.js";
import type { Ledger } from "../../src/core/ports/ledger.js";
import { operationGroup } from "../../src/core/ports/operationStore.js";

const sub = "00000000-0000-0000-0000-0000000000aa";
const disk = (n: number) =>
  `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/disks/d-${n}`;

function ledger(): Ledger {
  const table = `ops${Date.now()}${Math.floor(Math.random() * 1000)}`;
  return createTableLedger(createTableClient({ connectionString: inject("azuriteConnectionString") }, table));
}

describe("ledger: manual operations and their jobs (Azurite)", () => {
  it("records an operation, lists its job claims with their results, and keeps operations apart", async () => {
    const l = ledger();
    await l.createOperation({
      operationId: "Op-1",
      target: `subscription:${sub}`,
      dryRun: true,
      listing: "listing",
      resourcesSeen: 0,
      jobsQueued: 0,
      createdAt: "2026-12-01T10:00:00.000Z",
    });
    expect(await l.getOperation("op-2")).toBeUndefined();
    const group = operationGroup("Op-1");
    await l.claimJobs(
      group,
      [1, 2, 3].map((n) => ({ dedupeKey: `${disk(n)}|evaluate`, resourceId: disk(n) })),
    );
    await l.claimJobs(operationGroup("op-2"), [{ dedupeKey: `${disk(9)}|evaluate`, resourceId: disk(9) }]);
    expect(await l.startJob(group, `${disk(1)}|evaluate`, disk(1), 60_000)).toBe("started");
    await l.finishJob(group, `${disk(1)}|evaluate`, "done", [
      {
        resourceId: disk(1),
        resourceType: "Microsoft.Compute/disks",
        action: "open-ticket",
        status: "planned",
        reason: "r".repeat(50_000),
      },
    ]);
    expect(await l.startJob(group, `${disk(2)}|evaluate`, disk(2), 60_000)).toBe("started");
    await l.updateOperation("op-1", { listing: "listed", resourcesSeen: 7, jobsQueued: 3 });

    expect(await l.getOperation("op-1")).toMatchObject({ listing: "listed", resourcesSeen: 7, dryRun: true });
    const jobs = await l.listJobs(group);
    expect(jobs.map((j) => [j.resourceId, j.state]).sort()).toEqual([
      [disk(1), "done"],
      [disk(2), "running"],
      [disk(3), "queued"],
    ]);
    // A result too large for one Table property is shortened, never stored as broken JSON.
    const [kept] = jobs.find((j) => j.resourceId === disk(1))?.result ?? [];
    expect(kept).toMatchObject({ action: "open-ticket", reason: `${"r".repeat(500)}…` });
  });

  it("a job that gave up is claimed again by the next plan; done and queued ones stay duplicates", async () => {
    const l = ledger();
    const job = (n: number) => ({ dedupeKey: `${disk(n)}|v2`, resourceId: disk(n) });
    expect(await l.claimJobs("key-event-1", [job(1), job(2), job(3)])).toEqual(
      new Set([job(1).dedupeKey, job(2).dedupeKey, job(3).dedupeKey]),
    );
    await l.finishJob("key-event-1", job(1).dedupeKey, "failed");
    await l.finishJob("key-event-1", job(2).dedupeKey, "done");
    const again = await l.claimJobs("key-event-1", [job(1), job(2), job(3)]);
    expect(again).toEqual(new Set([job(1).dedupeKey]));
    expect(await l.startJob("key-event-1", job(1).dedupeKey, disk(1), 60_000)).toBe("started");
    expect(await l.claimJobs("key-event-1", [job(1)])).toEqual(new Set());
  });
});
