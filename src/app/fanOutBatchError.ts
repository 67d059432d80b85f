/** Stable code of {@link FanOutBatchError}. */
export type FanOutBatchErrorCode = "FanOutBatchIncomplete";

/**
 * Some consumers of a batch of a key event's fan-out failed (the others are done): thrown so the
 * queue retries the batch, whose retry runs only the consumers not done. `cause` is the first
 * failure; `failures` names every consumer that failed and why.
 */
export class FanOutBatchError extends Error {
  readonly code: FanOutBatchErrorCode = "FanOutBatchIncomplete";
  constructor(
    readonly batchJobId: string,
    readonly consumers: number,
    readonly failures: readonly { resourceId: string; error: unknown }[],
  ) {
    const first = failures[0];
    const text = (error: unknown): string => (error instanceof Error ? error.message : String(error));
    super(
      `${failures.length} of ${consumers} consumers of batch ${batchJobId} failed` +
        (first === undefined ? "" : `; first, ${first.resourceId}: ${text(first.error)}`),
      { cause: first?.error },
    );
    this.name = "FanOutBatchError";
  }
}
