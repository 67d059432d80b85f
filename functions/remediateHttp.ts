import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { functionsRuntime } from "../src/runtime/functionsRuntime.js";
import type { ServiceRuntime } from "../src/runtime/serviceRuntime.js";
import { remediateKey, remediateResource } from "../src/app/remediate.js";
import { RemediationInputError } from "../src/core/jobs/remediationInputError.js";
import { parseRemediationRequest } from "../src/core/jobs/remediationRequest.js";
import {
  manualRemediationLockGroup,
  startSubscriptionRemediation,
  subscriptionLockKey,
} from "../src/app/remediateSubscription.js";
import { inScope, resourceScopeVerdict } from "../src/core/decisions/scopeGuard.js";
import type { ServiceContext } from "../src/app/serviceContext.js";
import { problem, readBody } from "./httpProblem.js";

const bodyLimit = 64 * 1024;
const lockGroup = manualRemediationLockGroup;

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
    const lockKey =
      target.target === "resource" ? target.resourceId.toLowerCase() : target.keyId.toLowerCase();
    const lockOwner =
      target.target === "resource" ? target.resourceId : `/keys/${encodeURIComponent(target.keyId)}`;
    await ctx.ledger.claimJobs(lockGroup, [{ dedupeKey: lockKey, resourceId: lockOwner }]);
    const lock = await ctx.ledger.startJob(lockGroup, lockKey, lockOwner, 15 * 60 * 1000);
    if (lock !== "started") {
      return problem(
        409,
        "Remediation running",
        "another remediation of this target is running; try again when it ends",
      );
    }
    try {
      const apply = { apply: target.apply && !ctx.dryRun };
      const report =
        target.target === "resource"
          ? await remediateResource(target.resourceId, ctx, apply)
          : await remediateKey(target.keyId, ctx, apply);
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
    } finally {
      await ctx.ledger.finishJob(lockGroup, lockKey, "queued");
    }
  };
}

// A listing that died without releasing its lock frees the subscription after this long.
const subscriptionLeaseMs = 60 * 60 * 1000;

/** Records the operation, queues its listing job and answers 202 with where to poll. */
async function startSubscription(
  ctx: ServiceContext,
  subscriptionId: string,
  apply: boolean,
  requestUrl: string,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const lockKey = subscriptionLockKey(subscriptionId);
  const lockOwner = `/subscriptions/${subscriptionId}`;
  await ctx.ledger.claimJobs(manualRemediationLockGroup, [{ dedupeKey: lockKey, resourceId: lockOwner }]);
  const lock = await ctx.ledger.startJob(manualRemediationLockGroup, lockKey, lockOwner, subscriptionLeaseMs);
  if (lock !== "started") {
    return problem(
      409,
      "Remediation running",
      "a remediation of this subscription is still listing its resources; try again when it has queued them",
      "subscriptionId",
    );
  }
  let started;
  try {
    started = await startSubscriptionRemediation(
      subscriptionId,
      { dryRun: !(apply && !ctx.dryRun), now: ctx.now() },
      ctx.ledger,
    );
    await ctx.queue.enqueue([started.job]);
  } catch (error) {
    await ctx.ledger.finishJob(manualRemediationLockGroup, lockKey, "queued");
    throw error;
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

app.http("remediate", {
  methods: ["POST"],
  authLevel: "function",
  route: "remediate",
  handler: createRemediateHandler(functionsRuntime),
});
