import { randomUUID } from "node:crypto";
import type { RotateBatchJob, RotateJob } from "../../core/jobs/job.js";
import { jobKeys } from "../../core/jobs/jobKeys.js";
import type { JobQueue } from "../../core/ports/jobQueue.js";
import type { Ledger } from "../../core/ports/ledger.js";
import type { ReportAction } from "../../core/report/report.js";
import {
  countsSettle,
  memberOutcome,
  needsResend,
  settleMember,
  type Rollout,
  type RolloutChunk,
} from "../../core/rollout/rolloutState.js";
import type { TicketSink } from "../../core/tickets/ticketSink.js";
import { dispatchTickets } from "../tickets/dispatchTickets.js";

/** What moving a rollout on needs. */
export interface RolloutDeps {
  ledger: Pick<
    Ledger,
    | "getRollout"
    | "updateRollout"
    | "listRolloutChunks"
    | "settleRolloutMember"
    | "requestTicket"
    | "recordAction"
  > &
    Parameters<typeof dispatchTickets>[0];
  queue: JobQueue;
  tickets?: TicketSink | undefined;
  now: () => Date;
}

/** The resource type of a rollout's ticket and action: the key version itself. */
export const rolloutResourceType = "Microsoft.KeyVault/vaults/keys/versions";

// Conditional changes of one record lost to concurrent writers before the job gives up and the
// queue retries it (which is safe: every change is idempotent through its marker).
const maxAttempts = 50;

/** A short random wait before retrying a lost ETag race, so racing workers spread out. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.min(50, 2 ** Math.min(attempt, 6)) * Math.random();
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The error a job throws when its rollout's record kept changing under it: the queue retries the job. */
export class RolloutContentionError extends Error {
  readonly code = "RolloutContention";
  constructor(readonly rolloutId: string) {
    super(`the rollout record ${rolloutId} changed on every one of ${maxAttempts} attempts`);
  }
}

/** The rotate-batch message of one stored chunk (its consumers are claimed by the worker). */
export function chunkMessage(
  chunk: RolloutChunk,
  rollout: Rollout,
  base: Pick<RotateBatchJob, "eventId" | "correlationId">,
  at: string,
): RotateBatchJob {
  // Only a new version is staged: its fan-out names the batch in logs.
  const fanOut = jobKeys.keyEventFanOut({ kind: "KeyNewVersionCreated", keyId: rollout.keyId }, false);
  return {
    v: 1,
    kind: "rotate-batch",
    jobId: randomUUID(),
    ...jobKeys.keyEventBatch(fanOut, rollout.runId, chunk.page, chunk.wave * 10_000 + chunk.index),
    consumers: chunk.consumers.map((c) => ({ id: c.id, type: c.type })),
    keyId: rollout.keyId,
    trigger: "KeyNewVersionCreated",
    eventId: base.eventId,
    correlationId: base.correlationId,
    enqueuedAt: at,
    rollout: rollout.rolloutId,
    wave: chunk.wave,
  };
}

/**
 * Puts a released wave's chunks on the queue (visible after the rollout's pause), then records the
 * wave as sent. A sender that dies in between leaves `sentWave` behind: the next settle or plan page
 * that reads the record more than 5 minutes after the release sends it again (the consumers'
 * claims make a duplicate message harmless).
 */
export async function sendWave(
  rollout: Rollout,
  wave: number,
  base: Pick<RotateBatchJob, "eventId" | "correlationId">,
  deps: Pick<RolloutDeps, "ledger" | "queue" | "now">,
): Promise<void> {
  const at = deps.now().toISOString();
  const chunks = await deps.ledger.listRolloutChunks(rollout.rolloutId, wave);
  const messages = chunks.map((c) => chunkMessage(c, rollout, base, at));
  if (messages.length > 0)
    await deps.queue.enqueue(
      messages,
      rollout.pauseSeconds > 0 ? { delaySeconds: rollout.pauseSeconds } : {},
    );
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const read = await deps.ledger.getRollout(rollout.rolloutId);
    if (read === undefined || read.rollout.sentWave >= wave) return;
    const next = { ...read.rollout, sentWave: wave };
    if ((await deps.ledger.updateRollout(next, read.version)) === "stored") return;
    await backoff(attempt);
  }
}

/**
 * Records what one rollout job came to and moves its rollout on, O(1) in the rollout's size: one
 * read of the record and, for members of a wave that has a successor (and for any failed or held
 * write), one transaction that inserts the member's settle marker and updates the record's
 * counters. A marker that exists means it was settled before (a redelivered message): nothing is
 * counted twice. The change that halts the rollout opens its one ticket; the change that releases
 * a wave queues it. Called by the worker before the job is marked done, so a worker that dies in
 * between has its message redelivered and this runs again.
 */
export async function settleRolloutJob(
  job: RotateJob,
  action: ReportAction,
  deps: RolloutDeps,
): Promise<void> {
  if (job.rollout === undefined) return;
  const wave = job.wave ?? 0;
  const outcome = memberOutcome(action);
  const base = { eventId: job.eventId, correlationId: job.correlationId };
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const read = await deps.ledger.getRollout(job.rollout);
    if (read === undefined) return;
    const at = deps.now().toISOString();
    if (!countsSettle(read.rollout, wave, outcome)) return resume(read.rollout, base, deps);
    const reason = `${job.resourceId}: ${action.reason}`;
    const change = settleMember(read.rollout, wave, outcome, reason, at);
    const written = await deps.ledger.settleRolloutMember(job.resourceId, change.next, read.version);
    if (written === "exists") return resume(read.rollout, base, deps);
    if (written === "conflict") {
      await backoff(attempt);
      continue;
    }
    if (change.halted) await haltTicket(change.next, job, action, deps);
    if (change.released !== undefined) await sendWave(change.next, change.released, base, deps);
    return;
  }
  throw new RolloutContentionError(job.rollout);
}

/** Sends a released wave again when its sender died long ago (see {@link sendWave}). */
async function resume(
  rollout: Rollout,
  base: Pick<RotateBatchJob, "eventId" | "correlationId">,
  deps: RolloutDeps,
): Promise<void> {
  if (needsResend(rollout, deps.now())) await sendWave(rollout, rollout.wave, base, deps);
}

/** One ticket for the key version: the write that halted it, and how many consumers were not moved. */
async function haltTicket(
  rollout: Rollout,
  job: Pick<RotateJob, "resourceId" | "resourceType" | "eventId" | "correlationId" | "wave">,
  action: Pick<ReportAction, "reason">,
  deps: RolloutDeps,
): Promise<void> {
  const wave = job.wave ?? 0;
  const waves = rollout.assigned.filter((n) => n > 0).length;
  const later = rollout.assigned.reduce((sum, n, w) => (w > rollout.wave ? sum + n : sum), 0);
  const notMoved = rollout.planned ? `${later}` : `at least ${later}`;
  const resourceId = rollout.keyId.toLowerCase();
  const title = `Staged rollout of ${rollout.keyId} halted in wave ${wave + 1}`;
  const ticket = await deps.ledger.requestTicket({
    resourceId,
    resourceType: rolloutResourceType,
    findingCode: "RolloutHalted",
    severity: "high",
    title,
    body: [
      `The service was moving the consumers of the key version ${rollout.keyId} in waves (${rollout.plan}${rollout.planned ? `, ${waves} wave(s)` : ""}). A write of wave ${wave + 1} failed or did not read back the new version, so it stopped: ${notMoved} consumer(s) of later waves were not touched and stay on their current version.`,
      "",
      "The write that failed first:",
      `- \`${job.resourceId}\` (${job.resourceType}): ${action.reason}`,
      "",
      "Other writes of the released waves that fail are counted on the rollout record, each with its own action in the ledger (`cmkr history --key`).",
      "",
      "Why it matters: a key version that one consumer could not take may fail on the others too; the remaining consumers stay on the previous version, which must stay enabled until they move.",
      "",
      `To finish: find out why the write failed (the resource's activity log), fix it, then run \`cmkr remediate ${rollout.keyId} --apply\` (or POST /api/remediate with the key id): the manual remediation moves the rest, again in waves. Until then events and the sweep do not move consumers to this version.`,
    ].join("\n"),
    eventId: job.eventId,
    correlationId: job.correlationId,
  });
  await deps.ledger.recordAction({
    resourceId,
    resourceType: rolloutResourceType,
    action: ticket.count === 1 ? "open-ticket" : "update-ticket",
    status: "applied",
    to: rollout.keyId,
    reason: title,
    codes: ["RolloutHalted"],
    dryRun: false,
  });
  if (deps.tickets !== undefined) await dispatchTickets(deps.ledger, deps.tickets, { resourceId });
}

/**
 * Halts a rollout whose planning gave up (a plan page poisoned): its later waves could never be
 * complete. One conditional change; the plan page's own ticket tells the cause.
 */
export async function haltPlanning(
  rolloutId: string,
  reason: string,
  deps: Pick<RolloutDeps, "ledger" | "now">,
): Promise<void> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const read = await deps.ledger.getRollout(rolloutId);
    if (read === undefined || read.rollout.state === "halted") return;
    const next: Rollout = { ...read.rollout, state: "halted", reason, updatedAt: deps.now().toISOString() };
    if ((await deps.ledger.updateRollout(next, read.version)) === "stored") return;
    await backoff(attempt);
  }
}
