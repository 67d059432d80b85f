import { ArmFactsError } from "../core/arm/armFactsError.js";
import type { ReportAction } from "../core/report/report.js";

/**
 * The failed action for a resource whose body (or its vault's) has a field of a shape the service
 * does not know: it names the resource the field is in and the field, so a person can look. Retrying
 * cannot fix it, so callers report it instead of rethrowing, and go on with the other resources.
 */
export function armFactsFailure(
  subject: { resourceId: string; resourceType: string },
  error: ArmFactsError,
): ReportAction {
  return {
    resourceId: subject.resourceId,
    resourceType: subject.resourceType,
    action: "none",
    status: "failed",
    reason: `${error.resourceId ?? subject.resourceId}: field ${error.field}: ${error.problem}`,
    codes: [error.code],
  };
}

/**
 * Runs the work for one resource; an {@link ArmFactsError} becomes {@link armFactsFailure} (passed to
 * `onFailure`, e.g. to record it) instead of aborting the caller's other resources. Other errors
 * propagate: they may pass, and the caller's retry is what handles them.
 */
export async function isolateArmFacts(
  subject: { resourceId: string; resourceType: string },
  work: () => Promise<ReportAction[]>,
  onFailure?: (action: ReportAction) => Promise<void>,
): Promise<ReportAction[]> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ArmFactsError)) throw error;
    const failed = armFactsFailure(subject, error);
    await onFailure?.(failed);
    return [failed];
  }
}
