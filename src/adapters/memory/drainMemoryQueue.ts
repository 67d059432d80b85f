import type { DrainOptions, DrainResult } from "../../core/ports/drainOptions.js";
import type { MemoryJobQueue } from "./memoryJobQueue.js";

// A received message stays invisible this long, as the Storage drain receives them.
const visibilityTimeoutMs = 300_000;

/**
 * Runs the in-memory queue's jobs in this process until it is empty, with the semantics of the
 * Storage queue's drain (and the Functions queue trigger): at-least-once delivery, a failed
 * message retried after `retryDelaySeconds`, and one that failed `maxAttempts` times moved to the
 * poison queue and given to `onPoison`. Jobs queued while draining are run too.
 */
export async function drainMemoryQueue(
  queue: MemoryJobQueue,
  handle: (message: unknown) => Promise<void>,
  onPoison: (message: unknown, lastError: string) => Promise<void>,
  options: DrainOptions,
): Promise<DrainResult> {
  const result: DrainResult = { processed: 0, failedAttempts: 0, poisoned: 0 };
  for (;;) {
    const messages = queue.receive(Math.min(32, Math.max(1, options.concurrency)), visibilityTimeoutMs);
    if (messages.length === 0) {
      if (queue.size === 0) return result;
      // Messages waiting out a retry delay are invisible: wait for the first of them.
      const wait = Math.max(1, (queue.nextVisibleAt() ?? Date.now()) - Date.now());
      await new Promise((resolve) => setTimeout(resolve, wait));
      continue;
    }
    await Promise.all(
      messages.map(async (m) => {
        let body: unknown;
        try {
          body = JSON.parse(m.messageText);
        } catch {
          body = m.messageText;
        }
        try {
          await handle(body);
          result.processed++;
          queue.delete(m);
        } catch (error) {
          result.failedAttempts++;
          const message = error instanceof Error ? error.message : String(error);
          if (m.dequeueCount >= options.maxAttempts) {
            queue.moveToPoison(m);
            result.poisoned++;
            await onPoison(body, message);
          } else {
            queue.release(m, options.retryDelaySeconds * 1000);
          }
        }
      }),
    );
  }
}
