import { describe, expect, it } from "vitest";
import { MemoryJobQueue } from "../../src/adapters/memory/memoryJobQueue.js";
import { batchJobs, planKeyEventPage, runRotateBatch } from "../../src/app/keyEventFanOut.js";
import { FanOutBatchError } from "../../src/app/fanOutBatchError.js";
import { decodeJob, type PlanKeyEventJob, type RotateBatchJob } from "../../src/core/jobs/job.js";
import { jobKeys } from "../../src/core/jobs/jobKeys.js";
import type { ConsumerRow } from "../../src/core/ports/rotationPort.js";

const keyId = "https://kv-fan.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef";
const consumer = (n: number, pad = 0): ConsumerRow => ({
  id: `/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des-${n}${"x".repeat(pad)}`,
  type: "microsoft.compute/diskencryptionsets",
  subscriptionId: "00000000-0000-4000-8000-000000000001",
});

const firstPage: PlanKeyEventJob = {
  v: 1,
  kind: "plan-key-event",
  jobId: "plan-1",
  ...jobKeys.keyEventFanOut({ kind: "KeyNewVersionCreated", keyId }, false),
  resourceId: "https://kv-fan.vault.azure.net",
  resourceType: "Microsoft.KeyVault/vaults",
  keyId,
  vaultUrl: "https://kv-fan.vault.azure.net",
  keyName: "cmk",
  trigger: "KeyNewVersionCreated",
  runId: "run-1",
  page: 1,
  eventId: "evt-1",
  correlationId: "corr-1",
  enqueuedAt: "2026-12-03T00:00:00.000Z",
};

async function plan(rows: ConsumerRow[], batchSize: number, skipToken?: string) {
  const queue = new MemoryJobQueue();
  const actions = await planKeyEventPage(firstPage, {
    port: { findConsumersPage: () => Promise.resolve({ rows, skipToken }) },
    queue,
    scope: {},
    resolveScope: () => Promise.resolve({ subscriptions: [] }),
    now: () => new Date("2026-12-03T00:00:01Z"),
    fanOutBatchSize: batchSize,
  });
  return { actions, jobs: queue.peekTexts().map((text) => decodeJob(text)) };
}

describe("a plan page of a key event's fan-out", () => {
  it("queues the next page first, then its consumers in batches of the setting's size", async () => {
    const { jobs } = await plan(
      [1, 2, 3, 4, 5].map((n) => consumer(n)),
      2,
      "token-2",
    );
    expect(jobs.map((j) => j.kind)).toEqual([
      "plan-key-event",
      "rotate-batch",
      "rotate-batch",
      "rotate-batch",
    ]);
    expect(jobs[0]).toMatchObject({ page: 2, skipToken: "token-2", runId: "run-1" });
    expect(jobs[0]?.dedupeKey).not.toBe(firstPage.dedupeKey);
    const batches = jobs.filter((j): j is RotateBatchJob => j.kind === "rotate-batch");
    expect(batches.map((b) => b.consumers.length)).toEqual([2, 2, 1]);
    // Types spelled the registry's way; each consumer's claim is the one-consumer rotation job's.
    expect(batches[0]?.consumers[0]?.type).toBe("Microsoft.Compute/diskEncryptionSets");
    expect(batchJobs(batches[0]!)[0]?.dedupeKey).toBe(
      jobKeys.keyEvent({ kind: "KeyNewVersionCreated", keyId }, consumer(1).id, false).dedupeKey,
    );
  });

  it("queues no next page after the last, and keeps each message within a Storage queue message", async () => {
    const { jobs } = await plan(
      [1, 2, 3, 4].map((n) => consumer(n, 15_000)),
      100,
    );
    expect(jobs.every((j) => j.kind === "rotate-batch")).toBe(true);
    expect(jobs.length).toBeGreaterThan(1);
    for (const j of jobs)
      expect(Buffer.from(JSON.stringify(j)).toString("base64").length).toBeLessThan(65_536);
  });
});

describe("a batch of consumers", () => {
  const batch: RotateBatchJob = {
    v: 1,
    kind: "rotate-batch",
    jobId: "batch-1",
    ...jobKeys.keyEventBatch(firstPage, "run-1", 1, 0),
    consumers: [1, 2, 3].map((n) => ({ id: consumer(n).id, type: "Microsoft.Compute/diskEncryptionSets" })),
    keyId,
    trigger: "KeyNewVersionCreated",
    eventId: "evt-1",
    correlationId: "corr-1",
    enqueuedAt: "2026-12-03T00:00:00.000Z",
  };

  it("runs every consumer though one fails, then fails naming it so the queue retries the batch", async () => {
    const ran: string[] = [];
    const error = await runRotateBatch(batch, (job) => {
      ran.push(job.resourceId);
      if (job.resourceId === consumer(2).id) return Promise.reject(new Error("boom"));
      return Promise.resolve([]);
    }).catch((e: unknown) => e);
    expect(ran.sort()).toEqual([1, 2, 3].map((n) => consumer(n).id).sort());
    expect(error).toBeInstanceOf(FanOutBatchError);
    if (!(error instanceof FanOutBatchError)) throw new Error("expected a FanOutBatchError");
    expect(error.code).toBe("FanOutBatchIncomplete");
    expect(error.failures.map((f) => f.resourceId)).toEqual([consumer(2).id]);
    expect(error.message).toBe(`1 of 3 consumers of batch batch-1 failed; first, ${consumer(2).id}: boom`);
  });

  it("returns every consumer's actions when all succeed", async () => {
    const actions = await runRotateBatch(batch, (job) =>
      Promise.resolve([
        {
          resourceId: job.resourceId,
          resourceType: job.resourceType,
          action: "none",
          status: "skipped",
          reason: "x",
        },
      ]),
    );
    expect(actions.map((a) => a.resourceId)).toEqual([1, 2, 3].map((n) => consumer(n).id));
  });
});
