import { WriteDeferredError } from "../core/jobs/writeDeferredError.js";
import { WriteConflictError } from "../core/jobs/writeConflictError.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { Ledger } from "../core/ports/ledger.js";
import { evaluateJob, type EvaluationDeps } from "./evaluateJob.js";
import type { Job, RotateJob } from "../core/jobs/job.js";
import { dispatchTickets } from "./tickets/dispatchTickets.js";
import type { TicketSink } from "../core/tickets/ticketSink.js";
import type { ReportAction } from "../core/report/report.js";
import { runSubscriptionListing, failSubscriptionListing } from "./remediateSubscription.js";
import { rotateConsumer } from "./rotateConsumer.js";
import { whereBlock } from "../core/tickets/ticketText.js";
import { isolateArmFacts } from "./armFactsFailure.js";
import { handlePoisonBatch, planKeyEventPage, runRotateBatch } from "./keyEventFanOut.js";
import { handlePoisonPlanPage } from "./handlePoisonPlanPage.js";
import { haltPlanning, settleRolloutJob } from "./rollout/advanceRollout.js";
import type { RolloutSettings } from "./rollout/rolloutSettings.js";
import { rolloutIdFor } from "../core/rollout/rolloutState.js";
import { applyPlanJob } from "./plans/applyPlanJob.js";

/** What the queue worker needs. */
export interface WorkerDeps extends EvaluationDeps {
  /** The whole ledger: a subscription listing job runs the sweep's walk. */
  ledger: Ledger;
  /** Where a subscription listing job queues its resource jobs. */
  queue: JobQueue;
  tickets?: TicketSink | undefined;
  /** How long a worker holds a job before another may take it over (a crashed worker's lease). */
  leaseMs: number;
  /** Consumers per queue message of a key event's fan-out. */
  fanOutBatchSize?: number | undefined;
  /** Staged rollouts of new key versions; without them a key event's consumers are queued at once. */
  rollout?: RolloutSettings | undefined;
}

/**
 * Runs one queued job exactly once in effect: a job already done, or held by another worker, is
 * skipped; a failure releases the job and rethrows so the queue retries it, except a resource of an
 * unexpected shape, which is recorded as a failed action naming the resource and the field. A write
 * deferred for a passing state or defeated by concurrent changes (`WriteConflict`) is retried too.
 */
export async function runJob(job: Job, deps: WorkerDeps): Promise<ReportAction[]> {
  // Many consumers of a key event in one message: each is claimed and run as its own job.
  if (job.kind === "rotate-batch") return runRotateBatch(job, (one) => runJob(one, deps));
  const start = await deps.ledger.startJob(job.claimGroup, job.dedupeKey, job.resourceId, deps.leaseMs);
  if (start !== "started") {
    return [
      {
        resourceId: job.resourceId,
        resourceType: job.resourceType,
        action: "none",
        status: "skipped",
        reason:
          start === "done"
            ? "this job was completed before (duplicate message)"
            : "another worker is running this job",
      },
    ];
  }
  // A job may only be drier than the service: `dryRun` on the job never turns writing on.
  const jobDeps = job.dryRun === true ? { ...deps, dryRun: true } : deps;
  try {
    // A resource of an unexpected shape is a failed action naming it and the field, not a retry:
    // retrying cannot change the shape, and the job's other work is not held up by it.
    const actions = await isolateArmFacts(
      job,
      async () =>
        job.kind === "rotate"
          ? [await rotateConsumer(job, jobDeps)]
          : job.kind === "evaluate"
            ? job.planId === undefined
              ? await evaluateJob(job, jobDeps)
              : await applyPlanJob({ ...job, planId: job.planId }, jobDeps)
            : job.kind === "plan-key-event"
              ? await planKeyEventPage(job, jobDeps)
              : await runSubscriptionListing(job, jobDeps),
      (failed) =>
        deps.ledger.recordAction({
          ...failed,
          dryRun: jobDeps.dryRun,
          eventId: job.eventId,
          correlationId: job.correlationId,
          jobId: job.jobId,
        }),
    );
    // A write that must wait for a passing state is retried by the queue (bounded, then poisoned).
    const deferred = jobDeps.dryRun
      ? undefined
      : actions.find((a) => a.codes?.includes("AwaitingState") === true);
    if (deferred !== undefined) throw new WriteDeferredError(job.resourceId, deferred.reason);
    // So is a write that met a changed resource on every attempt: finished "done", the job would
    // leave the consumer behind with no ticket; retried, it ends in the poison queue's ticket.
    const conflict = jobDeps.dryRun
      ? undefined
      : actions.find((a) => a.status === "failed" && a.codes?.includes("WriteConflict") === true);
    if (conflict !== undefined) throw new WriteConflictError(job.resourceId, conflict.reason);
    // A member of a staged rollout settles it (and may release the next wave) before it is done, so
    // a worker that dies in between has the message redelivered and settles it then.
    if (job.kind === "rotate" && !jobDeps.dryRun)
      await settleRolloutJob(job, actions[0] ?? failedWithoutAction(job), deps);
    await deps.ledger.finishJob(job.claimGroup, job.dedupeKey, "done", actions);
    // Sink failures are recorded on the ticket requests and retried later; they never fail the job.
    if (deps.tickets !== undefined && job.kind !== "plan-key-event")
      await dispatchTickets(deps.ledger, deps.tickets, { resourceId: job.resourceId });
    return actions;
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
  deps: Pick<WorkerDeps, "ledger" | "dryRun" | "tickets" | "queue" | "now">,
  lastError?: string,
): Promise<ReportAction> {
  if (job.kind === "rotate-batch")
    return handlePoisonBatch(job, deps.ledger, (one) => handlePoisonJob(one, deps, lastError));
  await deps.ledger.finishJob(job.claimGroup, job.dedupeKey, "failed");
  if (job.kind === "plan-key-event") {
    // A staged rollout whose planning gave up can never complete its waves: it halts (the plan
    // page's ticket tells the cause; a manual remediation of the key moves the rest).
    if (job.trigger === "KeyNewVersionCreated" && job.dryRun !== true && !deps.dryRun)
      await haltPlanning(
        rolloutIdFor(job.keyId),
        `planning page ${job.page} of the key's consumers gave up${lastError === undefined ? "" : `: ${lastError}`}`,
        deps,
      );
    return handlePoisonPlanPage(job, deps, lastError);
  }
  if (job.kind === "remediate-subscription") {
    // Nothing was changed by listing; the operation's status tells whoever started it.
    await failSubscriptionListing(job, deps.ledger, lastError);
    return {
      resourceId: job.resourceId,
      resourceType: job.resourceType,
      action: "none",
      status: "failed",
      reason: `listing the subscription gave up after repeated failures${lastError === undefined ? "" : `: ${lastError}`}`,
      codes: ["RemediationFailed"],
    };
  }
  const ticket = await deps.ledger.requestTicket({
    resourceId: job.resourceId,
    resourceType: job.resourceType,
    findingCode: job.kind === "rotate" ? "RotationFailed" : "RemediationFailed",
    severity: "high",
    title: `${job.kind === "rotate" ? "Key rotation" : "Remediation"} failed repeatedly for ${job.resourceId.split("/").pop() ?? job.resourceId}`,
    body: [
      job.kind === "rotate"
        ? `The service tried to move this resource to ${job.keyId} and failed on every attempt.`
        : "The service tried to evaluate and remediate this resource and failed on every attempt.",
      "",
      whereBlock(job.resourceId, job.resourceType),
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
    action: job.kind === "rotate" ? "rotate-key" : "none",
    status: "failed",
    ...(job.kind === "rotate" ? { to: job.keyId } : {}),
    reason: `gave up after repeated failures${lastError === undefined ? "" : `: ${lastError}`}`,
    codes: [job.kind === "rotate" ? "RotationFailed" : "RemediationFailed"],
    ...(ticket.ticketUrl === undefined ? {} : { ticket: ticket.ticketUrl }),
  };
  await deps.ledger.recordAction({
    ...action,
    dryRun: deps.dryRun,
    eventId: job.eventId,
    correlationId: job.correlationId,
    jobId: job.jobId,
  });
  // A rollout member that gave up is a failed write of its wave: the rollout halts.
  if (job.kind === "rotate" && !deps.dryRun && job.dryRun !== true) await settleRolloutJob(job, action, deps);
  if (deps.tickets !== undefined)
    await dispatchTickets(deps.ledger, deps.tickets, { resourceId: job.resourceId });
  return action;
}

function failedWithoutAction(job: RotateJob): ReportAction {
  return {
    resourceId: job.resourceId,
    resourceType: job.resourceType,
    action: "none",
    status: "failed",
    reason: "the job reported no action",
  };
}
