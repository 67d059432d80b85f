import { canonicalResourceType } from "../core/consumers/registry.js";
import { jobKeys } from "../core/jobs/jobKeys.js";
import { randomUUID } from "node:crypto";
import type { GraphScope } from "../core/ports/graphScope.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { KeyVaultKeyEvent } from "../core/events/domainEvents.js";
import type { Ledger } from "../core/ports/ledger.js";
import type { PlanKeyEventJob, RotateJob } from "../core/jobs/job.js";
import { keyVaultDomainOf } from "../core/ids/keyId.js";
import type { Report, ReportAction } from "../core/report/report.js";
import type { RotationPort } from "../core/ports/rotationPort.js";
import { isolateArmFacts } from "./armFactsFailure.js";
import {
  resourceScopeVerdict,
  type ResolvedScope,
  type ScopeResolver,
} from "../core/decisions/scopeGuard.js";

/** What planning a key event needs. */
export interface PlannerDeps {
  port: Pick<RotationPort, "findConsumers">;
  ledger: Pick<Ledger, "claimJobs" | "finishJob">;
  queue: JobQueue;
  scope: GraphScope;
  /** The resolved scope; a consumer Resource Graph returns outside it is skipped, never queued. */
  resolveScope: ScopeResolver;
  now: () => Date;
  /** Correlation id of the invocation, carried into every job. */
  correlationId?: string;
  /** Jobs planned in dry-run mode dedupe apart from live ones, so going live replans them. */
  dryRun: boolean;
}

/**
 * The consumers inside the resolved scope. Resource Graph is asked within the scope already; this
 * second check keeps a consumer outside it (a query scoped differently, a subscription moved out of
 * a management group) from ever being queued, and reports it as skipped.
 */
export function withinScope<C extends { id: string; type: string }>(
  consumers: readonly C[],
  scope: ResolvedScope,
  skipped: ReportAction[],
): C[] {
  return consumers.filter((consumer) => {
    const verdict = resourceScopeVerdict(consumer.id, scope);
    if (!verdict.inScope) {
      skipped.push({
        resourceId: consumer.id,
        resourceType: canonicalResourceType(consumer.type),
        action: "none",
        status: "skipped",
        reason: verdict.reason,
        codes: [verdict.code],
      });
    }
    return verdict.inScope;
  });
}

/**
 * The rows Resource Graph returned that name a consumer (string `id` and `type`); any other row is
 * reported as a failed action naming the row and the field, and left out, so one odd row never
 * stops the others from being planned.
 */
export function consumerRows<C extends { id: string; type: string }>(
  rows: readonly C[],
  failed: ReportAction[],
): C[] {
  return rows.filter((row, index) => {
    // The port types the rows, but they are Resource Graph's JSON: checked, not trusted.
    const raw = row as Record<string, unknown>;
    const bad =
      typeof raw.id !== "string" || raw.id === "" ? "id" : typeof raw.type !== "string" ? "type" : undefined;
    if (bad === undefined) return true;
    failed.push({
      resourceId: typeof raw.id === "string" ? raw.id : JSON.stringify(raw.id ?? null),
      resourceType: typeof raw.type === "string" ? raw.type : "",
      action: "none",
      status: "failed",
      reason: `Resource Graph row ${index} of the key's consumers: field ${bad}: expected a non-empty string, got ${JSON.stringify(raw[bad] ?? null)}`,
      codes: ["ArmFactsInvalid"],
    });
    return false;
  });
}

/** Builds the job for one consumer of a key event. */
export function keyEventJob(
  event: KeyVaultKeyEvent,
  consumer: { id: string; type: string },
  correlationId: string,
  now: Date,
  dryRun: boolean,
): RotateJob {
  return {
    v: 1,
    kind: "rotate",
    jobId: randomUUID(),
    ...jobKeys.keyEvent(event, consumer.id, dryRun),
    resourceId: consumer.id,
    // Resource Graph answers types in lower case; jobs, reports and the ledger use one spelling.
    resourceType: canonicalResourceType(consumer.type),
    keyId: event.keyId,
    trigger: event.kind,
    eventId: event.eventId,
    correlationId,
    enqueuedAt: now.toISOString(),
  };
}

/** The key's vault as the plan jobs name it: its ARM id when the event gave one, else its URL. */
function vaultOf(event: KeyVaultKeyEvent): { resourceId: string; resourceType: string } {
  const host = new URL(event.vaultUrl).hostname.toLowerCase();
  const hsm = keyVaultDomainOf(host)?.startsWith("managedhsm.") === true;
  return {
    resourceId: event.vaultArmId ?? event.vaultUrl,
    resourceType: hsm ? "Microsoft.KeyVault/managedHSMs" : "Microsoft.KeyVault/vaults",
  };
}

/** The first plan page of a key event: its claim is the event's dedupe record. */
export function firstPlanPage(
  event: KeyVaultKeyEvent,
  correlationId: string,
  now: Date,
  dryRun: boolean,
): PlanKeyEventJob {
  return {
    v: 1,
    kind: "plan-key-event",
    jobId: randomUUID(),
    ...jobKeys.keyEventFanOut(event, dryRun),
    ...vaultOf(event),
    keyId: event.keyId,
    vaultUrl: event.vaultUrl,
    keyName: event.keyName,
    trigger: event.kind,
    runId: randomUUID(),
    page: 1,
    eventId: event.eventId,
    correlationId,
    enqueuedAt: now.toISOString(),
    ...(dryRun ? { dryRun: true } : {}),
  };
}

/**
 * Plans a Key Vault key event in O(1): claims the event's fan-out record (one Table write; a
 * redelivery, under any event id, is one conflict and is answered at once) and queues its first
 * plan page. The worker then plans the consumers one Resource Graph page per job, many consumers
 * per message (see `keyEventFanOut`), so the event answers within Event Grid's deadline however
 * many consumers the key has. A fan-out that gave up (a plan page or a consumer poisoned) is
 * planned again by the next delivery.
 */
export async function planKeyEvent(event: KeyVaultKeyEvent, deps: PlannerDeps): Promise<Report> {
  const correlationId = deps.correlationId ?? event.eventId;
  const job = firstPlanPage(event, correlationId, deps.now(), deps.dryRun);
  const claimed = await deps.ledger.claimJobs(job.claimGroup, [
    { dedupeKey: job.dedupeKey, resourceId: job.resourceId },
  ]);
  const isNew = claimed.has(job.dedupeKey);
  if (isNew) {
    try {
      await deps.queue.enqueue([job]);
    } catch (error) {
      // Not queued: give the claim back so Event Grid's retry of this delivery plans it.
      await deps.ledger.finishJob(job.claimGroup, job.dedupeKey, "failed");
      throw error;
    }
  }
  return {
    dryRun: deps.dryRun,
    actions: [
      {
        resourceId: job.resourceId,
        resourceType: job.resourceType,
        action: isNew ? "rotate-key" : "none",
        status: isNew ? "planned" : "skipped",
        to: event.keyId,
        reason: isNew
          ? `queued: ${event.kind} for ${event.keyId}; its consumers are found and queued in the background`
          : `the consumers of ${event.keyId} were queued before (duplicate event)`,
      },
    ],
    errors: [],
  };
}

/**
 * The dry-run counterpart: the same consumers, each evaluated at once instead of queued, so the
 * operator sees the real plan (rotate, refuse, ticket) without anything being written.
 */
export async function previewKeyEvent(
  event: KeyVaultKeyEvent,
  deps: Pick<PlannerDeps, "port" | "scope" | "resolveScope" | "now" | "correlationId">,
  evaluate: (job: RotateJob) => Promise<ReportAction>,
): Promise<Report> {
  const correlationId = deps.correlationId ?? event.eventId;
  const actions: ReportAction[] = [];
  const scope = await deps.resolveScope();
  for await (const page of deps.port.findConsumers(
    { vaultUrl: event.vaultUrl, keyName: event.keyName },
    deps.scope,
  )) {
    for (const consumer of withinScope(consumerRows(page, actions), scope, actions))
      actions.push(
        ...(await isolateArmFacts({ resourceId: consumer.id, resourceType: consumer.type }, async () => [
          await evaluate(keyEventJob(event, consumer, correlationId, deps.now(), true)),
        ])),
      );
  }
  return { dryRun: true, actions, errors: [] };
}
