import type { Ledger } from "../ledger/ledger.js";
import type { Job } from "./job.js";
import type { ReportAction } from "./report.js";
import { rotateConsumer, type RotationDeps } from "./rotateConsumer.js";
import { whereBlock } from "./ticketText.js";

/** What the queue worker needs. */
export interface WorkerDeps extends RotationDeps {
  ledger: Pick<Ledger, "recordAction" | "requestTicket" | "startJob" | "finishJob">;
  /** How long a worker holds a job before another may take it over (a crashed worker's lease). */
  leaseMs: number;
}

/**
 * Runs one queued job exactly once in effect: a job already done, or held by another worker, is
 * skipped; a failure releases the job and rethrows so the queue retries it.
 */
export async function runJob(job: Job, deps: WorkerDeps): Promise<ReportAction> {
  const start = await deps.ledger.startJob(job.claimGroup, job.dedupeKey, job.resourceId, deps.leaseMs);
  if (start !== "started") {
    return {
      resourceId: job.resourceId,
      resourceType: job.resourceType,
      action: "none",
      status: "skipped",
      reason:
        start === "done"
          ? "this job was completed before (duplicate message)"
          : "another worker is running this job",
    };
  }
  try {
    const action = await rotateConsumer(job, deps);
    await deps.ledger.finishJob(job.claimGroup, job.dedupeKey, "done");
    return action;
  } catch (error) {
    await deps.ledger.finishJob(job.claimGroup, job.dedupeKey, "queued");
    throw error;
  }
}

/**
 * A job that exhausted its retries (the queue moved it to the poison queue): recorded as failed,
 * with a ticket request so a person looks at it. Never lost.
 */
export async function handlePoisonJob(
  job: Job,
  deps: Pick<WorkerDeps, "ledger" | "dryRun">,
  lastError?: string,
): Promise<ReportAction> {
  await deps.ledger.finishJob(job.claimGroup, job.dedupeKey, "failed");
  const ticket = await deps.ledger.requestTicket({
    resourceId: job.resourceId,
    resourceType: job.resourceType,
    findingCode: "RotationFailed",
    severity: "high",
    title: `Key rotation failed repeatedly for ${job.resourceId.split("/").pop() ?? job.resourceId}`,
    body: [
      `The service tried to move this resource to ${job.keyId} and failed on every attempt.`,
      "",
      whereBlock(job.resourceId),
      "",
      lastError === undefined ? "" : `Last error: ${lastError}`,
      "",
      "The resource is still on its previous key version. Check the resource's activity log for the failed operation, fix the cause, then run a manual remediation for this resource.",
    ].join("\n"),
    eventId: job.eventId,
    correlationId: job.correlationId,
  });
  const action: ReportAction = {
    resourceId: job.resourceId,
    resourceType: job.resourceType,
    action: "rotate-key",
    status: "failed",
    to: job.keyId,
    reason: `gave up after repeated failures${lastError === undefined ? "" : `: ${lastError}`}`,
    codes: ["RotationFailed"],
    ...(ticket.ticketUrl === undefined ? {} : { ticket: ticket.ticketUrl }),
  };
  await deps.ledger.recordAction({
    ...action,
    dryRun: deps.dryRun,
    eventId: job.eventId,
    correlationId: job.correlationId,
    jobId: job.jobId,
  });
  return action;
}
