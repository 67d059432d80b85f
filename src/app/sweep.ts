import { jobKeys, lockNames } from "../core/jobs/jobKeys.js";
import { randomUUID } from "node:crypto";
import type { GraphScope } from "../core/ports/graphScope.js";
import { tryParseResourceId } from "../core/ids/resourceId.js";
import { inScopeResourceTypes } from "../core/events/eventTypes.js";
import type { Ledger } from "../core/ports/ledger.js";
import {
  judgeAutoRotation,
  type AutoRotationExpectation,
} from "../core/consumers/diskEncryptionSet/desAutoRotationStalled.js";
import type { Evaluation, Finding } from "../core/findings/finding.js";
import { dispatchTickets } from "./tickets/dispatchTickets.js";
import type { EvaluateJob, RotateJob } from "../core/jobs/job.js";
import type { ServiceContext } from "./serviceContext.js";
import { SweepFactLoader } from "./sweepFactLoader.js";
import { isSweptType, planSweepPage, type SweepItemPlan } from "../core/sweep/sweepPlan.js";
import { sweepResourcesQuery, sweepSubscriptionsQuery } from "../core/queries/sweepQuery.js";
import { sweepResourceFromRow, type SweepResource } from "../core/sweep/sweepRow.js";

/** Counts reported after every page, for progress reports (e.g. a subscription-wide remediation). */
export interface SweepProgress {
  /** Resource Graph pages read (resources and subscriptions). */
  pages: number;
  /** In-scope resources seen. */
  resourcesSeen: number;
  /** Resources with at least one finding. */
  nonCompliant: number;
  /** Jobs queued for the worker (claimed now; work already claimed is not queued again). */
  jobsEnqueued: number;
}

/** A subscription the sweep covered, with its display name. */
export interface SweepSubscription {
  subscriptionId: string;
  displayName: string;
}

/** Options of {@link runSweep}. */
export interface SweepOptions {
  /**
   * `act`: queue jobs, request and resolve tickets (the timer). `scan`: read only (`cmkr scan`):
   * nothing is queued and nothing is written, to Azure or the ledger.
   */
  mode: "act" | "scan";
  /** Limit the sweep to these subscriptions (default: the service's scope). */
  subscriptions?: readonly string[];
  /** How long the platform gets to follow a new key version on an auto-rotating set. Default 1 hour. */
  autoRotationGraceMs?: number;
  /**
   * An unchanged resource is queued again once per this period (default 1 day): often enough to
   * retry what failed and re-confirm standing findings, rarely enough to cost nothing hourly.
   */
  recheckAfterMs?: number;
  /** How long a run holds the sweep lock before another run may take over. Default 50 minutes. */
  runLeaseMs?: number;
  /** At most this many key, vault and hub facts are cached during the sweep. Default 5,000. */
  factCacheSize?: number;
  /** Called after every page. */
  onProgress?: (progress: Readonly<SweepProgress>) => void;
  /** Called with every resource's evaluation (stalled automatic rotations included), in stream order. */
  onEvaluation?: (evaluation: Evaluation, subscriptionId: string) => void;
  /** The covered subscriptions when the caller already listed them (see {@link listSweepSubscriptions}). */
  coveredSubscriptions?: readonly SweepSubscription[];
  /** The run's id (correlation id of its jobs); random by default. */
  runId?: string;
  /**
   * Queue the jobs for a manual operation instead of the sweep: claimed in the operation's group
   * (so its progress is one ledger query), marked `Manual`, and plan-only when `dryRun`.
   */
  operation?: { claimGroup: string; dryRun: boolean };
}

/** What a sweep did. */
export interface SweepResult extends SweepProgress {
  /** `busy`: another run holds the sweep lock; this one did nothing. */
  status: "completed" | "busy";
  runId: string;
  mode: "act" | "scan";
  subscriptions: number;
  /** Stalled automatic rotations ticketed, and stalled-rotation tickets resolved, by the sweep itself. */
  ticketsRequested: number;
  ticketsResolved: number;
  /** Unresolved ticket requests whose resource the sweep no longer saw: queued for the worker to confirm. */
  goneQueued: number;
  /** Resources whose facts could not be read (handed to the worker). */
  factsUnavailable: number;
}

/** What the sweep needs of the service. */
export type SweepDeps = Pick<
  ServiceContext,
  "port" | "ledger" | "queue" | "scope" | "detection" | "now" | "dryRun" | "tickets"
>;

const hourMs = 3_600_000;

function scopeOf(deps: SweepDeps, options: SweepOptions): GraphScope {
  return options.subscriptions !== undefined && options.subscriptions.length > 0
    ? { subscriptions: options.subscriptions }
    : deps.scope;
}

/** The subscriptions a scope covers, by Resource Graph (one or a few pages). */
export async function listSweepSubscriptions(
  port: SweepDeps["port"],
  scope: GraphScope,
  onPage?: () => void,
): Promise<SweepSubscription[]> {
  const out: SweepSubscription[] = [];
  for await (const rows of port.queryResources(sweepSubscriptionsQuery, scope)) {
    onPage?.();
    for (const row of rows) {
      if (typeof row.subscriptionId === "string" && row.subscriptionId !== "")
        out.push({
          subscriptionId: row.subscriptionId,
          displayName: typeof row.name === "string" ? row.name : "",
        });
    }
  }
  return out;
}

/** The newest recorded expectation that the platform rotates this set, if any. */
async function latestExpectation(
  ledger: Pick<Ledger, "listActions">,
  resourceId: string,
): Promise<AutoRotationExpectation | undefined> {
  for (const action of await ledger.listActions(resourceId)) {
    if (action.codes.includes("AwaitingAutoRotation") && action.from !== undefined && action.to !== undefined)
      return { from: action.from, to: action.to, at: new Date(action.at) };
  }
  return undefined;
}

function withFinding(evaluation: Evaluation, finding: Finding): Evaluation {
  return { ...evaluation, compliant: false, findings: [...evaluation.findings, finding] };
}

interface UnresolvedTickets {
  resourceId: string;
  codes: string[];
  seen: boolean;
}

/**
 * The periodic sweep: walks every in-scope resource of the scope with one paged Resource Graph
 * query (one page in memory at a time), judges each with the same rules as an event, and queues
 * the same `evaluate` jobs for the ones that need something, so the worker acts exactly as it does
 * on events (fresh read, safe fix or ticket, catch-up rotation, ticket resolution). It also checks
 * auto-rotating disk encryption sets against what the service expected of the platform, and hands
 * the worker every unresolved ticket whose resource it no longer saw (to confirm the deletion and
 * resolve), but only after it read the whole scope.
 *
 * Runs of the same scope exclude each other through a lock with a lease in the ledger (a second
 * concurrent run returns `busy`), and jobs are claimed under dedupe keys made of the resource, a
 * digest of what the rules read and the re-check period, so no two runs queue the same work.
 */
export async function runSweep(deps: SweepDeps, options: SweepOptions): Promise<SweepResult> {
  const runId = options.runId ?? randomUUID();
  const scope = scopeOf(deps, options);
  const act = options.mode === "act";
  const result: SweepResult = {
    status: "completed",
    runId,
    mode: options.mode,
    subscriptions: 0,
    pages: 0,
    resourcesSeen: 0,
    nonCompliant: 0,
    jobsEnqueued: 0,
    ticketsRequested: 0,
    ticketsResolved: 0,
    goneQueued: 0,
    factsUnavailable: 0,
  };
  const lockKey = lockNames.sweep(scope.subscriptions ?? []);
  if (act) {
    const acquired = await deps.ledger.acquireLock(lockKey, options.runLeaseMs ?? 50 * 60_000);
    if (!acquired) return { ...result, status: "busy" };
  }
  try {
    await sweep(deps, options, scope, runId, result);
  } finally {
    if (act) await deps.ledger.releaseLock(lockKey);
  }
  return result;
}

async function sweep(
  deps: SweepDeps,
  options: SweepOptions,
  scope: GraphScope,
  runId: string,
  result: SweepResult,
): Promise<void> {
  const act = options.mode === "act";
  const now = deps.now();
  const graceMs = options.autoRotationGraceMs ?? hourMs;
  const period = Math.floor(now.getTime() / (options.recheckAfterMs ?? 24 * hourMs));
  const claimGroup = options.operation?.claimGroup ?? jobKeys.sweepGroup(period, deps.dryRun);
  const eventId = `sweep-${runId}`;

  const covered =
    options.coveredSubscriptions ??
    (await listSweepSubscriptions(deps.port, scope, () => {
      result.pages++;
    }));
  result.subscriptions = covered.length;
  const coveredIds = new Set(covered.map((s) => s.subscriptionId.toLowerCase()));

  // Unresolved ticket requests: as many as the open findings, not as many as resources.
  const tickets = new Map<string, UnresolvedTickets>();
  if (act) {
    for await (const t of deps.ledger.unresolvedTicketKeys()) {
      const key = t.resourceId.toLowerCase();
      const entry = tickets.get(key) ?? { resourceId: t.resourceId, codes: [], seen: false };
      entry.codes.push(t.findingCode);
      tickets.set(key, entry);
    }
  }

  const facts = new SweepFactLoader(deps.port, deps.scope, options.factCacheSize);
  const base = (resourceId: string, resourceType: string) => ({
    v: 1 as const,
    jobId: randomUUID(),
    claimGroup,
    resourceId,
    resourceType,
    trigger: options.operation === undefined ? ("Sweep" as const) : ("Manual" as const),
    eventId,
    correlationId: runId,
    enqueuedAt: now.toISOString(),
    ...(options.operation?.dryRun === true ? { dryRun: true } : {}),
  });
  const evaluateJob = (plan: {
    resource: { id: string; type: string };
    fingerprint: string;
    refreshEveryRun?: boolean;
  }): EvaluateJob => ({
    ...base(plan.resource.id, plan.resource.type),
    kind: "evaluate",
    dedupeKey: jobKeys.sweepJob(
      "evaluate",
      plan.resource.id,
      plan.refreshEveryRun === true ? `${plan.fingerprint}.${runId}` : plan.fingerprint,
      deps.dryRun,
    ),
  });
  const rotateJob = (plan: SweepItemPlan, keyId: string): RotateJob => ({
    ...base(plan.resource.id, plan.resource.type),
    kind: "rotate",
    keyId,
    dedupeKey: jobKeys.sweepJob("rotate", plan.resource.id, plan.fingerprint, deps.dryRun),
  });
  const enqueue = async (jobs: (EvaluateJob | RotateJob)[]): Promise<void> => {
    if (!act || jobs.length === 0) return;
    const claimed = await deps.ledger.claimJobs(claimGroup, jobs);
    const fresh = jobs.filter((j) => claimed.has(j.dedupeKey));
    await deps.queue.enqueue(fresh);
    result.jobsEnqueued += fresh.length;
  };
  const resolveStalled = async (resourceId: string): Promise<void> => {
    if (!act || deps.dryRun) return;
    const resolved = await deps.ledger.resolveTickets(
      resourceId,
      { candidates: new Set(["DesAutoRotationStalled"]), current: new Set() },
      "the disk encryption set moved to a newer key version",
    );
    result.ticketsResolved += resolved.length;
    if (resolved.length > 0 && deps.tickets !== undefined)
      await dispatchTickets(deps.ledger, deps.tickets, { resourceId });
  };

  for await (const rows of deps.port.queryResources(sweepResourcesQuery(), scope)) {
    result.pages++;
    const items: SweepResource[] = [];
    for (const row of rows) {
      const item = sweepResourceFromRow(row);
      if (item !== undefined) items.push(item);
    }
    // Seen, whatever the plan: excluded or unreadable resources are not gone.
    for (const item of items) {
      const entry = tickets.get(item.resource.id.toLowerCase());
      if (entry !== undefined) entry.seen = true;
    }
    const pageFacts = await facts.forPage(items.map((i) => i.resource));
    const plans = planSweepPage(items, {
      facts: pageFacts,
      settings: deps.detection,
      now,
      unresolvedTickets: (id) => tickets.get(id.toLowerCase())?.codes,
    });
    const jobs: (EvaluateJob | RotateJob)[] = [];
    for (const plan of plans) {
      let evaluation = plan.evaluation;
      for (const step of plan.steps) {
        switch (step.kind) {
          case "evaluate":
            if (step.reason === "facts-unavailable") result.factsUnavailable++;
            jobs.push(evaluateJob(plan));
            break;
          case "resolve-stalled":
            await resolveStalled(plan.resource.id);
            break;
          case "check-auto-rotation": {
            const expectation = await latestExpectation(deps.ledger, plan.resource.id);
            const verdict =
              expectation === undefined
                ? undefined
                : judgeAutoRotation(plan.resource, expectation, { now, graceMs, settings: deps.detection });
            if (verdict === undefined || verdict.kind === "moved") {
              // No expectation for the version it is behind: the rotation engine records one
              // (or tickets a newest version the set could not use).
              jobs.push(rotateJob(plan, step.keyId));
              if (
                verdict?.kind === "moved" &&
                tickets.get(plan.resource.id.toLowerCase())?.codes.includes("DesAutoRotationStalled")
              )
                await resolveStalled(plan.resource.id);
            } else if (verdict.kind === "stalled") {
              evaluation = withFinding(evaluation, verdict.finding);
              if (act && !deps.dryRun) {
                const f = verdict.finding;
                await deps.ledger.requestTicket(
                  {
                    resourceId: f.resourceId,
                    resourceType: f.resourceType,
                    findingCode: f.code,
                    severity: f.severity,
                    title: f.title,
                    body: f.body,
                    eventId,
                    correlationId: runId,
                  },
                  { quietRepeat: true },
                );
                result.ticketsRequested++;
                if (deps.tickets !== undefined)
                  await dispatchTickets(deps.ledger, deps.tickets, { resourceId: f.resourceId });
              }
            }
            break;
          }
        }
      }
      result.resourcesSeen++;
      if (evaluation.findings.length > 0) result.nonCompliant++;
      options.onEvaluation?.(evaluation, plan.subscriptionId);
    }
    await enqueue(jobs);
    options.onProgress?.({ ...result });
  }

  // Only now, with every page of the scope read, is a resource that did not show up gone (or not
  // yet in Resource Graph): the worker reads it and resolves its tickets if ARM says it is gone.
  if (!act) return;
  const swept = new Set(inScopeResourceTypes.map((t) => t.toLowerCase()));
  const gone: (EvaluateJob | RotateJob)[] = [];
  for (const entry of tickets.values()) {
    if (entry.seen || !isSweptType(entry.resourceId, swept)) continue;
    const subscription = /^\/subscriptions\/([^/]+)\//i.exec(entry.resourceId)?.[1]?.toLowerCase();
    if (subscription === undefined || !coveredIds.has(subscription)) continue;
    const type = tryParseResourceId(entry.resourceId)?.type ?? "";
    const canonical = inScopeResourceTypes.find((t) => t.toLowerCase() === type.toLowerCase()) ?? type;
    gone.push(evaluateJob({ resource: { id: entry.resourceId, type: canonical }, fingerprint: "not-seen" }));
  }
  const before = result.jobsEnqueued;
  for (let i = 0; i < gone.length; i += 500) await enqueue(gone.slice(i, i + 500));
  result.goneQueued = result.jobsEnqueued - before;
  options.onProgress?.({ ...result });
}
