/**
 * How a local worker loop retries, mirroring the Functions queue trigger's behaviour. Shared by
 * every queue the loop can drain (the Storage queue, the in-memory one), so they retry alike.
 */
export interface DrainOptions {
  /** Deliveries per message before it moves to the poison queue (Functions' `maxDequeueCount`). */
  maxAttempts: number;
  /** Messages processed at once. */
  concurrency: number;
  /** Seconds a failed message stays invisible before its next attempt. */
  retryDelaySeconds: number;
}

/** What happened while draining. */
export interface DrainResult {
  processed: number;
  failedAttempts: number;
  poisoned: number;
}
