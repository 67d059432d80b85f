/** Stable codes of {@link MemoryQueueError}. */
export type MemoryQueueErrorCode = "MessageNotHeld";

/**
 * A delete or release of a message the caller no longer holds (it was received again since, or
 * is gone): a Storage queue answers 404 or a pop-receipt mismatch there.
 */
export class MemoryQueueError extends Error {
  constructor(
    readonly code: MemoryQueueErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "MemoryQueueError";
  }
}
