/**
 * Every attempt of a guarded write found the resource changed between its read and its write (412
 * each time): nothing was written and the resource is still behind. The job fails this attempt so
 * the queue retries it (a new read, a new decision); when the retries run out it ends in the poison
 * queue, which records it failed and requests a ticket, so a consumer that cannot be moved is never
 * left behind silently.
 */
export class WriteConflictError extends Error {
  readonly code = "WriteConflict";
  constructor(
    readonly resourceId: string,
    reason: string,
  ) {
    super(`${resourceId}: ${reason}; the job is retried`);
    this.name = "WriteConflictError";
  }
}
