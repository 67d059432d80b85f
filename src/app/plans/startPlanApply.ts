import { randomUUID } from "node:crypto";
import type { Actor } from "../../core/audit/actor.js";
import type { EvaluateJob } from "../../core/jobs/job.js";
import { jobKeys, lockNames } from "../../core/jobs/jobKeys.js";
import { planTargetName, type Plan } from "../../core/plans/plan.js";
import { readPlan } from "../../core/plans/readPlan.js";
import { operationGroup, type OperationRecord } from "../../core/ports/operationStore.js";
import type { ServiceContext } from "../serviceContext.js";
import { plannedByResource } from "./applyPlan.js";

// An apply whose start died without releasing its lock frees the subscription after this long.
const startLeaseMs = 15 * 60 * 1000;

/**
 * Starts applying a subscription plan as a manual operation: one job per resource with planned
 * actions, each carrying the plan id and the caller, claimed in the operation's group so
 * `GET /api/remediate/{operationId}` reports its progress and outcome. The worker applies each
 * resource's actions exactly as the plan holds them (see applyPlanJob). The plan is checked first
 * (schema, digest, expiry: a `PlanError`); `busy` while another apply of the same subscription is
 * being queued.
 */
export async function startPlanApply(
  stored: Plan,
  ctx: Pick<ServiceContext, "ledger" | "queue" | "now">,
  options: { actor: Actor },
): Promise<OperationRecord | "busy"> {
  const plan = readPlan(stored, ctx.now(), `plan ${stored.planId}`);
  const lock = lockNames.manualTarget(`apply:${planTargetName(plan.target)}`);
  if (!(await ctx.ledger.acquireLock(lock, startLeaseMs))) return "busy";
  try {
    const operationId = randomUUID();
    const claimGroup = operationGroup(operationId);
    const now = ctx.now().toISOString();
    const jobs: EvaluateJob[] = [...plannedByResource(plan).values()].flatMap(([first]) =>
      first === undefined
        ? []
        : [
            {
              v: 1,
              kind: "evaluate",
              jobId: randomUUID(),
              dedupeKey: jobKeys.manualEvaluation(first.resourceId, operationId).dedupeKey,
              claimGroup,
              resourceId: first.resourceId,
              resourceType: first.resourceType,
              trigger: "Manual",
              eventId: `apply-${operationId}`,
              correlationId: operationId,
              enqueuedAt: now,
              planId: plan.planId,
              actor: options.actor,
            },
          ],
    );
    const operation: OperationRecord = {
      operationId,
      target: `plan:${plan.planId}`,
      dryRun: false,
      // Nothing to list: the plan names every resource, so every job is queued below.
      listing: "listed",
      resourcesSeen: jobs.length,
      jobsQueued: jobs.length,
      planId: plan.planId,
      createdAt: now,
    };
    await ctx.ledger.createOperation(operation);
    await ctx.ledger.claimJobs(claimGroup, jobs);
    await ctx.queue.enqueue(jobs);
    return operation;
  } finally {
    await ctx.ledger.releaseLock(lock);
  }
}
