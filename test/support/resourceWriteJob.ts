import type { EvaluateJob } from "../../src/core/jobs/job.js";

/** Ids of a {@link resourceWriteJob}; each has a fixed default. */
export interface ResourceWriteJobIds {
  readonly jobId?: string;
  readonly eventId?: string;
  readonly correlationId?: string;
}

/**
 * The evaluation job a `ResourceWriteSuccess` event queues for one resource, with fixed ids and
 * time, for tests that run a job directly.
 */
export function resourceWriteJob(
  resourceId: string,
  resourceType: string,
  ids: ResourceWriteJobIds = {},
): EvaluateJob {
  const eventId = ids.eventId ?? "evt-1";
  return {
    v: 1,
    kind: "evaluate",
    jobId: ids.jobId ?? "job-1",
    dedupeKey: `${resourceId.toLowerCase()}|${eventId}`,
    claimGroup: "resource-events",
    resourceId,
    resourceType,
    trigger: "ResourceWrite",
    eventId,
    correlationId: ids.correlationId ?? "corr-1",
    enqueuedAt: "2026-11-22T11:59:00.000Z",
  };
}
