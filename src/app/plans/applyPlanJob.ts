import { actorForJob } from "../../core/audit/actor.js";
import type { EvaluateJob } from "../../core/jobs/job.js";
import { PlanError } from "../../core/plans/planErrors.js";
import { planWriteGuard } from "../../core/plans/planGuard.js";
import { readPlan } from "../../core/plans/readPlan.js";
import type { Ledger } from "../../core/ports/ledger.js";
import type { ReportAction } from "../../core/report/report.js";
import { evaluateJob, type EvaluationDeps } from "../evaluateJob.js";
import { applyPlannedResource, plannedByResource, planStaleCode } from "./applyPlan.js";

/**
 * One resource of a subscription plan's apply operation: the stored plan is read and checked again
 * (it may have expired while the job waited in the queue), then the resource's planned actions are
 * applied exactly as {@link applyPlannedResource} does for a plan applied at once: only on the
 * resource version the plan read, and only the writes the plan holds. A plan that is gone, edited or
 * expired writes nothing: the resource's action says why (`PlanStale`, with the plan error's code).
 */
export async function applyPlanJob(
  job: EvaluateJob & { planId: string },
  deps: EvaluationDeps & { ledger: Pick<Ledger, "getPlan"> },
): Promise<ReportAction[]> {
  const actor = job.actor ?? actorForJob(job);
  const refused = (code: string, reason: string): ReportAction[] => [
    {
      resourceId: job.resourceId,
      resourceType: job.resourceType,
      action: "none",
      status: "skipped",
      reason: `plan ${job.planId} not applied: ${reason}; nothing written`,
      codes: [planStaleCode, code],
    },
  ];
  const stored = await deps.ledger.getPlan(job.planId);
  if (stored === undefined) return refused("PlanNotFound", "the plan is no longer stored");
  let plan;
  try {
    plan = readPlan(stored, deps.now(), `plan ${job.planId}`);
  } catch (error) {
    if (error instanceof PlanError) return refused(error.code, error.message);
    throw error;
  }
  const planned = plannedByResource(plan).get(job.resourceId.toLowerCase());
  if (planned === undefined) return refused("PlanInvalid", "the plan holds no action for this resource");
  // The service's own dry-run setting still holds: turned on since the apply started, it plans only.
  const run = { ...deps, audit: { actor, planId: plan.planId } };
  const done = await applyPlannedResource(
    plan,
    planned,
    run,
    () => evaluateJob(job, { ...run, writeGuard: planWriteGuard(plan) }),
    job.correlationId,
  );
  return done.actions;
}
