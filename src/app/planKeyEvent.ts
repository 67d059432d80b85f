import { canonicalResourceType } from "../core/consumers/registry.js";
import { jobKeys } from "../core/jobs/jobKeys.js";
import { randomUUID } from "node:crypto";
import type { GraphScope } from "../core/ports/graphScope.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { KeyVaultKeyEvent } from "../core/events/domainEvents.js";
import type { Ledger } from "../core/ports/ledger.js";
import type { RotateJob } from "../core/jobs/job.js";
import type { Report, ReportAction } from "../core/report/report.js";
import type { RotationPort } from "../core/ports/rotationPort.js";
import { isolateArmFacts } from "./armFactsFailure.js";
import { stageRollout, type StagingDeps } from "./rollout/stageRollout.js";
import {
  resourceScopeVerdict,
  type ResolvedScope,
  type ScopeResolver,
} from "../core/decisions/scopeGuard.js";

/** What planning a key event needs. */
export interface PlannerDeps {
  port: Pick<RotationPort, "findConsumers">;
  ledger: Pick<Ledger, "claimJobs">;
  queue: JobQueue;
  scope: GraphScope;
  /** The resolved scope; a consumer Resource Graph returns outside it is skipped, never queued. */
  resolveScope: ScopeResolver;
  now: () => Date;
  /** Correlation id of the invocation, carried into every job. */
  correlationId?: string;
  /** Jobs planned in dry-run mode dedupe apart from live ones, so going live replans them. */
  dryRun: boolean;
  /**
   * Stages a new key version's consumers in waves (docs/rollout-controls.md). Without it every job is
   * queued at once.
   */
  staging?: Omit<StagingDeps, "queue" | "now">;
}

/**
 * The consumers inside the resolved scope. Resource Graph is asked within the scope already; this
 * second check keeps a consumer outside it (a query scoped differently, a subscription moved out of
 * a management group) from ever being queued, and reports it as skipped.
 */
function withinScope<C extends { id: string; type: string }>(
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

/**
 * Plans a Key Vault key event: finds every consumer of the key tenant-wide (one paged Resource
 * Graph query) and enqueues one job per consumer, so the event answers within seconds however
 * many consumers there are. A job whose dedupe key was claimed before (duplicate delivery) is not
 * enqueued again.
 */
export async function planKeyEvent(event: KeyVaultKeyEvent, deps: PlannerDeps): Promise<Report> {
  const correlationId = deps.correlationId ?? event.eventId;
  const actions: ReportAction[] = [];
  const scope = await deps.resolveScope();
  // A new version moving consumers is staged: its jobs are gathered, then queued wave by wave.
  const staged = deps.staging !== undefined && event.kind === "KeyNewVersionCreated" && !deps.dryRun;
  const gathered: RotateJob[] = [];
  const planned: { job: RotateJob; isNew: boolean }[] = [];
  for await (const found of deps.port.findConsumers(
    { vaultUrl: event.vaultUrl, keyName: event.keyName },
    deps.scope,
  )) {
    const page = withinScope(consumerRows(found, actions), scope, actions);
    const jobsOfPage = page.map((consumer) =>
      keyEventJob(event, consumer, correlationId, deps.now(), deps.dryRun),
    );
    const group = jobsOfPage[0]?.claimGroup;
    const claimed = group === undefined ? new Set<string>() : await deps.ledger.claimJobs(group, jobsOfPage);
    const jobs = jobsOfPage.filter((job) => claimed.has(job.dedupeKey));
    for (const job of jobsOfPage) planned.push({ job, isNew: claimed.has(job.dedupeKey) });
    if (staged) gathered.push(...jobs);
    else await deps.queue.enqueue(jobs);
  }
  const waves =
    staged && deps.staging !== undefined
      ? await stageRollout(event.keyId, gathered, { ...deps.staging, queue: deps.queue, now: deps.now })
      : undefined;
  for (const { job, isNew } of planned) {
    const wave = waves === undefined || waves.waves <= 1 ? undefined : waves.waveOf.get(job.dedupeKey);
    actions.push({
      resourceId: job.resourceId,
      resourceType: job.resourceType,
      action: isNew ? "rotate-key" : "none",
      status: isNew ? "planned" : "skipped",
      reason: isNew
        ? `queued: ${event.kind} for ${event.keyId}${wave === undefined ? "" : ` (wave ${wave + 1} of ${waves?.waves ?? 1} of the staged rollout${wave === 0 ? "" : ", held until the previous wave is confirmed"})`}`
        : `a job for this resource and ${event.keyId} was queued before (duplicate event)`,
      ...(wave === undefined ? {} : { codes: [wave === 0 ? "RolloutWave" : "RolloutHeld"] }),
    });
  }
  return { dryRun: deps.dryRun, actions, errors: [] };
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
