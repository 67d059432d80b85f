import { jobKeys, lockNames } from "../core/jobs/jobKeys.js";
import { randomUUID } from "node:crypto";
import { parseResourceId, ResourceIdError } from "../core/ids/resourceId.js";
import { evaluateJob } from "./evaluateJob.js";
import { keyRefFromUri } from "../core/ids/keyId.js";
import type { EvaluateJob, RotateJob } from "../core/jobs/job.js";
import type { Report, ReportAction } from "../core/report/report.js";
import { rotateConsumer } from "./rotateConsumer.js";
import type { ServiceContext } from "./serviceContext.js";
import { RemediationInputError } from "../core/jobs/remediationInputError.js";
import { isolateArmFacts } from "./armFactsFailure.js";
import { consumerRows } from "./planKeyEvent.js";
import { assignWaves } from "../core/rollout/rolloutWaves.js";
import { memberOutcome } from "../core/rollout/rolloutState.js";
import { rolloutResourceType } from "./rollout/advanceRollout.js";
import { dispatchTickets } from "./tickets/dispatchTickets.js";

function manualJob(
  resourceId: string,
  resourceType: string,
  keyId: string,
  correlationId: string,
  now: Date,
): RotateJob {
  return {
    v: 1,
    kind: "rotate",
    jobId: randomUUID(),
    ...jobKeys.manualRotation(resourceId, keyId, correlationId),
    resourceId,
    resourceType,
    keyId,
    trigger: "Manual",
    eventId: `manual-${correlationId}`,
    correlationId,
    enqueuedAt: now.toISOString(),
  };
}

function recordFailure(
  ctx: ServiceContext,
  job: EvaluateJob | RotateJob,
  failed: ReportAction,
  dryRun: boolean,
): Promise<void> {
  return ctx.ledger.recordAction({
    ...failed,
    dryRun,
    eventId: job.eventId,
    correlationId: job.correlationId,
    jobId: job.jobId,
  });
}

async function runAll(
  jobs: readonly RotateJob[],
  ctx: ServiceContext,
  apply: boolean,
  concurrency = 8,
  /** A job that throws becomes a failed action (a staged rollout judges its wave by them). */
  failSoft = false,
): Promise<ReportAction[]> {
  const actions: ReportAction[] = new Array<ReportAction>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index];
      if (job === undefined) continue;
      // One consumer of an unexpected shape is a failed action; the others are still moved.
      try {
        const [action] = await isolateArmFacts(
          job,
          async () => [await rotateConsumer(job, { ...ctx, dryRun: !apply })],
          (failed) => recordFailure(ctx, job, failed, !apply),
        );
        if (action !== undefined) actions[index] = action;
      } catch (error) {
        if (!failSoft) throw error;
        const failed: ReportAction = {
          resourceId: job.resourceId,
          resourceType: job.resourceType,
          action: "rotate-key",
          status: "failed",
          reason: `the rotation failed: ${error instanceof Error ? error.message : String(error)}`,
          codes: ["RotationFailed"],
        };
        await recordFailure(ctx, job, failed, !apply);
        actions[index] = failed;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return actions;
}

/**
 * Moves every consumer of a key to its newest usable version now (or, without `apply`, shows what
 * would happen). The key id may name a version or not: either way only a newer, usable version is
 * ever a target.
 */
export async function remediateKey(
  keyId: string,
  ctx: ServiceContext,
  options: { apply: boolean },
): Promise<Report> {
  const key = keyRefFromUri(keyId);
  if (key === undefined) {
    throw new RemediationInputError(
      "keyId",
      `${keyId} is not a Key Vault key URI (https://{vault}/keys/{name}[/{version}])`,
    );
  }
  const correlationId = randomUUID();
  const jobs: RotateJob[] = [];
  const odd: ReportAction[] = [];
  for await (const page of ctx.port.findConsumers(key, ctx.scope)) {
    for (const c of consumerRows(page, odd))
      jobs.push(manualJob(c.id, c.type, key.keyId, correlationId, ctx.now()));
  }
  const writing = options.apply && !ctx.dryRun;
  return {
    dryRun: !options.apply,
    actions: [
      ...odd,
      ...(writing ? await runInWaves(key.keyId, jobs, ctx) : await runAll(jobs, ctx, options.apply)),
    ],
    errors: [],
  };
}

/**
 * A key's consumers moved in the configured waves, inline: each wave runs once the previous one
 * settled without a failed write. A failure (a write that failed or did not read back the new
 * version; a refusal by the proof is not one) leaves the later waves untouched, reported as planned
 * with `RolloutHalted`, and opens one ticket for the key; a write held by the budget or the kill
 * switch leaves them planned with its code. No pause is taken between waves here: the operator is
 * waiting for the answer (an HTTP request must answer within minutes).
 */
async function runInWaves(
  keyId: string,
  jobs: readonly RotateJob[],
  ctx: ServiceContext,
): Promise<ReportAction[]> {
  const actions: ReportAction[] = [];
  const waves = assignWaves(jobs, ctx.rollout.waves);
  for (const [index, wave] of waves.entries()) {
    const done = await runAll(wave, ctx, true, 8, true);
    actions.push(...done);
    const failed = done.filter((a) => memberOutcome(a) === "failed");
    const gated = done.find((a) => memberOutcome(a) === "gated");
    if (failed.length === 0 && gated === undefined) continue;
    const rest = waves.slice(index + 1).flat();
    if (rest.length === 0) break;
    const code =
      failed.length > 0
        ? "RolloutHalted"
        : (gated?.codes?.find((c) => c.startsWith("Write")) ?? "RolloutHalted");
    const why =
      failed.length > 0
        ? `not moved: a write of wave ${index + 1} of ${waves.length} failed (${failed.map((a) => a.resourceId).join(", ")})`
        : `not moved: ${gated?.reason ?? "a write was held"}`;
    const ticket =
      failed.length > 0 ? await haltTicket(keyId, index, waves.length, failed, rest.length, ctx) : undefined;
    for (const job of rest)
      actions.push({
        resourceId: job.resourceId,
        resourceType: job.resourceType,
        action: "rotate-key",
        status: "planned",
        reason: why,
        codes: [code],
        ...(ticket === undefined ? {} : { ticket }),
      });
    break;
  }
  return actions;
}

/** The one ticket of a manual key remediation whose wave failed. */
async function haltTicket(
  keyId: string,
  wave: number,
  waves: number,
  failed: readonly ReportAction[],
  notMoved: number,
  ctx: ServiceContext,
): Promise<string | undefined> {
  const resourceId = keyId.toLowerCase();
  const ticket = await ctx.ledger.requestTicket({
    resourceId,
    resourceType: rolloutResourceType,
    findingCode: "RolloutHalted",
    severity: "high",
    title: `Staged rollout of ${keyId} halted after wave ${wave + 1} of ${waves}`,
    body: [
      `A manual remediation was moving the consumers of ${keyId} in waves. A write of wave ${wave + 1} failed or did not read back the new version, so it stopped: ${notMoved} consumer(s) of later waves were not touched.`,
      "",
      "Writes that failed:",
      ...failed.map((a) => `- \`${a.resourceId}\` (${a.resourceType}): ${a.reason}`),
      "",
      `To finish: fix the cause (the resource's activity log), then run \`cmkr remediate ${keyId} --apply\` again.`,
    ].join("\n"),
  });
  if (ctx.tickets !== undefined) await dispatchTickets(ctx.ledger, ctx.tickets, { resourceId });
  return ticket.ticketUrl;
}

/**
 * Remediates one resource now, exactly as a write event would: the detection rules, the in-place
 * fixes the configuration allows, tickets for the rest, and for a key consumer a catch-up rotation
 * to the newest usable version of its key. Without `apply` nothing is written.
 */
export async function remediateResource(
  resourceId: string,
  ctx: ServiceContext,
  options: { apply: boolean },
): Promise<Report> {
  let parsed;
  try {
    parsed = parseResourceId(resourceId);
  } catch (error) {
    if (error instanceof ResourceIdError) throw new RemediationInputError("resourceId", error.message);
    throw error;
  }
  const resource = await ctx.port.readResource(parsed.id);
  if (resource === undefined) {
    return {
      dryRun: !options.apply,
      actions: [],
      errors: [{ input: resourceId, message: "the resource does not exist or cannot be read" }],
    };
  }
  const correlationId = randomUUID();
  const job: EvaluateJob = {
    v: 1,
    kind: "evaluate",
    jobId: randomUUID(),
    ...jobKeys.manualEvaluation(resource.id, correlationId),
    resourceId: resource.id,
    resourceType: resource.type,
    trigger: "Manual",
    eventId: `manual-${correlationId}`,
    correlationId,
    enqueuedAt: ctx.now().toISOString(),
  };
  return {
    dryRun: !options.apply,
    actions: await isolateArmFacts(
      job,
      () => evaluateJob(job, { ...ctx, dryRun: !options.apply }),
      (failed) => recordFailure(ctx, job, failed, !options.apply),
    ),
    errors: [],
  };
}

// A remediation that died without releasing its lock frees its target after this long.
const targetLeaseMs = 15 * 60 * 1000;

/**
 * Remediates one resource or every consumer of one key, unless another manual remediation of the
 * same target is running (then `busy`): two at once would race on the same writes.
 */
export async function remediateTargetExclusively(
  target: { resourceId: string } | { keyId: string },
  ctx: ServiceContext,
  options: { apply: boolean },
): Promise<Report | "busy"> {
  const lock = lockNames.manualTarget("resourceId" in target ? target.resourceId : target.keyId);
  if (!(await ctx.ledger.acquireLock(lock, targetLeaseMs))) return "busy";
  try {
    return "resourceId" in target
      ? await remediateResource(target.resourceId, ctx, options)
      : await remediateKey(target.keyId, ctx, options);
  } finally {
    await ctx.ledger.releaseLock(lock);
  }
}
