import { keyRefFromUri, sameKeyVersion } from "../ids/keyId.js";
import type { ActionKind } from "../report/report.js";
import { plannedActions, resourceVersion, type Plan } from "./plan.js";

/** A write about to be made, as the write path describes it to the plan guard. */
export interface IntendedWrite {
  action: ActionKind;
  from?: string | undefined;
  to?: string | undefined;
}

/** Decides whether a write may go ahead under a plan: undefined, or why the plan is stale for it. */
export type WriteGuard = (
  resourceId: string,
  fresh: { resource: unknown; etag?: string | undefined },
  write: IntendedWrite,
) => string | undefined;

const sameKeyUri = (a: string | undefined, b: string | undefined): boolean => {
  if (a === undefined || b === undefined) return a === b;
  const ra = keyRefFromUri(a);
  const rb = keyRefFromUri(b);
  return ra !== undefined && rb !== undefined ? sameKeyVersion(ra, rb) : a.toLowerCase() === b.toLowerCase();
};

/**
 * The guard of applying `plan`: a write is allowed only when the plan holds a planned action of
 * the same kind, from and to the same key versions, for the resource, and the resource read for the
 * write is still the version the plan read. A second write of one plan to the same resource therefore
 * finds it changed (by the first) and is re-planned: conservative, never silent.
 */
export function planWriteGuard(plan: Plan): WriteGuard {
  return (resourceId, fresh, write) => {
    const id = resourceId.toLowerCase();
    const planned = plannedActions(plan).filter((a) => a.resourceId.toLowerCase() === id);
    const match = planned.find(
      (a) => a.action === write.action && sameKeyUri(a.to, write.to) && sameKeyUri(a.from, write.from),
    );
    if (match === undefined) {
      return `the fresh decision (${write.action}${write.to === undefined ? "" : ` to ${write.to}`}) is not in plan ${plan.planId}`;
    }
    if (match.version !== undefined && resourceVersion(fresh) !== match.version) {
      return `the resource changed since plan ${plan.planId} read it (${match.version} then, ${resourceVersion(fresh)} now)`;
    }
    return undefined;
  };
}
