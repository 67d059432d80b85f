/** Stable codes of {@link DeadLetterSourceError}. */
export type DeadLetterSourceErrorCode =
  | "DeadLetterInsecure"
  | "DeadLetterLocationInvalid"
  | "DeadLetterAccountMissing"
  | "DeadLetterConnectionStringInvalid"
  | "DeadLetterContainerNotFound"
  | "DeadLetterListFailed";

/**
 * A dead-letter location that cannot be read. `usage`: the location as given is wrong (the caller's
 * to fix); `failure`: storage refused or failed. Messages never carry a SAS or a connection string.
 */
export class DeadLetterSourceError extends Error {
  constructor(
    readonly code: DeadLetterSourceErrorCode,
    message: string,
    readonly kind: "usage" | "failure",
  ) {
    super(message);
    this.name = "DeadLetterSourceError";
  }
}
