import { randomUUID } from "node:crypto";
import type { Actor } from "../../core/audit/actor.js";
import {
  planDigest,
  resourceVersion,
  type Plan,
  type PlanAction,
  type PlanTarget,
} from "../../core/plans/plan.js";
import type { Report, ReportAction } from "../../core/report/report.js";
import { remediateKey, remediateResource } from "../remediate.js";
import type { ServiceContext } from "../serviceContext.js";
import { lockNames } from "../../core/jobs/jobKeys.js";

/**
 * A target planned within one call; a subscription is planned by its manual operation instead
 * (see sealOperationPlan).
 */
export type DirectPlanTarget = Exclude<PlanTarget, { kind: "subscription" }>;

/** A plan and the dry-run report it was made from. */
export interface PlannedRemediation {
  plan: Plan;
  report: Report;
}

/**
 * Seals a dry run's actions into a plan: each action with the version of its resource read fresh
 * after the dry run (its ETag, else a digest of the resource). A resource changed between the dry
 * run's read and this one is caught when the plan is applied: the write path decides again on a
 * fresh read and the guard compares the key it moves from with the plan's.
 */
export async function sealPlan(
  target: PlanTarget,
  actions: readonly ReportAction[],
  ctx: Pick<ServiceContext, "port" | "now">,
  options: { ttlMs: number; actor?: Actor | undefined },
): Promise<Plan> {
  const versions = new Map<string, string | undefined>();
  for (const id of new Set(actions.map((a) => a.resourceId.toLowerCase()))) {
    const read = await ctx.port.readVersioned(id);
    versions.set(id, read === undefined ? undefined : resourceVersion(read));
  }
  const now = ctx.now();
  const planActions: PlanAction[] = actions.map((a) => {
    const version = versions.get(a.resourceId.toLowerCase());
    return {
      resourceId: a.resourceId,
      resourceType: a.resourceType,
      action: a.action,
      status: a.status,
      ...(version === undefined ? {} : { version }),
      ...(a.from === undefined ? {} : { from: a.from }),
      ...(a.to === undefined ? {} : { to: a.to }),
      codes: [...(a.codes ?? [])],
      reason: a.reason,
    };
  });
  const unsealed = {
    v: 1 as const,
    planId: randomUUID(),
    target,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + options.ttlMs).toISOString(),
    ...(options.actor === undefined ? {} : { createdBy: options.actor }),
    actions: planActions,
  };
  return { ...unsealed, digest: planDigest(unsealed) };
}

/**
 * A dry run of one resource or every consumer of one key, sealed into a plan and stored in the
 * ledger (where `POST /api/remediate` with its `planId` finds it). Nothing is written to Azure.
 */
export async function createPlan(
  target: DirectPlanTarget,
  ctx: ServiceContext,
  options: { ttlMs: number; actor?: Actor | undefined },
): Promise<PlannedRemediation> {
  const run: ServiceContext = {
    ...ctx,
    ...(options.actor === undefined ? {} : { audit: { actor: options.actor } }),
  };
  const report =
    target.kind === "resource"
      ? await remediateResource(target.resourceId, run, { apply: false })
      : await remediateKey(target.keyId, run, { apply: false });
  const plan = await sealPlan(target, report.actions, ctx, options);
  await ctx.ledger.savePlan(plan);
  return { plan, report };
}

// A plan that died without releasing its lock frees its target after this long.
const targetLeaseMs = 15 * 60 * 1000;

/**
 * {@link createPlan}, unless another manual remediation of the same target is running (`busy`): a
 * plan read while another run writes would be stale at once.
 */
export async function createPlanExclusively(
  target: DirectPlanTarget,
  ctx: ServiceContext,
  options: { ttlMs: number; actor?: Actor | undefined },
): Promise<PlannedRemediation | "busy"> {
  const lock = lockNames.manualTarget(target.kind === "resource" ? target.resourceId : target.keyId);
  if (!(await ctx.ledger.acquireLock(lock, targetLeaseMs))) return "busy";
  try {
    return await createPlan(target, ctx, options);
  } finally {
    await ctx.ledger.releaseLock(lock);
  }
}
