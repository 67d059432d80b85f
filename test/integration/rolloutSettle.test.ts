import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { createMemoryLedger } from "../../src/adapters/memory/createMemoryLedger.js";
import { MemoryJobQueue } from "../../src/adapters/memory/memoryJobQueue.js";
import { createTableClient } from "../../src/adapters/storage/storageClients.js";
import { createTableLedger } from "../../src/adapters/storage/tableLedger.js";
import { settleRolloutJob } from "../../src/app/rollout/advanceRollout.js";
import { stageFanOutPage } from "../../src/app/rollout/stageFanOutPage.js";
import type { Job, PlanKeyEventJob, RotateBatchJob, RotateJob } from "../../src/core/jobs/job.js";
import type { Ledger } from "../../src/core/ports/ledger.js";
import type { ReportAction } from "../../src/core/report/report.js";
import {
  assignPage,
  newRollout,
  rolloutIdFor,
  type RolloutChunk,
} from "../../src/core/rollout/rolloutState.js";

const keyId = "https://kv-settle.vault.azure.net/keys/cmk/v2";
const at = "2026-12-04T10:00:00.000Z";
const set = (n: number): string =>
  `/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des-${n}`;
const type = "Microsoft.Compute/diskEncryptionSets";

/** A planned rollout of `first` + `second` consumers in waves `first,*`, as plan page 1 stored it. */
async function planned(ledger: Ledger, first: number, second: number): Promise<void> {
  const rollout = newRollout({ keyId, runId: "run", plan: `${first},*`, pauseSeconds: 0, at });
  await ledger.createRollout(rollout);
  const consumers = Array.from({ length: first + second }, (_, i) => ({ id: set(i), type }));
  const { next, waveOf } = assignPage(rollout, consumers, { page: 1, last: true }, at);
  const chunks: RolloutChunk[] = [0, 1].map((wave) => ({
    wave,
    page: 1,
    index: 0,
    consumers: consumers.filter((_, i) => waveOf[i] === wave),
  }));
  const read = (await ledger.getRollout(rollout.rolloutId))!;
  expect(await ledger.storeRolloutPage(next, read.version, 1, chunks)).toBe("stored");
}

const job = (n: number, wave: number): RotateJob => ({
  v: 1,
  kind: "rotate",
  jobId: `job-${n}`,
  dedupeKey: `k-${n}`,
  claimGroup: "g",
  resourceId: set(n),
  resourceType: type,
  keyId,
  trigger: "KeyNewVersionCreated",
  eventId: "evt",
  correlationId: "evt",
  enqueuedAt: at,
  rollout: rolloutIdFor(keyId),
  wave,
});

const applied = (n: number): ReportAction => ({
  resourceId: set(n),
  resourceType: type,
  action: "rotate-key",
  status: "applied",
  to: keyId,
  reason: "moved",
});

/** Settles every member of wave 0 at once, each twice (a redelivered message), and checks the release. */
async function settleConcurrently(ledger: Ledger, members: number): Promise<void> {
  await planned(ledger, members, 3);
  const queue = new MemoryJobQueue();
  const sent: Job[] = [];
  const enqueue = queue.enqueue.bind(queue);
  queue.enqueue = async (jobs, options) => {
    sent.push(...jobs);
    await enqueue(jobs, options);
  };
  const deps = { ledger, queue, now: () => new Date(at) };
  const all = Array.from({ length: members }, (_, n) => n);
  await Promise.all([...all, ...all].map((n) => settleRolloutJob(job(n, 0), applied(n), deps)));
  const rollout = (await ledger.getRollout(rolloutIdFor(keyId)))?.rollout;
  // Each member counted once, the next wave released once and sent once, the rollout then done.
  expect(rollout).toMatchObject({ ok: [members, 0], wave: 1, sentWave: 1, state: "done" });
  const batches = sent.filter((j): j is RotateBatchJob => j.kind === "rotate-batch");
  expect(batches).toHaveLength(1);
  expect(batches[0]?.consumers.map((c) => c.id)).toEqual([set(members), set(members + 1), set(members + 2)]);
  expect(batches[0]).toMatchObject({ rollout: rolloutIdFor(keyId), wave: 1 });
}

describe("settling a staged rollout's members concurrently", () => {
  it("in memory: 40 members settled at once, twice each, count 40 and release the next wave once", async () => {
    await settleConcurrently(createMemoryLedger(), 40);
  });

  it("in Table Storage (Azurite): 25 members settled at once, twice each, count 25 and release once", async () => {
    const client = createTableClient(
      { connectionString: inject("azuriteConnectionString") },
      `settle${randomUUID().replace(/-/g, "").slice(0, 16)}`,
    );
    await settleConcurrently(createTableLedger(client), 25);
  }, 60_000);

  it("a failed write halts once and opens one ticket, however many members of the wave fail at once", async () => {
    const ledger = createMemoryLedger();
    await planned(ledger, 6, 3);
    const deps = { ledger, queue: new MemoryJobQueue(), now: () => new Date(at) };
    const failed = (n: number): ReportAction => ({ ...applied(n), status: "failed", reason: "boom" });
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map((n) => settleRolloutJob(job(n, 0), n % 2 === 0 ? failed(n) : applied(n), deps)),
    );
    const rollout = (await ledger.getRollout(rolloutIdFor(keyId)))?.rollout;
    expect(rollout).toMatchObject({ state: "halted", wave: 0, failed: [3, 0], ok: [3, 0] });
    const tickets = (await ledger.listTicketRequests()).filter((t) => t.findingCode === "RolloutHalted");
    expect(tickets).toHaveLength(1);
    expect(tickets[0]?.count).toBe(1);
    expect(tickets[0]?.body).toContain("3 consumer(s) of later waves were not touched");
  });

  it("a plan page of a halted rollout stores its consumers but queues none of them", async () => {
    // Waves 5,*: page 1 put one consumer in wave 0, which failed while page 2 was still to come.
    const ledger = createMemoryLedger();
    const fresh = newRollout({ keyId, runId: "run", plan: "5,*", pauseSeconds: 0, at });
    await ledger.createRollout({ ...fresh, state: "halted", pagesStored: 1, assigned: [1, 0] });
    const queue = new MemoryJobQueue();
    const page: PlanKeyEventJob = {
      v: 1,
      kind: "plan-key-event",
      jobId: "page-2",
      dedupeKey: "p2",
      claimGroup: "g",
      resourceId: "https://kv-settle.vault.azure.net",
      resourceType: "Microsoft.KeyVault/vaults",
      keyId,
      vaultUrl: "https://kv-settle.vault.azure.net",
      keyName: "cmk",
      trigger: "KeyNewVersionCreated",
      runId: "run",
      page: 2,
      eventId: "evt",
      correlationId: "evt",
      enqueuedAt: at,
    };
    const deps = {
      ledger,
      queue,
      now: () => new Date(at),
      rollout: { waves: [5, "rest"] as const, text: "5,*", pauseSeconds: 0 },
      batchSize: 50,
    };
    await stageFanOutPage(page, [{ id: set(7), type }], true, deps);
    expect(queue.size).toBe(0);
    const after = (await ledger.getRollout(rolloutIdFor(keyId)))?.rollout;
    expect(after).toMatchObject({ state: "halted", pagesStored: 2, planned: true, assigned: [2, 0] });
    expect(await ledger.listRolloutChunks(rolloutIdFor(keyId), 0, 2)).toHaveLength(1);
    // The same page running while the rollout moves queues its wave-0 consumer.
    const moving = createMemoryLedger();
    await moving.createRollout(fresh);
    await stageFanOutPage(page, [{ id: set(7), type }], true, { ...deps, ledger: moving });
    expect(queue.size).toBe(1);
  });
});
