import { describe, expect, it } from "vitest";
import { handleEvents } from "../../src/app/handleEvents.js";
import { keyEventJob } from "../../src/app/planKeyEvent.js";
import { runJob } from "../../src/app/runJob.js";
import { batchJobs } from "../../src/app/keyEventFanOut.js";
import { decodeJob, type RotateJob } from "../../src/core/jobs/job.js";
import type { ReportAction } from "../../src/core/report/report.js";
import { keyScenario, scenarioKeyEvent, versionIndexNow, type KeyScenario } from "../support/keyScenario.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";
import { testNow } from "../support/serviceWiring.js";

const writes = (svc: MemoryService): number =>
  svc.emulator.log.entries().filter((e) => e.method === "PATCH").length;

function rotationJob(s: KeyScenario): RotateJob {
  return keyEventJob(scenarioKeyEvent(s), s.consumer, "corr-1", testNow, false);
}

interface Case {
  name: string;
  /** What happened to the job before the messages below arrive. */
  before?: (svc: MemoryService, job: RotateJob) => Promise<void>;
  /** The job each message carries (default the job itself). */
  messages: ((job: RotateJob) => RotateJob)[];
  expected: { outcomes: (Pick<ReportAction, "action" | "status"> & { reason?: RegExp })[]; writes: number };
}

const same = (job: RotateJob): RotateJob => job;

const cases: Case[] = [
  {
    name: "a message delivered twice: the second finds its job done and writes nothing",
    messages: [same, same],
    expected: {
      outcomes: [
        { action: "rotate-key", status: "applied" },
        { action: "none", status: "skipped", reason: /completed before \(duplicate message\)/ },
      ],
      writes: 1,
    },
  },
  {
    name: "a message while another worker holds the job is skipped",
    before: async (svc, job) => {
      await svc.ctx.ledger.startJob(job.claimGroup, job.dedupeKey, job.resourceId, 60_000);
    },
    messages: [same],
    expected: { outcomes: [{ action: "none", status: "skipped", reason: /another worker/ }], writes: 0 },
  },
  {
    name: "a job whose worker crashed (lease run out) is taken over",
    before: async (svc, job) => {
      await svc.ctx.ledger.startJob(job.claimGroup, job.dedupeKey, job.resourceId, 0);
    },
    messages: [same],
    expected: { outcomes: [{ action: "rotate-key", status: "applied" }], writes: 1 },
  },
  {
    name: "a job that gave up before and was planned again runs",
    before: async (svc, job) => {
      await svc.ctx.ledger.claimJobs(job.claimGroup, [job]);
      await svc.ctx.ledger.finishJob(job.claimGroup, job.dedupeKey, "failed");
      await svc.ctx.ledger.claimJobs(job.claimGroup, [job]);
    },
    messages: [same],
    expected: { outcomes: [{ action: "rotate-key", status: "applied" }], writes: 1 },
  },
  {
    name: "a dry-run job only plans, whatever the service's own setting",
    messages: [(job) => ({ ...job, dryRun: true })],
    expected: { outcomes: [{ action: "rotate-key", status: "planned" }], writes: 0 },
  },
];

describe("runJob: each queued job in effect once, over the in-memory ledger and the emulated tenant", () => {
  it.each(cases)("$name", async ({ before, messages, expected }) => {
    const s = keyScenario({ consumer: "des" });
    const svc = createMemoryService(s.tenant);
    const job = rotationJob(s);
    await before?.(svc, job);
    const outcomes: ReportAction[] = [];
    for (const message of messages) outcomes.push(...(await runJob(message(job), svc.ctx)));
    expect(outcomes).toHaveLength(expected.outcomes.length);
    expected.outcomes.forEach(({ reason, ...fields }, i) => {
      expect(outcomes[i]).toMatchObject(fields);
      if (reason !== undefined) expect(outcomes[i]?.reason).toMatch(reason);
    });
    expect(writes(svc)).toBe(expected.writes);
    expect(versionIndexNow(svc.emulator, s)).toBe(expected.writes === 1 ? 1 : 0);
    const [claim] = await svc.ctx.ledger.listJobs(job.claimGroup);
    if (expected.outcomes.some((o) => o.status === "applied" || o.status === "planned")) {
      // The finished job keeps what it did, for a manual operation's report.
      expect(claim).toMatchObject({
        state: "done",
        result: [expect.objectContaining({ resourceId: s.consumer.id })],
      });
    }
  });

  it("a failed attempt releases the job and rethrows, so the queue's retry runs it", async () => {
    const s = keyScenario({ consumer: "des" });
    const svc = createMemoryService(s.tenant);
    // More 503s than the SDK's own retries (6 in these tests): the attempt fails, the set stays as it was.
    svc.emulator.injectFault({ status: 503, method: "PATCH", count: 7, retryAfterSeconds: 0 });
    const job = rotationJob(s);
    await expect(runJob(job, svc.ctx)).rejects.toMatchObject({ statusCode: 503 });
    expect(await svc.ctx.ledger.listJobs(job.claimGroup)).toEqual([
      expect.objectContaining({ state: "queued", attempts: 1 }),
    ]);
    expect(await runJob(job, svc.ctx)).toEqual([
      expect.objectContaining({ action: "rotate-key", status: "applied" }),
    ]);
    expect(versionIndexNow(svc.emulator, s)).toBe(1);
  });
});

describe("the queue worker over the in-memory queue: events to jobs to writes", () => {
  it("rotates every consumer once; a duplicate event and a duplicate message change nothing", async () => {
    const s = keyScenario({ consumer: "openai" });
    const svc = createMemoryService(s.tenant);
    const event = scenarioKeyEvent(s);
    await handleEvents([event], [], svc.ctx, { preview: false });
    await handleEvents([event], [], svc.ctx, { preview: false });
    // The event's one plan job (the fan-out is planned by the worker).
    expect(svc.queue.size).toBe(1);
    const [planText] = svc.queue.peekTexts();
    const plan = decodeJob(planText ?? "");
    expect(plan.kind).toBe("plan-key-event");
    // The worker plans the page: its consumers, in one batch message.
    await runJob(plan, svc.ctx);
    const [, batchText] = svc.queue.peekTexts();
    expect(decodeJob(batchText ?? "")).toMatchObject({
      kind: "rotate-batch",
      consumers: [{ id: s.consumer.id }],
    });
    // The queue delivers the batch twice (at-least-once).
    svc.queue.send(batchText ?? "");
    const result = await svc.drain();
    // The plan message (done before), the batch and its duplicate.
    expect(result).toEqual({ processed: 3, failedAttempts: 0, poisoned: 0 });
    expect(svc.workerActions.map((a) => [a.action, a.status]).sort()).toEqual([
      ["none", "skipped"],
      ["none", "skipped"],
      ["rotate-key", "applied"],
    ]);
    expect(writes(svc)).toBe(1);
    expect(versionIndexNow(svc.emulator, s)).toBe(1);
  });

  it("a job that keeps failing goes to the poison queue: recorded as failed, with a ticket request", async () => {
    const s = keyScenario({ consumer: "des" });
    const svc = createMemoryService(s.tenant);
    svc.emulator.failOperations({ method: "PATCH", code: "InternalDiskEncryptionSetError" });
    await handleEvents([scenarioKeyEvent(s)], [], svc.ctx, { preview: false });
    const result = await svc.drain({ maxAttempts: 3 });

    // The plan page ran; the consumer's batch failed three times.
    expect(result).toEqual({ processed: 1, failedAttempts: 3, poisoned: 1 });
    // The first attempt's write failed and left the set Failed: later attempts never write over it.
    expect(writes(svc)).toBe(1);
    expect(versionIndexNow(svc.emulator, s)).toBe(0);
    const poisoned = svc.queue.poisonTexts().map((text) => decodeJob(text));
    expect(poisoned.map((j) => j.kind)).toEqual(["rotate-batch"]);
    const [batch] = poisoned;
    if (batch?.kind !== "rotate-batch") throw new Error("expected a poisoned batch");
    const [job] = batchJobs(batch);
    if (job === undefined) throw new Error("expected the consumer's job");
    expect(svc.workerActions).toEqual([
      expect.objectContaining({
        action: "rotate-key",
        status: "failed",
        codes: ["RotationFailed"],
        to: job.keyId,
      }),
    ]);
    expect(svc.workerActions[0]?.reason).toMatch(
      /gave up after repeated failures: .*last operation ended Failed/,
    );
    expect(await svc.ctx.ledger.listJobs(job.claimGroup)).toEqual([
      expect.objectContaining({ state: "failed", attempts: 3 }),
    ]);
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({
        resourceId: s.consumer.id,
        findingCode: "RotationFailed",
        severity: "high",
        state: "requested",
      }),
    ]);
    // Newest first: the job's end, then each retry that found the set Failed and wrote nothing.
    const deferred: unknown = expect.objectContaining({
      action: "rotate-key",
      status: "skipped",
      codes: ["AwaitingState", "ResourceNotSucceeded"],
      jobId: job.jobId,
    });
    expect(await svc.ctx.ledger.listActions(s.consumer.id)).toEqual([
      expect.objectContaining({ action: "rotate-key", status: "failed", jobId: job.jobId }),
      deferred,
      deferred,
    ]);
  });

  it("an event ahead of its version is retried until Key Vault lists the version, then gives up with a ticket", async () => {
    const s = keyScenario({ consumer: "des" });
    const svc = createMemoryService(s.tenant);
    // The event names a version the vault does not list (yet).
    const event = { ...scenarioKeyEvent(s), version: "f".repeat(32), keyId: `${s.key.id}/${"f".repeat(32)}` };
    await handleEvents([event], [], svc.ctx, { preview: false });
    const result = await svc.drain({ maxAttempts: 2 });
    expect(result).toEqual({ processed: 1, failedAttempts: 2, poisoned: 1 });
    expect(writes(svc)).toBe(0);
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({ resourceId: s.consumer.id, findingCode: "RotationFailed" }),
    ]);
  });
});
