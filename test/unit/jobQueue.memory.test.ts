import { drainMemoryQueue } from "../../src/adapters/memory/drainMemoryQueue.js";
import { MemoryJobQueue } from "../../src/adapters/memory/memoryJobQueue.js";
import { jobQueueContract } from "../contract/jobQueueContract.js";

jobQueueContract("memory", () => {
  const queue = new MemoryJobQueue();
  return Promise.resolve({
    queue,
    drain: (handle, onPoison, options) => drainMemoryQueue(queue, handle, onPoison, options),
    poisoned: () => Promise.resolve(queue.poisonTexts().map((text) => JSON.parse(text) as unknown)),
  });
});
