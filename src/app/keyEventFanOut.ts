import { randomUUID } from "node:crypto";
import { canonicalResourceType } from "../core/consumers/registry.js";
import type { ScopeResolver } from "../core/decisions/scopeGuard.js";
import type { PlanKeyEventJob, RotateBatchJob, RotateJob } from "../core/jobs/job.js";
import { jobKeys, type JobClaim } from "../core/jobs/jobKeys.js";
import type { GraphScope } from "../core/ports/graphScope.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { Ledger } from "../core/ports/ledger.js";
import type { RotationPort } from "../core/ports/rotationPort.js";
import type { ReportAction } from "../core/report/report.js";
import { consumerRows, withinScope } from "./planKeyEvent.js";
import { FanOutBatchError } from "./fanOutBatchError.js";
import type { RolloutSettings } from "./rollout/rolloutSettings.js";
import { stageFanOutPage, stagesPage, type StagingDeps } from "./rollout/stageFanOutPage.js";

/** Consumers per queue message when the setting is not given (`CMKR_FANOUT_BATCH_SIZE`). */
export const defaultFanOutBatchSize = 50;

// A Storage queue message holds 64 KiB, base64 (the trigger's encoding) makes 4 bytes of 3: a
// batch's JSON stays under 40,000 characters whatever its ids' lengths.
// https://learn.microsoft.com/en-us/azure/storage/queues/scalability-targets
const maxBatchChars = 40_000;

// Consumers of one batch run side by side, bounded so one message does not take a worker's
// whole ARM budget; the rest wait in the message.
const batchConcurrency = 8;

/** What planning one page of a key event's consumers needs. */
export interface FanOutPlannerDeps {
  port: Pick<RotationPort, "findConsumersPage">;
  queue: JobQueue;
  scope: GraphScope;
  resolveScope: ScopeResolver;
  now: () => Date;
  /** Consumers per queue message (32-100 in the settings). */
  fanOutBatchSize?: number | undefined;
  /** Staged rollouts of new key versions (docs/rollout-controls.md); without them nothing is staged. */
  rollout?: RolloutSettings | undefined;
  ledger?: StagingDeps["ledger"];
  tickets?: StagingDeps["tickets"];
  /** The service's own dry run: nothing is staged in it. */
  dryRun?: boolean;
}

/** The fan-out record of the key event a plan page or batch belongs to. */
export function fanOutClaim(job: PlanKeyEventJob | RotateBatchJob): JobClaim {
  return jobKeys.keyEventFanOut({ kind: job.trigger, keyId: job.keyId }, job.dryRun === true);
}

/** Splits consumers into batches of at most `size`, each small enough for one queue message. */
function batches<T extends { id: string; type: string }>(consumers: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let chars = 0;
  for (const consumer of consumers) {
    const cost = consumer.id.length + consumer.type.length + 24;
    if (current.length >= size || (current.length > 0 && chars + cost > maxBatchChars)) {
      out.push(current);
      current = [];
      chars = 0;
    }
    current.push(consumer);
    chars += cost;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Plans one Resource Graph page of a key event: queries that page, queues the next page's job
 * first (so planning stays ahead of the rotations it queues) and then the page's consumers, many
 * to a message. The consumers are not claimed here: the worker claims each when it starts it, so a
 * page planned twice (a retry) queues duplicates that the claims make harmless. Rows that are not
 * consumers and consumers outside the scope are returned as failed and skipped actions.
 */
export async function planKeyEventPage(
  job: PlanKeyEventJob,
  deps: FanOutPlannerDeps,
): Promise<ReportAction[]> {
  const actions: ReportAction[] = [];
  const scope = await deps.resolveScope();
  const page = await deps.port.findConsumersPage(
    { vaultUrl: job.vaultUrl, keyName: job.keyName },
    deps.scope,
    job.skipToken,
  );
  const consumers = withinScope(consumerRows(page.rows, actions), scope, actions);
  const fanOut = fanOutClaim(job);
  const enqueuedAt = deps.now().toISOString();
  if (page.skipToken !== undefined) {
    const next = job.page + 1;
    await deps.queue.enqueue([
      {
        ...job,
        jobId: randomUUID(),
        ...jobKeys.keyEventPlanPage(fanOut, job.runId, next),
        page: next,
        skipToken: page.skipToken,
        enqueuedAt,
      },
    ]);
  }
  const size = Math.min(100, Math.max(1, deps.fanOutBatchSize ?? defaultFanOutBatchSize));
  // A new key version moves its consumers in waves: the page assigns them and queues wave 0 only.
  if (
    deps.rollout !== undefined &&
    deps.ledger !== undefined &&
    stagesPage(job, deps.rollout, deps.dryRun === true)
  ) {
    const staged = await stageFanOutPage(
      job,
      consumers.map((c) => ({ id: c.id, type: canonicalResourceType(c.type) })),
      page.skipToken === undefined,
      { ...deps, ledger: deps.ledger, rollout: deps.rollout, batchSize: size, tickets: deps.tickets },
    );
    if (staged !== undefined) return [...actions, ...staged];
  }
  await deps.queue.enqueue(
    batches(consumers, size).map((chunk, index): RotateBatchJob => ({
      v: 1,
      kind: "rotate-batch",
      jobId: randomUUID(),
      ...jobKeys.keyEventBatch(fanOut, job.runId, job.page, index),
      // Resource Graph answers types in lower case; jobs, reports and the ledger use one spelling.
      consumers: chunk.map((c) => ({ id: c.id, type: canonicalResourceType(c.type) })),
      keyId: job.keyId,
      trigger: job.trigger,
      eventId: job.eventId,
      correlationId: job.correlationId,
      enqueuedAt,
      ...(job.dryRun === true ? { dryRun: true } : {}),
    })),
  );
  return actions;
}

/** The rotation job of each consumer of a batch, claimed under the same keys as one job per message. */
export function batchJobs(batch: RotateBatchJob): RotateJob[] {
  const event = { kind: batch.trigger, keyId: batch.keyId };
  return batch.consumers.map((consumer, index) => ({
    v: 1,
    kind: "rotate",
    jobId: `${batch.jobId}/${index}`,
    ...jobKeys.keyEvent(event, consumer.id, batch.dryRun === true),
    resourceId: consumer.id,
    resourceType: consumer.type,
    keyId: batch.keyId,
    trigger: batch.trigger,
    eventId: batch.eventId,
    correlationId: batch.correlationId,
    enqueuedAt: batch.enqueuedAt,
    ...(batch.dryRun === true ? { dryRun: true } : {}),
    ...(batch.rollout === undefined ? {} : { rollout: batch.rollout, wave: batch.wave ?? 0 }),
  }));
}

/**
 * Runs every consumer of a batch as its own job (`runOne` claims it, so one done before, or held
 * by another worker, is skipped). Consumers that fail do not stop the others; the batch then
 * throws {@link FanOutBatchError} so the queue retries it, and the retry runs only what is not done.
 */
export async function runRotateBatch(
  batch: RotateBatchJob,
  runOne: (job: RotateJob) => Promise<ReportAction[]>,
): Promise<ReportAction[]> {
  const jobs = batchJobs(batch);
  const results: ReportAction[][] = jobs.map(() => []);
  const failures: { resourceId: string; error: unknown }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index];
      if (job === undefined) continue;
      try {
        results[index] = await runOne(job);
      } catch (error) {
        failures.push({ resourceId: job.resourceId, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(batchConcurrency, jobs.length) }, worker));
  if (failures.length > 0) throw new FanOutBatchError(batch.jobId, jobs.length, failures);
  return results.flat();
}

/**
 * A batch that exhausted its retries: each consumer not done gives up as its own job would
 * (`poisonOne`: failed, recorded, ticketed), and the event's fan-out record is marked failed, so
 * the next delivery of the event plans it again. Returns one action summing the batch up; each
 * consumer's own action is in the ledger.
 */
export async function handlePoisonBatch(
  batch: RotateBatchJob,
  ledger: Pick<Ledger, "readJob" | "claimJobs" | "finishJob">,
  poisonOne: (job: RotateJob) => Promise<ReportAction>,
): Promise<ReportAction> {
  const gaveUp: ReportAction[] = [];
  for (const job of batchJobs(batch)) {
    const claim = await ledger.readJob(job.claimGroup, job.dedupeKey);
    if (claim?.state === "done") continue;
    // Never started (the batch failed before reaching it): claimed now so it can be marked failed.
    if (claim === undefined) await ledger.claimJobs(job.claimGroup, [job]);
    gaveUp.push(await poisonOne(job));
  }
  const fanOut = fanOutClaim(batch);
  await ledger.finishJob(fanOut.claimGroup, fanOut.dedupeKey, "failed");
  const first = gaveUp[0] ?? batch.consumers[0];
  const [resourceId, resourceType] =
    first === undefined
      ? ["", ""]
      : "resourceId" in first
        ? [first.resourceId, first.resourceType]
        : [first.id, first.type];
  return {
    resourceId,
    resourceType,
    action: "rotate-key",
    status: gaveUp.length === 0 ? "skipped" : "failed",
    to: batch.keyId,
    reason:
      gaveUp.length === 0
        ? "every consumer of this batch was done before it gave up"
        : `${gaveUp.length} of ${batch.consumers.length} consumers of this batch gave up, each recorded and ticketed; first, ${resourceId}: ${gaveUp[0]?.reason ?? ""}`,
    ...(gaveUp.length === 0 ? {} : { codes: ["RotationFailed"] }),
  };
}
