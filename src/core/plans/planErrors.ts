/** Stable codes of a plan that cannot be applied. */
export type PlanErrorCode =
  "PlanInvalid" | "PlanNotFound" | "PlanExpired" | "PlanDigestMismatch" | "PlanTooLarge";

/** A plan that cannot be applied as given: unreadable, unknown, expired or edited. */
export class PlanError extends Error {
  constructor(
    readonly code: PlanErrorCode,
    message: string,
    /** The field (JSON path in the plan, or request field) at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "PlanError";
  }
}
