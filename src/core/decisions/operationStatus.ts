import { tryParseResourceId } from "../ids/resourceId.js";
import type { JobRecord } from "../../core/ports/jobStore.js";
import type { OperationRecord } from "../../core/ports/operationStore.js";
import { listingJobPrefix } from "../jobs/jobKeys.js";
import type { Report, ReportAction } from "../report/report.js";

/** Where a manual operation stands, as `GET /api/remediate/{operationId}` answers it. */
export interface OperationStatus {
  operationId: string;
  target: string;
  /**
   * `running` until every resource is listed and every job finished; `succeeded` when no job
   * failed; `failed` when listing failed or any job gave up (its resource has a ticket request).
   */
  status: "running" | "succeeded" | "failed";
  dryRun: boolean;
  createdAt: string;
  progress: {
    /** Whether every in-scope resource has been listed (so `jobsQueued` is final). */
    listed: boolean;
    resourcesSeen: number;
    jobsQueued: number;
    jobsDone: number;
    jobsFailed: number;
    jobsRunning: number;
  };
  /** The report contract, with the actions of the jobs finished so far; complete once not `running`. */
  report: Report;
  /** Why listing failed. */
  error?: string;
}

export { listingJobPrefix };

/** Summarises an operation from its record and its job claims (pure). */
export function operationStatus(operation: OperationRecord, jobs: readonly JobRecord[]): OperationStatus {
  const resourceJobs = jobs.filter((j) => !j.dedupeKey.startsWith(listingJobPrefix));
  const done = resourceJobs.filter((j) => j.state === "done");
  const failed = resourceJobs.filter((j) => j.state === "failed");
  const finished = done.length + failed.length;
  const listed = operation.listing === "listed";
  const actions: ReportAction[] = done
    .flatMap((j) => j.result ?? [])
    .concat(
      failed.map((j) => ({
        resourceId: j.resourceId,
        resourceType: tryParseResourceId(j.resourceId)?.type ?? "",
        action: "none" as const,
        status: "failed" as const,
        reason: "the job failed on every attempt; a ticket request records it",
      })),
    )
    .sort((a, b) => a.resourceId.localeCompare(b.resourceId));
  const status =
    operation.listing === "failed"
      ? "failed"
      : !listed || finished < resourceJobs.length
        ? "running"
        : failed.length > 0
          ? "failed"
          : "succeeded";
  return {
    operationId: operation.operationId,
    target: operation.target,
    status,
    dryRun: operation.dryRun,
    createdAt: operation.createdAt,
    progress: {
      listed,
      resourcesSeen: operation.resourcesSeen,
      jobsQueued: resourceJobs.length,
      jobsDone: done.length,
      jobsFailed: failed.length,
      jobsRunning: resourceJobs.filter((j) => j.state === "running").length,
    },
    report: {
      dryRun: operation.dryRun,
      actions,
      errors: operation.error === undefined ? [] : [{ input: operation.target, message: operation.error }],
    },
    ...(operation.error === undefined ? {} : { error: operation.error }),
  };
}
