import { randomUUID } from "node:crypto";
import { operationGroup, type OperationRecord } from "../core/ports/operationStore.js";
import type { Ledger } from "../core/ports/ledger.js";
import type { RemediateSubscriptionJob } from "../core/jobs/job.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import { jobKeys, lockNames } from "../core/jobs/jobKeys.js";
import type { ReportAction } from "../core/report/report.js";
import { runSweep, type SweepDeps } from "./sweep.js";

// A listing that died without releasing its lock frees the subscription after this long.
const subscriptionLeaseMs = 60 * 60 * 1000;

/** A started subscription-wide remediation. */
export interface StartedOperation {
  operation: OperationRecord;
  job: RemediateSubscriptionJob;
}

/**
 * Records a subscription-wide remediation and queues its listing job, or answers `busy` while an
 * earlier remediation of the subscription is still listing. The resource jobs it leads to are
 * claimed in the operation's group, so `GET /api/remediate/{id}` reads its progress from one ledger
 * partition.
 */
export async function startSubscriptionRemediation(
  subscriptionId: string,
  options: { dryRun: boolean; now: Date },
  deps: {
    ledger: Pick<Ledger, "createOperation" | "claimJobs" | "acquireLock" | "releaseLock">;
    queue: JobQueue;
  },
): Promise<StartedOperation | "busy"> {
  // One remediation per subscription until its listing has queued its jobs (the listing job releases it).
  const lock = lockNames.subscription(subscriptionId);
  if (!(await deps.ledger.acquireLock(lock, subscriptionLeaseMs))) return "busy";
  try {
    return await startListing(subscriptionId, options, deps);
  } catch (error) {
    await deps.ledger.releaseLock(lock);
    throw error;
  }
}

async function startListing(
  subscriptionId: string,
  options: { dryRun: boolean; now: Date },
  { ledger, queue }: { ledger: Pick<Ledger, "createOperation" | "claimJobs">; queue: JobQueue },
): Promise<StartedOperation> {
  const operationId = randomUUID();
  const claimGroup = operationGroup(operationId);
  const operation: OperationRecord = {
    operationId,
    target: `subscription:${subscriptionId}`,
    dryRun: options.dryRun,
    listing: "listing",
    resourcesSeen: 0,
    jobsQueued: 0,
    createdAt: options.now.toISOString(),
  };
  const job: RemediateSubscriptionJob = {
    v: 1,
    kind: "remediate-subscription",
    jobId: randomUUID(),
    dedupeKey: jobKeys.subscriptionListing(subscriptionId),
    claimGroup,
    resourceId: `/subscriptions/${subscriptionId}`,
    resourceType: "Microsoft.Resources/subscriptions",
    subscriptionId,
    operationId,
    trigger: "Manual",
    eventId: `remediate-${operationId}`,
    correlationId: operationId,
    enqueuedAt: options.now.toISOString(),
    ...(options.dryRun ? { dryRun: true } : {}),
  };
  await ledger.createOperation(operation);
  await ledger.claimJobs(claimGroup, [{ dedupeKey: job.dedupeKey, resourceId: job.resourceId }]);
  await queue.enqueue([job]);
  return { operation, job };
}

/** Raised when the subscription's sweep lock is held (the timer is sweeping it): the queue retries. */
export class SubscriptionBusyError extends Error {
  readonly code = "SubscriptionBusy";
  constructor(subscriptionId: string) {
    super(`another sweep of subscription ${subscriptionId} is running; the job is retried`);
    this.name = "SubscriptionBusyError";
  }
}

/**
 * The listing job of a subscription-wide remediation: the sweep's walk limited to that
 * subscription, queuing the same jobs as the sweep in the operation's group. Progress goes to the
 * operation record after every page. The manual-remediation lock of the subscription is released
 * once every job is queued (further requests may then start).
 */
export async function runSubscriptionListing(
  job: RemediateSubscriptionJob,
  deps: SweepDeps,
): Promise<ReportAction[]> {
  const dryRun = deps.dryRun || job.dryRun === true;
  // Progress writes go one after another, so a late one never overwrites the final counts.
  let progressWrites = Promise.resolve();
  const result = await runSweep(
    { ...deps, dryRun },
    {
      mode: "act",
      subscriptions: [job.subscriptionId],
      runId: job.operationId,
      operation: { claimGroup: job.claimGroup, dryRun },
      onProgress: (progress) => {
        // Progress is advisory; a failed update must not stop the listing.
        progressWrites = progressWrites.then(() =>
          deps.ledger
            .updateOperation(job.operationId, {
              resourcesSeen: progress.resourcesSeen,
              jobsQueued: progress.jobsEnqueued,
            })
            .catch(() => undefined),
        );
      },
    },
  );
  await progressWrites;
  if (result.status === "busy") throw new SubscriptionBusyError(job.subscriptionId);
  await deps.ledger.updateOperation(job.operationId, {
    listing: "listed",
    resourcesSeen: result.resourcesSeen,
    jobsQueued: result.jobsEnqueued,
  });
  await deps.ledger.releaseLock(lockNames.subscription(job.subscriptionId));
  return [];
}

/** A listing job that gave up: the operation is marked failed and the subscription unlocked. */
export async function failSubscriptionListing(
  job: RemediateSubscriptionJob,
  ledger: Pick<Ledger, "updateOperation" | "releaseLock">,
  lastError: string | undefined,
): Promise<void> {
  await ledger.updateOperation(job.operationId, {
    listing: "failed",
    error: `listing the subscription's resources failed on every attempt${lastError === undefined ? "" : `: ${lastError}`}`,
  });
  await ledger.releaseLock(lockNames.subscription(job.subscriptionId));
}
