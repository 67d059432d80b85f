import { randomUUID } from "node:crypto";
import type { Job } from "../../core/jobs/job.js";
import type { JobQueue } from "../../core/ports/jobQueue.js";
import { MemoryQueueError } from "./memoryQueueError.js";

/** A message as a receiver holds it until it deletes or releases it. */
export interface MemoryQueueMessage {
  messageId: string;
  /** Proves the receiver still holds the message: a message received again gets a new one. */
  popReceipt: string;
  /** The job as JSON text (a copy: the receiver never shares objects with the sender). */
  messageText: string;
  /** Deliveries so far, this one included. */
  dequeueCount: number;
}

interface StoredMessage {
  messageId: string;
  messageText: string;
  dequeueCount: number;
  popReceipt: string;
  /** Epoch ms from which it can be received again. */
  visibleAt: number;
}

/**
 * {@link JobQueue} in memory with a Storage queue's delivery semantics: a received message is
 * invisible for its visibility timeout and comes back unless deleted (at-least-once), each
 * delivery counts, a failed one can be made visible again after a delay, and a poison queue keeps
 * what gave up. Messages come out in the order they went in (a Storage queue does not promise it).
 */
export class MemoryJobQueue implements JobQueue {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly poison: string[] = [];

  enqueue(jobs: readonly Job[], options: { delaySeconds?: number } = {}): Promise<void> {
    const visibleAt = options.delaySeconds === undefined ? 0 : Date.now() + options.delaySeconds * 1000;
    for (const job of jobs) this.send(JSON.stringify(job), visibleAt);
    return Promise.resolve();
  }

  /** Adds a message as it is (a test may send what no planner would), visible from `visibleAt` (epoch ms). */
  send(messageText: string, visibleAt = 0): void {
    const messageId = randomUUID();
    this.messages.set(messageId, {
      messageId,
      messageText,
      dequeueCount: 0,
      popReceipt: "",
      visibleAt,
    });
  }

  /** Up to `count` visible messages, each now invisible for `visibilityTimeoutMs`. */
  receive(count: number, visibilityTimeoutMs: number): MemoryQueueMessage[] {
    const now = Date.now();
    const out: MemoryQueueMessage[] = [];
    for (const m of this.messages.values()) {
      if (out.length >= count) break;
      if (m.visibleAt > now) continue;
      m.dequeueCount++;
      m.popReceipt = randomUUID();
      m.visibleAt = now + visibilityTimeoutMs;
      out.push({
        messageId: m.messageId,
        popReceipt: m.popReceipt,
        messageText: m.messageText,
        dequeueCount: m.dequeueCount,
      });
    }
    return out;
  }

  /** Removes a handled message. Throws when the receiver no longer holds it (received again since). */
  delete(message: Pick<MemoryQueueMessage, "messageId" | "popReceipt">): void {
    this.held(message);
    this.messages.delete(message.messageId);
  }

  /** Makes a message the receiver holds visible again after `delayMs` (a failed attempt). */
  release(message: Pick<MemoryQueueMessage, "messageId" | "popReceipt">, delayMs: number): void {
    this.held(message).visibleAt = Date.now() + delayMs;
  }

  /** Moves a held message to the poison queue. */
  moveToPoison(message: Pick<MemoryQueueMessage, "messageId" | "popReceipt">): void {
    const m = this.held(message);
    this.messages.delete(m.messageId);
    this.poison.push(m.messageText);
  }

  private held(message: Pick<MemoryQueueMessage, "messageId" | "popReceipt">): StoredMessage {
    const m = this.messages.get(message.messageId);
    if (m?.popReceipt !== message.popReceipt) {
      throw new MemoryQueueError(
        "MessageNotHeld",
        `the message ${message.messageId} is not held with this pop receipt`,
      );
    }
    return m;
  }

  /** Messages not yet deleted, visible or not. */
  get size(): number {
    return this.messages.size;
  }

  /** When the next invisible message becomes visible (epoch ms); undefined when one is visible now or none is queued. */
  nextVisibleAt(): number | undefined {
    const now = Date.now();
    let next: number | undefined;
    for (const m of this.messages.values()) {
      if (m.visibleAt <= now) return undefined;
      next = next === undefined ? m.visibleAt : Math.min(next, m.visibleAt);
    }
    return next;
  }

  /** The texts of messages not yet deleted, in queue order (for tests to look into the queue). */
  peekTexts(): string[] {
    return [...this.messages.values()].map((m) => m.messageText);
  }

  /** The texts of the messages that gave up, oldest first. */
  poisonTexts(): string[] {
    return [...this.poison];
  }
}
