import type { SurfaceHandler } from "../emulatorTypes.js";
import type { TenantState } from "../tenantState.js";
import { routeArmRequest } from "./armRouter.js";
import { OperationTracker, type OperationFailureRule } from "./longRunningOperations.js";

/** Re-exported for the emulator facade. */
export type { OperationFailureRule } from "./longRunningOperations.js";

/** Knobs of the ARM surface. */
export interface ArmHandlerOptions {
  /** Status polls of a long-running operation answered `InProgress` before it ends. */
  polls: number;
  /** `Retry-After` sent with long-running operations, in seconds. */
  retryAfterSeconds: number;
  /** Items per page of list operations. */
  pageSize: number;
}

/** The ARM surface of the emulator. */
export interface ArmHandler {
  /** Answers one ARM request; authentication and throttling happen before. */
  handle: SurfaceHandler;
  /** Makes matching long-running operations end `Failed`. */
  failOperations(rule: OperationFailureRule): void;
}

/**
 * Builds the Azure Resource Manager surface over the tenant state: resource CRUD with ETags and
 * merge-patch, lists with paging, role-assignment queries, and long-running operations for the
 * resource types that have them in Azure.
 */
export function createArmHandler(state: TenantState, options: ArmHandlerOptions): ArmHandler {
  const operations = new OperationTracker(state, {
    polls: options.polls,
    retryAfterSeconds: options.retryAfterSeconds,
  });
  const deps = { state, operations, pageSize: options.pageSize };
  return {
    handle: (request, context) => routeArmRequest(deps, request, context),
    failOperations: (rule) => {
      operations.addFailureRule(rule);
    },
  };
}
