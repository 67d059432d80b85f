/**
 * A manual operation that fans out through the queue (a subscription-wide remediation). Its jobs
 * are claimed in the group {@link operationGroup}, so its progress is one listing of that group.
 */
export interface OperationRecord {
  operationId: string;
  /** What was asked for, e.g. `subscription:<id>`. */
  target: string;
  dryRun: boolean;
  /** `listing`: resources are still being enumerated; `listed`: every job is queued; `failed`: listing failed. */
  listing: "listing" | "listed" | "failed";
  /** Resources seen while listing. */
  resourcesSeen: number;
  /** Jobs queued. */
  jobsQueued: number;
  /** Why listing failed. */
  error?: string;
  /**
   * A dry run: the plan sealed from its report once it finished. An apply: the plan it applies.
   */
  planId?: string;
  /** ISO 8601. */
  createdAt: string;
}

/** The job group of a manual operation. */
export function operationGroup(operationId: string): string {
  return `operation|${operationId.toLowerCase()}`;
}

/** Manual operations and their progress. */
export interface OperationStore {
  /** Records a new manual operation (its jobs are claimed in the group `operationGroup(id)`). */
  createOperation(operation: OperationRecord): Promise<void>;
  /** Updates a manual operation's own fields (listing progress, outcome). */
  updateOperation(
    operationId: string,
    change: Partial<Omit<OperationRecord, "operationId" | "target" | "createdAt">>,
  ): Promise<void>;
  /** A manual operation, or undefined when there is none with that id. */
  getOperation(operationId: string): Promise<OperationRecord | undefined>;
}
