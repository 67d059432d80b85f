import type { PlanKeyEventJob } from "../core/jobs/job.js";
import type { Ledger } from "../core/ports/ledger.js";
import type { ReportAction } from "../core/report/report.js";
import type { TicketSink } from "../core/tickets/ticketSink.js";
import { fanOutClaim } from "./keyEventFanOut.js";
import { dispatchTickets } from "./tickets/dispatchTickets.js";

/**
 * A plan page of a key event's fan-out that exhausted its retries (its own claim is already
 * failed): the event's fan-out record is marked failed too, so the next delivery of the event plans
 * it again, and a ticket asks a person to look, since the consumers of the rest of the key's pages
 * were never queued.
 */
export async function handlePoisonPlanPage(
  job: PlanKeyEventJob,
  deps: {
    ledger: Pick<Ledger, "finishJob" | "requestTicket" | "recordAction" | "pendingTickets" | "markTicket">;
    dryRun: boolean;
    tickets?: TicketSink | undefined;
  },
  lastError?: string,
): Promise<ReportAction> {
  const fanOut = fanOutClaim(job);
  if (job.page > 1) await deps.ledger.finishJob(fanOut.claimGroup, fanOut.dedupeKey, "failed");
  const ticket = await deps.ledger.requestTicket({
    resourceId: job.resourceId,
    resourceType: job.resourceType,
    findingCode: "RotationFailed",
    severity: "high",
    title: `Planning the rotation to ${job.keyId} failed repeatedly`,
    body: [
      `The service could not list page ${job.page} of the consumers of ${job.keyId} (${job.trigger}).`,
      "Consumers on that page and after it were not queued and are still on their previous key version.",
      "",
      lastError === undefined ? "" : `Last error: ${lastError}`,
      "",
      "Fix the cause (Resource Graph access, throttling), then deliver the key event again or run a manual remediation of the key.",
    ].join("\n"),
    eventId: job.eventId,
    correlationId: job.correlationId,
  });
  const action: ReportAction = {
    resourceId: job.resourceId,
    resourceType: job.resourceType,
    action: "rotate-key",
    status: "failed",
    to: job.keyId,
    reason: `planning page ${job.page} of the key's consumers gave up after repeated failures${lastError === undefined ? "" : `: ${lastError}`}`,
    codes: ["RotationFailed"],
    ...(ticket.ticketUrl === undefined ? {} : { ticket: ticket.ticketUrl }),
  };
  await deps.ledger.recordAction({
    ...action,
    dryRun: deps.dryRun,
    eventId: job.eventId,
    correlationId: job.correlationId,
    jobId: job.jobId,
  });
  if (deps.tickets !== undefined)
    await dispatchTickets(deps.ledger, deps.tickets, { resourceId: job.resourceId });
  return action;
}
