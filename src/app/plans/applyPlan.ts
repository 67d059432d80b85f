import { randomUUID } from "node:crypto";
import type { Actor } from "../../core/audit/actor.js";
import { jobKeys, lockNames } from "../../core/jobs/jobKeys.js";
import type { EvaluateJob, RotateJob } from "../../core/jobs/job.js";
import {
  plannedActions,
  planTargetName,
  resourceVersion,
  type Plan,
  type PlanAction,
} from "../../core/plans/plan.js";
import { planWriteGuard } from "../../core/plans/planGuard.js";
import { readPlan } from "../../core/plans/readPlan.js";
import type { Report, ReportAction } from "../../core/report/report.js";
import { isolateArmFacts } from "../armFactsFailure.js";
import { evaluateJob } from "../evaluateJob.js";
import { rotateConsumer } from "../rotateConsumer.js";
import type { ServiceContext } from "../serviceContext.js";
import { sealPlan } from "./createPlan.js";

/** Stable code of an action not applied because the facts its plan rests on changed. */
export const planStaleCode = "PlanStale";

/** What applying a plan did, and the new plan for the actions whose facts had changed. */
export interface AppliedPlan {
  planId: string;
  report: Report;
  /** Stored like any plan; present when some action was stale. Review it and apply it in turn. */
  replan?: Plan;
}

// An apply that died without releasing its lock frees its target after this long.
const targetLeaseMs = 15 * 60 * 1000;

/**
 * Applies exactly the plan: refuses one that is malformed, edited (digest) or expired; then, for each
 * resource with planned actions, reads it fresh and runs the normal proof and guarded write path
 * with a guard that lets through only the writes the plan holds, on the resource version the plan
 * read. An action whose facts changed (ETag or resource digest, current key, target key) is not
 * applied: it is reported with the code `PlanStale` and planned again, and the new plan is returned.
 * Answers `busy` while another remediation of the same target runs.
 */
export async function applyPlan(
  value: unknown,
  ctx: ServiceContext,
  options: { actor: Actor; ttlMs: number; source?: string },
): Promise<AppliedPlan | "busy"> {
  const plan = readPlan(value, ctx.now(), options.source);
  const lock = lockNames.manualTarget(planTargetName(plan.target));
  if (!(await ctx.ledger.acquireLock(lock, targetLeaseMs))) return "busy";
  try {
    return await applyLocked(plan, ctx, options);
  } finally {
    await ctx.ledger.releaseLock(lock);
  }
}

async function applyLocked(
  plan: Plan,
  ctx: ServiceContext,
  options: { actor: Actor; ttlMs: number },
): Promise<AppliedPlan> {
  const run: ServiceContext = {
    ...ctx,
    dryRun: false,
    audit: { actor: options.actor, planId: plan.planId },
  };
  const correlationId = randomUUID();
  const actions: ReportAction[] = [];
  const stale: PlanAction[] = [];
  for (const planned of plannedByResource(plan).values()) {
    const [first] = planned;
    if (first === undefined) continue;
    const done = await applyPlannedResource(plan, planned, run, () =>
      plan.target.kind === "key"
        ? rotateConsumer(rotateJob(first, plan.target.keyId, correlationId, ctx.now()), {
            ...run,
            writeGuard: planWriteGuard(plan),
          }).then((a) => [a])
        : evaluateJob(evaluateJobFor(first, correlationId, ctx.now()), {
            ...run,
            writeGuard: planWriteGuard(plan),
          }),
    );
    actions.push(...done.actions);
    if (done.stale) stale.push(first);
  }
  const report: Report = { dryRun: false, actions, errors: [] };
  if (stale.length === 0) return { planId: plan.planId, report };
  const replan = await replanResources(plan, stale, ctx, options);
  return { planId: plan.planId, report, replan };
}

/** A plan's planned actions by resource (ids compared case-insensitively), in plan order. */
export function plannedByResource(plan: Plan): Map<string, PlanAction[]> {
  const byResource = new Map<string, PlanAction[]>();
  for (const action of plannedActions(plan)) {
    const id = action.resourceId.toLowerCase();
    byResource.set(id, [...(byResource.get(id) ?? []), action]);
  }
  return byResource;
}

/**
 * Applies a plan's actions on one resource: reads it fresh and, when it is still at the version the
 * plan read, runs `write` (the normal proof and guarded write, with the plan's write guard); otherwise
 * writes nothing and records each action `skipped` with `PlanStale`. `ctx` carries the audit (actor,
 * plan id) of the apply. `stale` tells the caller to plan the resource again.
 */
export async function applyPlannedResource(
  plan: Plan,
  planned: readonly PlanAction[],
  ctx: {
    port: Pick<ServiceContext["port"], "readVersioned">;
    ledger: Pick<ServiceContext["ledger"], "recordAction">;
    audit?: ServiceContext["audit"];
  },
  write: () => Promise<ReportAction[]>,
  correlationId: string = randomUUID(),
): Promise<{ actions: ReportAction[]; stale: boolean }> {
  const [first] = planned;
  if (first === undefined) return { actions: [], stale: false };
  const fresh = await ctx.port.readVersioned(first.resourceId);
  const now = fresh === undefined ? undefined : resourceVersion(fresh);
  if (first.version === undefined || now !== first.version) {
    const reason = `plan stale: ${
      fresh === undefined
        ? "the resource no longer exists or cannot be read"
        : `the resource changed since plan ${plan.planId} read it`
    }; nothing written`;
    const actions: ReportAction[] = [];
    for (const a of planned) {
      const action: ReportAction = {
        resourceId: a.resourceId,
        resourceType: a.resourceType,
        action: a.action,
        status: "skipped",
        ...(a.from === undefined ? {} : { from: a.from }),
        ...(a.to === undefined ? {} : { to: a.to }),
        reason,
        codes: [planStaleCode],
      };
      await ctx.ledger.recordAction({
        ...action,
        dryRun: false,
        correlationId,
        ...(ctx.audit?.actor === undefined ? {} : { actor: ctx.audit.actor }),
        planId: plan.planId,
      });
      actions.push(action);
    }
    return { actions, stale: true };
  }
  const done = await isolateArmFacts(first, write);
  return { actions: done, stale: done.some((a) => a.codes?.includes(planStaleCode) === true) };
}

/** Plans the stale resources again (a dry run of each, as the original plan ran it) and stores the plan. */
async function replanResources(
  plan: Plan,
  stale: readonly PlanAction[],
  ctx: ServiceContext,
  options: { actor: Actor; ttlMs: number },
): Promise<Plan> {
  const correlationId = randomUUID();
  const dry: ServiceContext = { ...ctx, dryRun: true, audit: { actor: options.actor } };
  const actions: ReportAction[] = [];
  for (const a of stale) {
    actions.push(
      ...(await isolateArmFacts(a, () =>
        plan.target.kind === "key"
          ? rotateConsumer(rotateJob(a, plan.target.keyId, correlationId, ctx.now()), dry).then((r) => [r])
          : evaluateJob(evaluateJobFor(a, correlationId, ctx.now()), dry),
      )),
    );
  }
  const replan = await sealPlan(plan.target, actions, ctx, options);
  await ctx.ledger.savePlan(replan);
  return replan;
}

function rotateJob(a: PlanAction, keyId: string, correlationId: string, now: Date): RotateJob {
  return {
    v: 1,
    kind: "rotate",
    jobId: randomUUID(),
    ...jobKeys.manualRotation(a.resourceId, keyId, correlationId),
    resourceId: a.resourceId,
    resourceType: a.resourceType,
    keyId,
    trigger: "Manual",
    eventId: `plan-${correlationId}`,
    correlationId,
    enqueuedAt: now.toISOString(),
  };
}

function evaluateJobFor(a: PlanAction, correlationId: string, now: Date): EvaluateJob {
  return {
    v: 1,
    kind: "evaluate",
    jobId: randomUUID(),
    ...jobKeys.manualEvaluation(a.resourceId, correlationId),
    resourceId: a.resourceId,
    resourceType: a.resourceType,
    trigger: "Manual",
    eventId: `plan-${correlationId}`,
    correlationId,
    enqueuedAt: now.toISOString(),
  };
}
