import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { ServiceRuntime } from "../serviceRuntime.js";
import { operationStatus } from "../../core/decisions/operationStatus.js";
import { operationGroup } from "../../core/ports/operationStore.js";
import { problem } from "./httpProblem.js";
import { readRole } from "../../core/auth/clientPrincipal.js";
import { httpActor, requireRole } from "./requireRole.js";
import { sealOperationPlan } from "../../app/plans/sealOperationPlan.js";

const operationIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `GET /api/remediate/{operationId}`: progress of a subscription-wide remediation and, once it has
 * finished, its report; a finished dry run also answers its `plan` (id, digest, expiry: sealed on the
 * first read, see sealOperationPlan), and an apply operation the `planId` it applies. Needs a Microsoft Entra ID caller with the app role `Remediation.Read`
 * (401/403 otherwise). 400 for an id that is not one this service issues, 404 for an unknown one.
 */
export function createRemediationStatusHandler(runtime: () => Promise<ServiceRuntime>) {
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    const auth = requireRole(request, readRole);
    if ("refused" in auth) return auth.refused;
    const operationId = request.params.operationId ?? "";
    if (!operationIdPattern.test(operationId)) {
      return problem(
        400,
        "Invalid operation id",
        "operationId: expected the GUID a 202 answer gave",
        "operationId",
      );
    }
    const { ctx, config } = await runtime();
    const operation = await ctx.ledger.getOperation(operationId);
    if (operation === undefined) {
      return problem(404, "Not found", `no remediation operation ${operationId}`, "operationId");
    }
    const status = operationStatus(operation, await ctx.ledger.listJobs(operationGroup(operationId)));
    // A finished subscription dry run answers its plan: what `{"planId"}` applies, exactly.
    const plan = await sealOperationPlan(operation, status, ctx, {
      ttlMs: config.CMKR_PLAN_TTL_MINUTES * 60_000,
      actor: httpActor(auth.principal),
    });
    const planned =
      plan !== undefined && operation.dryRun
        ? { plan: { planId: plan.planId, digest: plan.digest, expiresAt: plan.expiresAt } }
        : {};
    const applying = !operation.dryRun && operation.planId !== undefined ? { planId: operation.planId } : {};
    return {
      status: 200,
      jsonBody: { ...status, ...planned, ...applying },
      // Clients poll while it runs (RFC 9110 Retry-After in seconds).
      ...(status.status === "running" ? { headers: { "retry-after": "10" } } : {}),
    };
  };
}
