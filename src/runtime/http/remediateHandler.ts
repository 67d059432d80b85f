import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { ServiceRuntime } from "../serviceRuntime.js";
import { remediateTargetExclusively } from "../../app/remediate.js";
import { RemediationInputError } from "../../core/jobs/remediationInputError.js";
import { parseRemediationRequest, type RemediationRequest } from "../../core/jobs/remediationRequest.js";
import { startSubscriptionRemediation } from "../../app/remediateSubscription.js";
import { inScope, resourceScopeVerdict } from "../../core/decisions/scopeGuard.js";
import type { ServiceContext } from "../../app/serviceContext.js";
import { applyRole, readRole } from "../../core/auth/clientPrincipal.js";
import type { Actor } from "../../core/audit/actor.js";
import { createPlanExclusively } from "../../app/plans/createPlan.js";
import { applyPlan } from "../../app/plans/applyPlan.js";
import { startPlanApply } from "../../app/plans/startPlanApply.js";
import { PlanError } from "../../core/plans/planErrors.js";
import { plannedActions } from "../../core/plans/plan.js";
import { problem, readBody } from "./httpProblem.js";
import { httpActor, requireRole } from "./requireRole.js";

const bodyLimit = 64 * 1024;

/**
 * `POST /api/remediate`: plan, or apply, the remediation of one resource, every consumer of one key,
 * or a whole subscription. Every call needs a Microsoft Entra ID caller (App Service authentication's
 * `X-MS-CLIENT-PRINCIPAL`): 401 without one, 403 without the app role the call needs.
 * - `{resourceId | keyId}` (dry run, role `Remediation.Read`): the report and the stored plan.
 * - `{planId}` (role `Remediation.Apply`): applies exactly that plan (see applyPlan); 404 unknown,
 *   400 edited, 410 expired, 409 while the service runs in dry-run mode. A subscription plan is
 *   applied through the queue: 202 with the apply operation to poll.
 * - `{resourceId, apply: true}` (role `Remediation.Apply`): one resource without a plan.
 * - `{keyId | subscriptionId, apply: true}` without a plan: 400 `PlanRequired`.
 * - `{subscriptionId}` (dry run, role `Remediation.Read`): queued, 202 with an operation id to poll at
 *   `GET /api/remediate/{operationId}`, whose answer carries the plan once the dry run finished.
 * Also 400 for a bad field (named), 403 outside the configured scope, 404 a missing resource, 409
 * while another remediation of the same target runs, 413 an oversized body. The caller's object id
 * and app id are recorded with every action it causes.
 */
export function createRemediateHandler(runtime: () => Promise<ServiceRuntime>) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const text = await readBody(request, bodyLimit);
    if (text === undefined)
      return problem(413, "Body too large", `the body is larger than ${bodyLimit} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return problem(400, "Malformed body", "the body is not valid JSON", "body");
    }
    let target: RemediationRequest;
    try {
      target = parseRemediationRequest(body);
    } catch (error) {
      if (error instanceof RemediationInputError)
        return problem(400, "Invalid request", error.message, error.field);
      throw error;
    }
    const auth = requireRole(request, target.apply ? applyRole : readRole);
    if ("refused" in auth) return auth.refused;
    const actor = httpActor(auth.principal);
    if (target.apply && target.target === "subscription") return planRequired("subscription-wide");
    const { ctx, config } = await runtime();
    const ttlMs = config.CMKR_PLAN_TTL_MINUTES * 60_000;
    if (target.target === "plan")
      return applyStoredPlan(ctx, target.planId, actor, ttlMs, request.url, context);
    if (target.target === "subscription") {
      if (!inScope(target.subscriptionId, await ctx.resolveScope())) {
        return problem(
          403,
          "Out of scope",
          `subscriptionId: subscription ${target.subscriptionId} is outside the configured scope`,
          "subscriptionId",
        );
      }
      return startSubscription(ctx, target.subscriptionId, request.url, context);
    }
    // A key's consumers are found by a Resource Graph query within the scope; a resource is checked here.
    if (target.target === "resource") {
      const verdict = resourceScopeVerdict(target.resourceId, await ctx.resolveScope());
      if (!verdict.inScope)
        return problem(403, "Out of scope", `resourceId: ${verdict.reason}`, "resourceId");
    }
    const run: ServiceContext = { ...ctx, audit: { actor } };
    if (!target.apply) {
      const planned = await createPlanExclusively(
        target.target === "resource"
          ? { kind: "resource", resourceId: target.resourceId }
          : { kind: "key", keyId: target.keyId },
        run,
        { ttlMs, actor },
      );
      if (planned === "busy") return busy();
      if (
        target.target === "resource" &&
        planned.report.actions.length === 0 &&
        planned.report.errors.length > 0
      )
        return notFound(planned.report.errors[0]?.message);
      context.log(JSON.stringify({ ...planned.report, planId: planned.plan.planId }));
      return { status: 200, jsonBody: { ...planned.report, plan: planned.plan } };
    }
    if (target.target === "key") return planRequired("key-wide");
    const report = await remediateTargetExclusively({ resourceId: target.resourceId }, run, {
      apply: !ctx.dryRun,
    });
    if (report === "busy") return busy();
    if (report.actions.length === 0 && report.errors.length > 0) return notFound(report.errors[0]?.message);
    context.log(JSON.stringify(report));
    return { status: 200, jsonBody: report };
  };
}

function planRequired(what: string): HttpResponseInit {
  return problem(
    400,
    "Plan required",
    `PlanRequired: a ${what} apply needs a plan: send the request without apply, review the plan it answers (a subscription answers it in the operation's status once finished), then send {"planId": "..."}`,
    "planId",
  );
}

function busy(): HttpResponseInit {
  return problem(
    409,
    "Remediation running",
    "another remediation of this target is running; try again when it ends",
  );
}

function notFound(message: string | undefined): HttpResponseInit {
  return problem(404, "Not found", message ?? "the resource does not exist", "resourceId");
}

/** Applies a stored plan for an authenticated caller with the apply role. */
async function applyStoredPlan(
  ctx: ServiceContext,
  planId: string,
  actor: Actor,
  ttlMs: number,
  requestUrl: string,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  if (ctx.dryRun) {
    return problem(
      409,
      "Dry-run mode",
      "the service runs with CMKR_DRY_RUN=true and writes nothing; the plan was not applied",
      "planId",
    );
  }
  const stored = await ctx.ledger.getPlan(planId);
  if (stored === undefined) return problem(404, "Not found", `PlanNotFound: no plan ${planId}`, "planId");
  const refusal = (error: PlanError): HttpResponseInit =>
    problem(
      error.code === "PlanExpired" ? 410 : 400,
      error.code === "PlanExpired" ? "Plan expired" : "Plan refused",
      `${error.code}: ${error.message}`,
      "planId",
    );
  // The scope may have narrowed since the plan was made: nothing outside it is written.
  const scope = await ctx.resolveScope();
  const outside = plannedActions(stored).find((a) => !resourceScopeVerdict(a.resourceId, scope).inScope);
  if (outside !== undefined) {
    return problem(
      403,
      "Out of scope",
      `planId: ${outside.resourceId} is outside the configured scope`,
      "planId",
    );
  }
  if (stored.target.kind === "subscription") {
    let started;
    try {
      started = await startPlanApply(stored, ctx, { actor });
    } catch (error) {
      if (error instanceof PlanError) return refusal(error);
      throw error;
    }
    if (started === "busy") return busy();
    return accepted(started.operationId, requestUrl, false, context, `applying plan ${planId}`);
  }
  let result;
  try {
    result = await applyPlan(stored, ctx, { actor, ttlMs, source: `plan ${planId}` });
  } catch (error) {
    if (error instanceof PlanError) return refusal(error);
    throw error;
  }
  if (result === "busy") return busy();
  context.log(JSON.stringify({ ...result.report, planId }));
  return {
    status: 200,
    jsonBody: { ...result.report, planId, ...(result.replan === undefined ? {} : { replan: result.replan }) },
  };
}

/** Records the operation, queues its (dry-run) listing job and answers 202 with where to poll. */
async function startSubscription(
  ctx: ServiceContext,
  subscriptionId: string,
  requestUrl: string,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const started = await startSubscriptionRemediation(subscriptionId, { dryRun: true, now: ctx.now() }, ctx);
  if (started === "busy") {
    return problem(
      409,
      "Remediation running",
      "a remediation of this subscription is still listing its resources; try again when it has queued them",
      "subscriptionId",
    );
  }
  return accepted(
    started.operation.operationId,
    requestUrl,
    started.operation.dryRun,
    context,
    `remediation of subscription ${subscriptionId}`,
  );
}

/** 202 for a queued manual operation, with where to poll it. */
function accepted(
  operationId: string,
  requestUrl: string,
  dryRun: boolean,
  context: InvocationContext,
  what: string,
): HttpResponseInit {
  const location = new URL(`/api/remediate/${operationId}`, requestUrl).pathname;
  context.log(`${what} queued as operation ${operationId}`);
  return {
    status: 202,
    headers: { location, "retry-after": "10" },
    jsonBody: { operationId, status: "running", statusUrl: location, dryRun },
  };
}
