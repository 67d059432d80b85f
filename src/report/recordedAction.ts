import type { RecordedAction } from "./complianceReport.js";

/**
 * A report action with exactly the contract's fields, in its key order: taken from a ledger action
 * (whose snapshots and ids stay out of the report) or from a report read back from JSON.
 */
export function recordedAction(a: RecordedAction): RecordedAction {
  return {
    at: a.at,
    resourceId: a.resourceId,
    resourceType: a.resourceType,
    action: a.action,
    status: a.status,
    reason: a.reason,
    ...(a.from === undefined ? {} : { from: a.from }),
    ...(a.to === undefined ? {} : { to: a.to }),
    dryRun: a.dryRun,
  };
}
