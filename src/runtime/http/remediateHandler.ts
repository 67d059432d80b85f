import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { ServiceRuntime } from "../serviceRuntime.js";
import { remediateTargetExclusively } from "../../app/remediate.js";
import { RemediationInputError } from "../../core/jobs/remediationInputError.js";
import { parseRemediationRequest } from "../../core/jobs/remediationRequest.js";
import { startSubscriptionRemediation } from "../../app/remediateSubscription.js";
import { inScope, resourceScopeVerdict } from "../../core/decisions/scopeGuard.js";
import type { ServiceContext } from "../../app/serviceContext.js";
import { problem, readBody } from "./httpProblem.js";

const bodyLimit = 64 * 1024;

/**
 * `POST /api/remediate`: remediate one resource or every consumer of one key now, or a whole
 * subscription through the queue (202 with an operation id to poll at
 * `GET /api/remediate/{operationId}`). Without `"apply": true` it answers (or queues) the plan. 400 names the bad field, 403 a target outside the configured
 * scope, 404 a missing resource, 409 while another remediation of the same resource runs, 413 an
 * oversized body.
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
    let target;
    try {
      target = parseRemediationRequest(body);
    } catch (error) {
      if (error instanceof RemediationInputError)
        return problem(400, "Invalid request", error.message, error.field);
      throw error;
    }
    const { ctx } = await runtime();
    if (target.target === "subscription") {
      if (!inScope(target.subscriptionId, await ctx.resolveScope())) {
        return problem(
          403,
          "Out of scope",
          `subscriptionId: subscription ${target.subscriptionId} is outside the configured scope`,
          "subscriptionId",
        );
      }
      return startSubscription(ctx, target.subscriptionId, target.apply, request.url, context);
    }
    // A key's consumers are found by a Resource Graph query within the scope; a resource is checked here.
    if (target.target === "resource") {
      const verdict = resourceScopeVerdict(target.resourceId, await ctx.resolveScope());
      if (!verdict.inScope)
        return problem(403, "Out of scope", `resourceId: ${verdict.reason}`, "resourceId");
    }
    const report = await remediateTargetExclusively(
      target.target === "resource" ? { resourceId: target.resourceId } : { keyId: target.keyId },
      ctx,
      { apply: target.apply && !ctx.dryRun },
    );
    if (report === "busy") {
      return problem(
        409,
        "Remediation running",
        "another remediation of this target is running; try again when it ends",
      );
    }
    if (target.target === "resource" && report.actions.length === 0 && report.errors.length > 0) {
      return problem(
        404,
        "Not found",
        report.errors[0]?.message ?? "the resource does not exist",
        "resourceId",
      );
    }
    context.log(JSON.stringify(report));
    return { status: 200, jsonBody: report };
  };
}

/** Records the operation, queues its listing job and answers 202 with where to poll. */
async function startSubscription(
  ctx: ServiceContext,
  subscriptionId: string,
  apply: boolean,
  requestUrl: string,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const started = await startSubscriptionRemediation(
    subscriptionId,
    { dryRun: !(apply && !ctx.dryRun), now: ctx.now() },
    ctx,
  );
  if (started === "busy") {
    return problem(
      409,
      "Remediation running",
      "a remediation of this subscription is still listing its resources; try again when it has queued them",
      "subscriptionId",
    );
  }
  const { operationId } = started.operation;
  const location = new URL(`/api/remediate/${operationId}`, requestUrl).pathname;
  context.log(`remediation ${operationId} of subscription ${subscriptionId} queued`);
  return {
    status: 202,
    headers: { location, "retry-after": "10" },
    jsonBody: { operationId, status: "running", statusUrl: location, dryRun: started.operation.dryRun },
  };
}
