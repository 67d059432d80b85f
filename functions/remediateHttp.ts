import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { functionsRuntime } from "../src/azure/functionsRuntime.js";
import type { ServiceRuntime } from "../src/azure/serviceRuntime.js";
import { RemediationInputError, remediateKey, remediateResource } from "../src/engine/remediate.js";
import { parseRemediationRequest } from "../src/engine/remediationRequest.js";
import { resourceScopeVerdict } from "../src/engine/scopeGuard.js";
import { problem, readBody } from "./httpProblem.js";

const bodyLimit = 64 * 1024;
const lockGroup = "http-remediate";

/**
 * `POST /api/remediate`: remediate one resource or every consumer of one key now. Without
 * `"apply": true` it answers the plan. 400 names the bad field, 403 a target outside the configured
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

app.http("remediate", {
  methods: ["POST"],
  authLevel: "function",
  route: "remediate",
  handler: createRemediateHandler(functionsRuntime),
});
