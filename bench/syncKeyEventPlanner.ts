import { consumerRows, keyEventJob, withinScope, type PlannerDeps } from "../src/app/planKeyEvent.js";
import type { KeyVaultKeyEvent } from "../src/core/events/domainEvents.js";
import type { Report, ReportAction } from "../src/core/report/report.js";
import type { RotationPort } from "../src/core/ports/rotationPort.js";

/**
 * The key-event planner as it was before the background fan-out (issue 17), kept as the benches'
 * baseline: every consumer found, claimed and queued (one message each) inside the event's answer.
 */
export async function planKeyEventSynchronously(
  event: KeyVaultKeyEvent,
  deps: PlannerDeps & { port: Pick<RotationPort, "findConsumers"> },
): Promise<Report> {
  const correlationId = deps.correlationId ?? event.eventId;
  const actions: ReportAction[] = [];
  const scope = await deps.resolveScope();
  for await (const found of deps.port.findConsumers(
    { vaultUrl: event.vaultUrl, keyName: event.keyName },
    deps.scope,
  )) {
    const page = withinScope(consumerRows(found, actions), scope, actions);
    const planned = page.map((consumer) =>
      keyEventJob(event, consumer, correlationId, deps.now(), deps.dryRun),
    );
    const group = planned[0]?.claimGroup;
    const claimed = group === undefined ? new Set<string>() : await deps.ledger.claimJobs(group, planned);
    const jobs = planned.filter((job) => claimed.has(job.dedupeKey));
    for (const job of planned) {
      const isNew = claimed.has(job.dedupeKey);
      actions.push({
        resourceId: job.resourceId,
        resourceType: job.resourceType,
        action: isNew ? "rotate-key" : "none",
        status: isNew ? "planned" : "skipped",
        reason: isNew
          ? `queued: ${event.kind} for ${event.keyId}`
          : `a job for this resource and ${event.keyId} was queued before (duplicate event)`,
      });
    }
    await deps.queue.enqueue(jobs);
  }
  return { dryRun: deps.dryRun, actions, errors: [] };
}
