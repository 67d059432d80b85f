/**
 * A job found the resource in a passing state (an operation, or a disk encryption set's re-wrap,
 * still running): no write now. The job fails this attempt so the queue retries it after its
 * visibility timeout; if the state never passes, it ends in the poison queue with a ticket.
 */
export class WriteDeferredError extends Error {
  readonly code = "WriteDeferred";
  constructor(
    readonly resourceId: string,
    reason: string,
  ) {
    super(`${resourceId}: ${reason}; the job is retried`);
    this.name = "WriteDeferredError";
  }
}
