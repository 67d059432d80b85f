import { describe, expect, it } from "vitest";
import { drainMemoryQueue } from "../../src/adapters/memory/drainMemoryQueue.js";
import { MemoryJobQueue } from "../../src/adapters/memory/memoryJobQueue.js";
import { queuedJob } from "../contract/jobQueueContract.js";

describe("MemoryJobQueue: what a Storage queue does with a message", () => {
  it("hides a received message for its visibility timeout, then delivers it again with its count", async () => {
    const queue = new MemoryJobQueue();
    await queue.enqueue([queuedJob(1), queuedJob(2)]);
    const [first] = queue.receive(1, 30);
    expect(first).toMatchObject({ dequeueCount: 1, messageText: JSON.stringify(queuedJob(1)) });
    expect(queue.receive(5, 30).map((m) => m.messageText)).toEqual([JSON.stringify(queuedJob(2))]);
    expect(queue.receive(5, 30)).toEqual([]);
    expect(queue.size).toBe(2);
    expect(queue.nextVisibleAt()).toBeGreaterThan(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 40));
    const again = queue.receive(5, 30);
    expect(again.map((m) => [m.messageText, m.dequeueCount])).toEqual([
      [JSON.stringify(queuedJob(1)), 2],
      [JSON.stringify(queuedJob(2)), 2],
    ]);
    expect(again[0]?.popReceipt).not.toBe(first?.popReceipt);
  });

  it("lets only the current holder delete or release a message", async () => {
    const queue = new MemoryJobQueue();
    await queue.enqueue([queuedJob(1)]);
    const [stale] = queue.receive(1, 0);
    const [held] = queue.receive(1, 60_000);
    if (stale === undefined || held === undefined) throw new Error("expected the message twice");
    expect(() => {
      queue.delete(stale);
    }).toThrow(expect.objectContaining({ code: "MessageNotHeld" }));
    expect(() => {
      queue.release(stale, 0);
    }).toThrow(expect.objectContaining({ code: "MessageNotHeld" }));
    queue.release(held, 0);
    const [next] = queue.receive(1, 60_000);
    if (next === undefined) throw new Error("expected the released message");
    queue.delete(next);
    expect(queue.size).toBe(0);
    expect(queue.nextVisibleAt()).toBeUndefined();
  });

  it("keeps what it was sent as text: the worker never shares an object with the planner", async () => {
    const queue = new MemoryJobQueue();
    const job = queuedJob(1);
    await queue.enqueue([job]);
    job.jobId = "changed after queueing";
    expect(queue.peekTexts()).toEqual([JSON.stringify(queuedJob(1))]);
  });

  it("hands a message that is not JSON to the worker as its text, and poisons it like any other", async () => {
    const queue = new MemoryJobQueue();
    queue.send("not json");
    const seen: unknown[] = [];
    const result = await drainMemoryQueue(
      queue,
      (message) => {
        seen.push(message);
        return Promise.reject(new Error("JobInvalid"));
      },
      (message, lastError) => {
        seen.push([message, lastError]);
        return Promise.resolve();
      },
      { maxAttempts: 2, concurrency: 1, retryDelaySeconds: 0 },
    );
    expect(result).toEqual({ processed: 0, failedAttempts: 2, poisoned: 1 });
    expect(seen).toEqual(["not json", "not json", ["not json", "JobInvalid"]]);
    expect(queue.poisonTexts()).toEqual(["not json"]);
  });

  it("waits out a failed job's retry delay before its next attempt", async () => {
    const queue = new MemoryJobQueue();
    await queue.enqueue([queuedJob(1)]);
    const times: number[] = [];
    await drainMemoryQueue(
      queue,
      () => {
        times.push(performance.now());
        return times.length < 2 ? Promise.reject(new Error("once")) : Promise.resolve();
      },
      () => Promise.reject(new Error("nothing should be poisoned")),
      { maxAttempts: 3, concurrency: 1, retryDelaySeconds: 0.05 },
    );
    expect(times).toHaveLength(2);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(45);
  });
});
