/**
 * A `KeyNewVersionCreated` job names a version its vault does not list (yet): the event overtook
 * the version. The job fails this attempt so the queue retries it; completing it would mark the
 * event handled, a redelivery would be dropped as a duplicate, and the consumer would never reach
 * the version. If it never appears, the job ends in the poison queue with a ticket.
 */
export class KeyVersionNotListedError extends Error {
  readonly code = "KeyVersionNotListed";
  constructor(readonly keyId: string) {
    super(`the vault does not list ${keyId} yet, the version the key event announced; the job is retried`);
    this.name = "KeyVersionNotListedError";
  }
}
