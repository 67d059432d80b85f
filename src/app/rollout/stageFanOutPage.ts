import type { PlanKeyEventJob } from "../../core/jobs/job.js";
import type { Ledger } from "../../core/ports/ledger.js";
import type { ReportAction } from "../../core/report/report.js";
import {
  assignPage,
  needsResend,
  newRollout,
  rolloutIdFor,
  type ChunkConsumer,
  type Rollout,
  type RolloutChunk,
} from "../../core/rollout/rolloutState.js";
import { isStaged } from "../../core/rollout/rolloutWaves.js";
import { chunkMessage, sendWave, RolloutContentionError, type RolloutDeps } from "./advanceRollout.js";
import type { RolloutSettings } from "./rolloutSettings.js";

/** What staging a plan page needs. */
export interface StagingDeps extends RolloutDeps {
  ledger: RolloutDeps["ledger"] & Pick<Ledger, "createRollout" | "storeRolloutPage">;
  rollout: RolloutSettings;
  /** Consumers per chunk (the fan-out's batch size). */
  batchSize: number;
}

// A chunk's consumers are one Table property (JSON): Table Storage holds strings of up to 64 KiB,
// UTF-16, so 32,000 characters; ids are ASCII. https://learn.microsoft.com/en-us/rest/api/storageservices/understanding-the-table-service-data-model
const maxChunkChars = 30_000;

/** Whether a plan page's consumers are staged: a new version, live, and a wave list of more than one wave. */
export function stagesPage(job: PlanKeyEventJob, settings: RolloutSettings, dryRun: boolean): boolean {
  return job.trigger === "KeyNewVersionCreated" && !dryRun && job.dryRun !== true && isStaged(settings.waves);
}

/** Splits one wave's consumers of a page into chunks of at most `size` (and {@link maxChunkChars}). */
function chunksOf(
  wave: number,
  page: number,
  consumers: readonly ChunkConsumer[],
  size: number,
): RolloutChunk[] {
  const out: RolloutChunk[] = [];
  let current: ChunkConsumer[] = [];
  let chars = 0;
  for (const consumer of consumers) {
    const cost = consumer.id.length + consumer.type.length + 8;
    if (current.length >= size || (current.length > 0 && chars + cost > maxChunkChars)) {
      out.push({ wave, page, index: out.length, consumers: current });
      current = [];
      chars = 0;
    }
    current.push(consumer);
    chars += cost;
  }
  if (current.length > 0) out.push({ wave, page, index: out.length, consumers: current });
  return out;
}

/** The rollout this page belongs to: created by the first page of its run to get here. */
async function rolloutOf(
  job: PlanKeyEventJob,
  deps: StagingDeps,
): Promise<{ rollout: Rollout; version: string } | undefined> {
  const rolloutId = rolloutIdFor(job.keyId);
  const existing = await deps.ledger.getRollout(rolloutId);
  if (existing !== undefined) return existing;
  await deps.ledger.createRollout(
    newRollout({
      keyId: job.keyId,
      runId: job.runId,
      plan: deps.rollout.text,
      pauseSeconds: deps.rollout.pauseSeconds,
      at: deps.now().toISOString(),
    }),
  );
  return deps.ledger.getRollout(rolloutId);
}

/**
 * Stages one plan page of a new key version (the fan-out's `plan-key-event` job): assigns the
 * page's consumers to waves with the rollout record's counters (pages may run concurrently: the
 * change is conditional on the record's ETag, and retried on a lost race), stores every consumer
 * in chunks keyed wave / page / index together with the page's marker and the new counters (one
 * transaction: a retried page finds its marker and assigns nothing again), then queues the
 * page's wave-0 chunks at once as `rotate-batch` messages carrying the rollout id. Later waves stay
 * in the ledger until the settle that completes the wave before them releases them.
 *
 * Returns the page's report actions (none when staged: each consumer's action comes from the
 * worker, as unstaged), or `undefined` when the page is not staged after all: the
 * key version has a rollout of another planning run (a replan after a failure; the rollout is
 * then halted or over and the consumers are queued unstaged, its verdict applying to each).
 */
export async function stageFanOutPage(
  job: PlanKeyEventJob,
  consumers: readonly ChunkConsumer[],
  last: boolean,
  deps: StagingDeps,
): Promise<ReportAction[] | undefined> {
  const size = Math.min(100, Math.max(1, deps.batchSize));
  const base = { eventId: job.eventId, correlationId: job.correlationId };
  for (let attempt = 0; attempt < 50; attempt++) {
    const read = await rolloutOf(job, deps);
    if (read === undefined) continue;
    const { rollout, version } = read;
    if (rollout.runId !== job.runId) {
      if (rollout.state === "running") return [otherRun(job, rollout)];
      return undefined;
    }
    const at = deps.now().toISOString();
    const assignment = assignPage(rollout, consumers, { page: job.page, last }, at);
    const byWave = new Map<number, ChunkConsumer[]>();
    consumers.forEach((consumer, i) => {
      const wave = assignment.waveOf[i] ?? 0;
      byWave.set(wave, [...(byWave.get(wave) ?? []), consumer]);
    });
    const chunks = [...byWave].flatMap(([wave, list]) => chunksOf(wave, job.page, list, size));
    const written = await deps.ledger.storeRolloutPage(assignment.next, version, job.page, chunks);
    if (written === "conflict") {
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 20));
      continue;
    }
    // Stored now, or before by an attempt that died: wave 0's chunks of this page go out (again;
    // the consumers' claims make a second message harmless).
    const first =
      written === "stored"
        ? chunks.filter((c) => c.wave === 0)
        : await deps.ledger.listRolloutChunks(rollout.rolloutId, 0, job.page);
    // A halted or stopped rollout queues nothing more: its consumers stay where they are.
    const moving = assignment.next.state === "running" || assignment.next.state === "done";
    if (moving && first.length > 0)
      await deps.queue.enqueue(first.map((c) => chunkMessage(c, rollout, base, at)));
    if (written === "stored" && assignment.released !== undefined)
      await sendWave(assignment.next, assignment.released, base, deps);
    else if (needsResend(rollout, deps.now())) await sendWave(rollout, rollout.wave, base, deps);
    return [];
  }
  throw new RolloutContentionError(rolloutIdFor(job.keyId));
}

/** A replan of a key version whose rollout another planning run is still moving. */
function otherRun(job: PlanKeyEventJob, rollout: Rollout): ReportAction {
  return {
    resourceId: job.resourceId,
    resourceType: job.resourceType,
    action: "none",
    status: "skipped",
    to: job.keyId,
    reason: `page ${job.page} not queued: the staged rollout of ${rollout.keyId} (wave ${rollout.wave + 1}) is moving this key version's consumers`,
    codes: ["RolloutWaiting"],
  };
}
