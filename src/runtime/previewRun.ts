import { createWriteGate } from "../app/writes/writeGate.js";
import { createPreviewLedger } from "../adapters/memory/createPreviewLedger.js";
import {
  createPreviewRotationPort,
  type PlannedWrite,
} from "../adapters/memory/createPreviewRotationPort.js";
import { drainMemoryQueue } from "../adapters/memory/drainMemoryQueue.js";
import { MemoryJobQueue } from "../adapters/memory/memoryJobQueue.js";
import { handlePoisonJob, runJob } from "../app/runJob.js";
import type { ServiceContext } from "../app/serviceContext.js";
import { decodeJob } from "../core/jobs/job.js";
import type { ReportAction } from "../core/report/report.js";
import { maxDequeueCount } from "./hostSettings.js";

/** A run of the service's event pipeline: its context, and the worker draining its queue. */
export interface ServiceRun {
  readonly ctx: ServiceContext;
  /** Runs queued jobs until the queue is empty; `onJob` after each (for progress). */
  drain(onJob?: () => void): Promise<{ actions: ReportAction[] }>;
}

/** A dry run that previews `--apply`, and the Azure writes it would have made. */
export interface PreviewRun extends ServiceRun {
  readonly plannedWrites: readonly PlannedWrite[];
}

/**
 * A dry run that goes through exactly the `--apply` path (jobs claimed and deduplicated, queued,
 * run by the worker, tickets requested and resolved) while writing nothing: Azure writes are kept
 * in memory (`createPreviewRotationPort`), the ledger is a per-run overlay over `live`'s
 * (`createPreviewLedger`), the queue is in memory, and no ticket sink is called. So a duplicate
 * event is a duplicate, a ticket opened by one event is updated or resolved by a later one, and a
 * resource rotated by one event reads as rotated for the next, as with `--apply`.
 */
export function createPreviewRun(live: ServiceContext): PreviewRun {
  const port = createPreviewRotationPort(live.port);
  const queue = new MemoryJobQueue();
  const ledger = createPreviewLedger(live.ledger);
  const ctx: ServiceContext = {
    ...live,
    port,
    ledger,
    queue,
    // The preview's writes take from a copy of the live budget, never from the live one.
    writeGate: createWriteGate({ ledger, settings: live.writeControls, now: live.now }),
    // The apply path itself: every write it makes lands in the memory above.
    dryRun: false,
    tickets: undefined,
  };
  return {
    ctx,
    plannedWrites: port.plannedWrites,
    async drain(onJob) {
      const actions: ReportAction[] = [];
      await drainMemoryQueue(
        queue,
        async (message) => {
          actions.push(...(await runJob(decodeJob(message), ctx)));
          onJob?.();
        },
        async (message, lastError) => {
          actions.push(await handlePoisonJob(decodeJob(message), ctx, lastError));
          onJob?.();
        },
        { maxAttempts: maxDequeueCount, concurrency: 16, retryDelaySeconds: 1 },
      );
      return { actions };
    },
  };
}
