import { beforeEach, describe, expect, it } from "vitest";
import type { Job, RotateJob } from "../../src/core/jobs/job.js";
import type { DrainOptions, DrainResult } from "../../src/core/ports/drainOptions.js";
import type { JobQueue } from "../../src/core/ports/jobQueue.js";

/** A queue and the local worker loop that drains it, as one contract case uses them. */
export interface DrainableQueue {
  queue: JobQueue;
  drain(
    handle: (message: unknown) => Promise<void>,
    onPoison: (message: unknown, lastError: string) => Promise<void>,
    options: DrainOptions,
  ): Promise<DrainResult>;
  /** The messages in the poison queue, decoded. */
  poisoned(): Promise<unknown[]>;
}

/** Builds a fresh, empty queue (and its poison queue) for one contract case. */
export type DrainableQueueFactory = () => Promise<DrainableQueue>;

/** A rotation job for disk `n`, as the planner queues it. */
export function queuedJob(n: number): RotateJob {
  return {
    v: 1,
    kind: "rotate",
    jobId: `job-${n}`,
    dedupeKey: `disk-${n}|v2`,
    claimGroup: "KeyNewVersionCreated|v2",
    resourceId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/disk-${n}`,
    resourceType: "Microsoft.Compute/disks",
    keyId: "https://kv-cmk.vault.azure.net/keys/cmk/v2",
    trigger: "KeyNewVersionCreated",
    eventId: `evt-${n}`,
    correlationId: `corr-${n}`,
    enqueuedAt: "2026-12-01T10:00:00.000Z",
  };
}

const jobIdOf = (message: unknown): string => (message as Job).jobId;
const options: DrainOptions = { maxAttempts: 3, concurrency: 4, retryDelaySeconds: 0 };
const noPoison = (): Promise<void> => Promise.reject(new Error("nothing should be poisoned"));

/**
 * Registers the contract of a job queue with its local worker loop: what the Functions queue
 * trigger does (at-least-once delivery, retries, the poison queue after `maxAttempts`), so the
 * in-memory queue can stand in for the Storage queue in tests.
 */
export function jobQueueContract(name: string, factory: DrainableQueueFactory): void {
  describe(`job queue contract: ${name}`, () => {
    let subject: DrainableQueue;
    beforeEach(async () => {
      subject = await factory();
    });

    it("hands every job to the worker once, as the object that was queued, and ends when the queue is empty", async () => {
      await subject.queue.enqueue([1, 2, 3].map(queuedJob));
      const handled: unknown[] = [];
      const result = await subject.drain(
        (message) => {
          handled.push(message);
          return Promise.resolve();
        },
        noPoison,
        options,
      );
      expect(result).toEqual({ processed: 3, failedAttempts: 0, poisoned: 0 });
      expect(handled.map(jobIdOf).sort()).toEqual(["job-1", "job-2", "job-3"]);
      expect(handled.find((m) => jobIdOf(m) === "job-2")).toEqual(queuedJob(2));
      expect(await subject.drain(() => Promise.reject(new Error("empty")), noPoison, options)).toEqual({
        processed: 0,
        failedAttempts: 0,
        poisoned: 0,
      });
    });

    it("delivers a failed job again until it succeeds", async () => {
      await subject.queue.enqueue([queuedJob(1)]);
      let attempts = 0;
      const result = await subject.drain(
        () => (++attempts < 3 ? Promise.reject(new Error(`attempt ${attempts}`)) : Promise.resolve()),
        noPoison,
        options,
      );
      expect(attempts).toBe(3);
      expect(result).toEqual({ processed: 1, failedAttempts: 2, poisoned: 0 });
      expect(await subject.poisoned()).toEqual([]);
    });

    it("moves a job that failed maxAttempts times to the poison queue, with its last error; the others run", async () => {
      await subject.queue.enqueue([1, 2].map(queuedJob));
      const attempts = new Map<string, number>();
      const poisoned: [unknown, string][] = [];
      const result = await subject.drain(
        (message) => {
          const id = jobIdOf(message);
          const n = (attempts.get(id) ?? 0) + 1;
          attempts.set(id, n);
          return id === "job-1" ? Promise.reject(new Error(`failure ${n}`)) : Promise.resolve();
        },
        (message, lastError) => {
          poisoned.push([message, lastError]);
          return Promise.resolve();
        },
        options,
      );
      expect(Object.fromEntries(attempts)).toEqual({ "job-1": 3, "job-2": 1 });
      expect(result).toEqual({ processed: 1, failedAttempts: 3, poisoned: 1 });
      expect(poisoned).toEqual([[queuedJob(1), "failure 3"]]);
      expect(await subject.poisoned()).toEqual([queuedJob(1)]);
    });

    it("runs jobs queued while draining (a listing job fans out)", async () => {
      await subject.queue.enqueue([queuedJob(1)]);
      const handled: string[] = [];
      const result = await subject.drain(
        async (message) => {
          handled.push(jobIdOf(message));
          if (jobIdOf(message) === "job-1") await subject.queue.enqueue([2, 3].map(queuedJob));
        },
        noPoison,
        options,
      );
      expect(result.processed).toBe(3);
      expect(handled.sort()).toEqual(["job-1", "job-2", "job-3"]);
    });

    it("never runs more jobs at once than its concurrency", async () => {
      await subject.queue.enqueue([1, 2, 3, 4, 5, 6].map(queuedJob));
      let running = 0;
      let most = 0;
      const result = await subject.drain(
        async () => {
          most = Math.max(most, ++running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
        },
        noPoison,
        { ...options, concurrency: 2 },
      );
      expect(result.processed).toBe(6);
      expect(most).toBe(2);
    });
  });
}
