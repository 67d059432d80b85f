import { jobKeys } from "../core/jobs/jobKeys.js";
import { randomUUID } from "node:crypto";
import type {
  ResourceDeleteEvent,
  ResourceNotificationEvent,
  ResourceWriteEvent,
} from "../core/events/domainEvents.js";
import { triageEvent } from "../core/findings/triage.js";
import { evaluateJob } from "./evaluateJob.js";
import type { EvaluateJob } from "../core/jobs/job.js";
import type { Report } from "../core/report/report.js";
import { resourceScopeVerdict } from "../core/decisions/scopeGuard.js";
import type { ServiceContext } from "./serviceContext.js";
import { isolateArmFacts } from "./armFactsFailure.js";

/**
 * Plans one ARM write, delete or resource-notification event. Triage happens before any I/O
 * (out-of-scope types and operations, deployment duplicates, failed writes and the service's own
 * writes are skipped with their reason); a resource outside the configured scope (subscriptions and
 * management groups) is then dropped with its reason, so no delivery can make the service act
 * outside it; a write becomes one evaluation job, deduplicated by event and resource; a delete
 * resolves the resource's tickets at once, or, for a type whose module asks for it (Machine
 * Learning workspaces), once a fresh ARM read answers that the resource is gone.
 */
export async function planResourceEvent(
  event: ResourceWriteEvent | ResourceDeleteEvent | ResourceNotificationEvent,
  ctx: ServiceContext,
  options: { preview: boolean; correlationId?: string },
): Promise<Report> {
  const dryRun = options.preview || ctx.dryRun;
  const decision = triageEvent(event, {
    servicePrincipalId: ctx.self.servicePrincipalId,
    serviceAppId: ctx.self.serviceAppId,
    excludedIdPatterns: ctx.detection.excludedIdPatterns,
  });
  const resourceId = "resourceId" in event ? event.resourceId : "";
  if (decision.kind === "skip") {
    return {
      dryRun,
      actions: [
        {
          resourceId,
          resourceType: "",
          action: "none",
          status: "skipped",
          reason: decision.reason,
          codes: [decision.code],
        },
      ],
      errors: [],
    };
  }
  const verdict = resourceScopeVerdict(decision.resourceId, await ctx.resolveScope());
  if (!verdict.inScope) {
    return {
      dryRun,
      actions: [
        {
          resourceId: decision.resourceId,
          resourceType: decision.resourceType,
          action: "none",
          status: "skipped",
          reason: verdict.reason,
          codes: [verdict.code],
        },
      ],
      errors: [],
    };
  }
  // A delete event alone never resolves a ticket: it may be late, of an earlier incarnation of the
  // resource. The worker reads ARM and resolves only when the resource is gone (404).
  const isDelete = decision.kind === "resolve";
  const correlationId = options.correlationId ?? event.eventId;
  const job: EvaluateJob = {
    v: 1,
    kind: "evaluate",
    jobId: randomUUID(),
    ...jobKeys.resourceEvent(event.eventId, decision.resourceId, dryRun),
    resourceId: decision.resourceId,
    resourceType: decision.resourceType,
    ...(decision.kind === "evaluate" && decision.inline !== undefined ? { inline: decision.inline } : {}),
    trigger: isDelete
      ? "ResourceDelete"
      : event.kind === "ResourceWriteSuccess"
        ? "ResourceWrite"
        : "ResourceNotification",
    eventId: event.eventId,
    correlationId,
    enqueuedAt: ctx.now().toISOString(),
  };
  if (options.preview) {
    return {
      dryRun: true,
      actions: await isolateArmFacts(job, () => evaluateJob(job, { ...ctx, dryRun: true })),
      errors: [],
    };
  }
  const claimed = await ctx.ledger.claimJobs(job.claimGroup, [job]);
  if (!claimed.has(job.dedupeKey)) {
    return {
      dryRun,
      actions: [
        {
          resourceId: job.resourceId,
          resourceType: job.resourceType,
          action: "none",
          status: "skipped",
          reason: "this event was handled before (duplicate delivery)",
        },
      ],
      errors: [],
    };
  }
  await ctx.queue.enqueue([job]);
  return {
    dryRun,
    actions: [
      {
        resourceId: job.resourceId,
        resourceType: job.resourceType,
        action: "none",
        status: "planned",
        reason: isDelete
          ? `queued: confirm the deletion (${event.kind}) with a fresh read`
          : `queued: evaluate after ${event.kind}`,
      },
    ],
    errors: [],
  };
}
