import type { Actor } from "../../core/audit/actor.js";
import type { OperationStatus } from "../../core/decisions/operationStatus.js";
import { lockNames } from "../../core/jobs/jobKeys.js";
import type { Plan } from "../../core/plans/plan.js";
import type { OperationRecord } from "../../core/ports/operationStore.js";
import type { ServiceContext } from "../serviceContext.js";
import { sealPlan } from "./createPlan.js";

// A seal that died without releasing its lock frees the operation after this long.
const sealLeaseMs = 5 * 60 * 1000;

const subscriptionTarget = /^subscription:(.+)$/;

/**
 * The plan of a finished subscription-wide dry run: sealed from the planned actions of the
 * operation's report the first
 * time the finished operation is read, stored in the ledger and named on the operation, so
 * `POST /api/remediate {"planId"}` can apply exactly it. Answers the stored plan on later reads.
 * Undefined while the operation runs, when it failed (a partial report is no plan), for an apply
 * operation, or while another reader is sealing it.
 */
export async function sealOperationPlan(
  operation: OperationRecord,
  status: OperationStatus,
  ctx: Pick<ServiceContext, "port" | "now" | "ledger">,
  options: { ttlMs: number; actor?: Actor | undefined },
): Promise<Plan | undefined> {
  if (operation.planId !== undefined) return ctx.ledger.getPlan(operation.planId);
  const subscriptionId = subscriptionTarget.exec(operation.target)?.[1];
  if (!operation.dryRun || subscriptionId === undefined || status.status !== "succeeded") return undefined;
  const lock = lockNames.manualTarget(`operation:${operation.operationId}`);
  if (!(await ctx.ledger.acquireLock(lock, sealLeaseMs))) return undefined;
  try {
    // Another reader may have sealed it between our read and the lock.
    const current = await ctx.ledger.getOperation(operation.operationId);
    if (current?.planId !== undefined) return await ctx.ledger.getPlan(current.planId);
    const plan = await sealPlan(
      { kind: "subscription", subscriptionId, operationId: operation.operationId },
      // Only what an apply performs: each is read once more for its version, and a subscription's
      // other actions (nothing to do, tickets) stay in the operation's report.
      status.report.actions.filter((a) => a.status === "planned"),
      ctx,
      options,
    );
    await ctx.ledger.savePlan(plan);
    await ctx.ledger.updateOperation(operation.operationId, { planId: plan.planId });
    return plan;
  } finally {
    await ctx.ledger.releaseLock(lock);
  }
}
