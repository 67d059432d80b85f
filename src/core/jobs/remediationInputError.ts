/** A remediation target that is not a key or resource the service handles. */
export class RemediationInputError extends Error {
  readonly code = "RemediationTargetInvalid";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "RemediationInputError";
  }
}
