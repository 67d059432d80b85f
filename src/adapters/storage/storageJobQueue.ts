import type { QueueClient } from "@azure/storage-queue";
import type { Job } from "../../core/jobs/job.js";
import type { JobQueue } from "../../core/ports/jobQueue.js";

/**
 * Jobs as Storage queue messages, base64-encoded JSON: the encoding the Functions queue trigger
 * expects by default (host.json `messageEncoding`).
 */
export function encodeJobMessage(job: Job): string {
  return Buffer.from(JSON.stringify(job), "utf8").toString("base64");
}

/** Decodes a message written by {@link encodeJobMessage}. */
export function decodeJobMessage(text: string): unknown {
  return JSON.parse(Buffer.from(text, "base64").toString("utf8"));
}

/** The Storage queue behind {@link JobQueue}; sends in parallel with a small bound. */
export class StorageJobQueue implements JobQueue {
  constructor(
    private readonly queue: QueueClient,
    private readonly parallelism = 32,
  ) {}

  async enqueue(jobs: readonly Job[], options: { delaySeconds?: number } = {}): Promise<void> {
    // Queue Storage "Put Message" visibilitytimeout: the message is invisible that long (at most 7 days).
    const send = options.delaySeconds === undefined ? {} : { visibilityTimeout: options.delaySeconds };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const job = jobs[next++];
        if (job !== undefined) await this.queue.sendMessage(encodeJobMessage(job), send);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallelism, jobs.length) }, worker));
  }
}
