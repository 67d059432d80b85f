import type { QueueClient } from "@azure/storage-queue";
import type { DrainOptions, DrainResult } from "../../core/ports/drainOptions.js";
import { decodeJobMessage } from "./storageJobQueue.js";

/**
 * Runs queued jobs in this process until the queue is empty: the local stand-in for the Functions
 * host's queue trigger, used by the CLI and the tests. Same semantics: at-least-once delivery, a
 * message that failed `maxAttempts` times moves to `<queue>-poison` and goes to `onPoison`.
 */
export async function drainQueue(
  queue: QueueClient,
  poisonQueue: QueueClient,
  handle: (message: unknown) => Promise<void>,
  onPoison: (message: unknown, lastError: string) => Promise<void>,
  options: DrainOptions,
): Promise<DrainResult> {
  const result: DrainResult = { processed: 0, failedAttempts: 0, poisoned: 0 };
  const lastErrors = new Map<string, string>();
  let idleRounds = 0;
  for (;;) {
    const batch = await queue.receiveMessages({
      numberOfMessages: Math.min(32, Math.max(1, options.concurrency)),
      visibilityTimeout: 300,
    });
    const messages = batch.receivedMessageItems;
    if (messages.length === 0) {
      const props = await queue.getProperties();
      if ((props.approximateMessagesCount ?? 0) === 0) {
        if (++idleRounds >= 2) return result;
      }
      // Messages waiting out a retry delay are invisible: wait for them.
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    idleRounds = 0;
    await Promise.all(
      messages.map(async (m) => {
        let body: unknown;
        try {
          body = decodeJobMessage(m.messageText);
        } catch {
          body = m.messageText;
        }
        try {
          await handle(body);
          result.processed++;
          lastErrors.delete(m.messageId);
          await queue.deleteMessage(m.messageId, m.popReceipt);
        } catch (error) {
          result.failedAttempts++;
          const message = error instanceof Error ? error.message : String(error);
          lastErrors.set(m.messageId, message);
          if (m.dequeueCount >= options.maxAttempts) {
            await poisonQueue.sendMessage(m.messageText);
            await queue.deleteMessage(m.messageId, m.popReceipt);
            result.poisoned++;
            await onPoison(body, message);
          } else {
            await queue.updateMessage(m.messageId, m.popReceipt, undefined, options.retryDelaySeconds);
          }
        }
      }),
    );
  }
}
