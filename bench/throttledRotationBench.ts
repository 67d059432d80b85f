import { createAzureClients } from "../src/adapters/azure/azureClients.js";
import { drainQueue } from "../src/adapters/storage/queueDrainer.js";
import { createServiceRuntime } from "../src/runtime/serviceRuntime.js";
import { loadConfig } from "../src/runtime/config.js";
import { handleEvents } from "../src/app/handleEvents.js";
import { decodeJob } from "../src/core/jobs/job.js";
import type { ReportAction } from "../src/core/report/report.js";
import { handlePoisonJob, runJob } from "../src/app/runJob.js";
import { AzureEmulator, armThrottleDefaults } from "@cmkr/azure-emulator";
import { createArmPacer } from "../src/adapters/azure/armPacer.js";
import { decodeDelivery } from "../src/core/events/decodeDelivery.js";
import { benchKeyEvent, newVersion, rotationBenchTenant } from "./benchTenant.js";
import type { Figure } from "./rotationBench.js";

/** What one rotation run measured. */
interface RotationRun {
  consumers: number;
  seconds: number;
  applied: number;
  failedRotations: number;
  poisoned: number;
  /** ARM writes accepted, ARM reads (Key Vault and Resource Graph are not in ARM's buckets). */
  writes: number;
  reads: number;
  throttledReads: number;
  throttledWrites: number;
  /** Requests the pacer held back for a token: the buckets, not the machine, set the pace. */
  paced: number;
}

const isArm = (url: string): boolean =>
  url.startsWith("https://management.azure.com/") && !/\/providers\/microsoft\.resourcegraph\//i.test(url);

/**
 * Plans one key event over `consumers` consumers in one subscription and drains the queue the way
 * the Functions host does (batch of 16, 5 deliveries before poison), with the SDK's default retries,
 * which honour ARM's `Retry-After`.
 */
async function rotateAll(storage: string, consumers: number): Promise<RotationRun> {
  // ARM's real buckets; each operation has ended when the client comes back after Retry-After.
  const emulator = new AzureEmulator(rotationBenchTenant(1, consumers), {
    throttling: armThrottleDefaults,
    lro: { polls: 0, retryAfterSeconds: 1 },
  });
  const pacer = createArmPacer();
  const suffix = Math.random().toString(36).slice(2, 10);
  const config = loadConfig({
    CMKR_DRY_RUN: "false",
    CMKR_JOB_QUEUE: `bench-throttle-${suffix}`,
    CMKR_LEDGER_TABLE: `benchthrottle${suffix}`,
    CMKR_LRO_POLL_INTERVAL_MS: "1000",
    // It measures ARM's pace, not the rollout controls: no write budget, no waves.
    CMKR_WRITE_BUDGET_PER_HOUR: "100000",
    CMKR_ROLLOUT_WAVES: "*",
    AzureWebJobsStorage: storage,
  });
  const clients = createAzureClients({
    credential: emulator.credential(),
    httpClient: emulator.httpClient(),
    armPacer: pacer,
  });
  const runtime = await createServiceRuntime({ config, clients, storage: { connectionString: storage } });
  const { events, errors } = decodeDelivery(benchKeyEvent());
  // The event is answered with one planned action for the key (docs/fan-out.md); the worker plans
  // the consumers page by page and rotates them from batched messages, all inside the drain below.
  const plan = await handleEvents(events, errors, runtime.ctx, { preview: false });
  if (plan.actions.length !== 1 || plan.actions[0]?.status !== "planned")
    throw new Error(`the key event was not planned: ${JSON.stringify(plan.actions)}`);

  emulator.log.clear();
  const actions: ReportAction[] = [];
  const start = performance.now();
  const drained = await drainQueue(
    runtime.jobQueue,
    runtime.poisonQueue,
    async (message) => {
      actions.push(...(await runJob(decodeJob(message), runtime.ctx)));
    },
    async (message, lastError) => {
      actions.push(await handlePoisonJob(decodeJob(message), runtime.ctx, lastError));
    },
    { maxAttempts: 5, concurrency: 16, retryDelaySeconds: 1 },
  );
  const seconds = (performance.now() - start) / 1000;
  await Promise.all([runtime.jobQueue.delete(), runtime.poisonQueue.delete()]);

  const arm = emulator.log.entries().filter((e) => isArm(e.url));
  // The run's span on ARM: first to last request, so the tail of the queue drain counts too.
  const span = arm.length === 0 ? seconds : ((arm.at(-1)?.startedAt ?? 0) - (arm[0]?.startedAt ?? 0)) / 1000;
  const reads = arm.filter((e) => e.method === "GET");
  const writes = arm.filter((e) => e.method === "PATCH" || e.method === "PUT");
  // A rotation counts only when the report says applied and the resource really is on the new version.
  const onNewVersion = emulator.state
    .toTenantFile()
    .resources.filter((r) => JSON.stringify(r.properties ?? {}).includes(newVersion)).length;
  // Each consumer's action as the ledger recorded it: a batch that was retried returns only the
  // consumers its last attempt ran, so the worker's return values undercount.
  const recorded = await runtime.ctx.ledger.listActions();
  const applied = recorded.filter((a) => a.action === "rotate-key" && a.status === "applied").length;
  if (actions.filter((a) => a.action === "rotate-key" && a.status === "applied").length > applied)
    throw new Error("the worker reported more applied rotations than the ledger recorded");
  return {
    consumers,
    seconds: Math.max(seconds, span),
    applied,
    failedRotations: consumers - Math.min(applied, onNewVersion),
    poisoned: drained.poisoned,
    writes: writes.filter((e) => e.status < 300).length,
    reads: reads.filter((e) => !e.throttled).length,
    throttledReads: reads.filter((e) => e.throttled).length,
    throttledWrites: writes.filter((e) => e.throttled).length,
    paced: pacer.stats.waited,
  };
}

/**
 * Rotation at ARM's real rates: `consumers` consumers of one key, all in one subscription so every
 * ARM call of the service's principal draws on the same token buckets (reads 250 + 25/s, writes
 * 200 + 10/s, the emulator's model of ARM's throttling), with the service's ARM pacer in the SDK
 * pipeline. Figures: the writes made against the most the write bucket allows over the run (burst
 * plus refill), the rotations that failed or were poisoned, and the reads against the read bucket.
 *
 * The figure passes exactly at issue 17's target: at least 0.9 of the write bucket used, no rotation
 * failed, none poisoned. The pacer exists to avoid 429s, so "nothing throttled" is not a failure in
 * itself: a run whose writes stayed under the buckets and still used 0.9 of the write bucket is the
 * target. The note says how many requests the pacer held back and how many the emulator answered
 * 429; a run that used less than 0.9 says whether the buckets or this machine set the pace.
 * Each long-running operation ends at the first poll after its `Retry-After` (1 s); the default
 * 1,200 consumers take about two minutes (`BENCH_ROTATION_CONSUMERS` sets another count).
 */
export async function rotationAtArmRates(
  storage: string,
  consumers = Number(process.env.BENCH_ROTATION_CONSUMERS ?? 1_200),
): Promise<Figure[]> {
  if (!Number.isInteger(consumers) || consumers < 1)
    throw new Error("BENCH_ROTATION_CONSUMERS must be a whole number of consumers");
  const limits = armThrottleDefaults;
  const run = await rotateAll(storage, consumers);
  const held = run.paced + run.throttledReads + run.throttledWrites > 0;
  const failed = run.failedRotations + run.poisoned;
  const writeCeiling = limits.writeBurst + limits.writePerSecond * run.seconds;
  const use = run.writes / writeCeiling;
  const readCeiling = limits.readBurst + limits.readPerSecond * run.seconds;
  const readsPerWrite = run.reads / Math.max(1, run.writes);
  const who = `${consumers.toLocaleString("en-US")} consumers of one key in one subscription`;
  const rates =
    `ARM's buckets at real rates (writes ${limits.writeBurst} + ${limits.writePerSecond}/s, ` +
    `reads ${limits.readBurst} + ${limits.readPerSecond}/s) over ${run.seconds.toFixed(0)} s`;
  const pacing =
    `${run.paced} requests held back by the pacer, ${run.throttledWrites} writes and ` +
    `${run.throttledReads} reads answered 429 by the emulator` +
    (held ? "" : " (nothing held back: the buckets did not set the pace, this machine did)");
  return [
    {
      id: "rotation.writeBucketUse",
      name: `ARM writes rotating ${who}, against the write bucket`,
      value: use,
      unit: "of the write bucket",
      baseline: 0.9,
      baselineName: "target",
      ratio: use / 0.9,
      note: `${run.writes} writes of at most ${writeCeiling.toFixed(0)}; ${readsPerWrite.toFixed(2)} ARM reads per write; ${pacing}; ${rates}`,
      // Issue 17's target, exactly: >= 0.9 of the write bucket, 0 failed, 0 poisoned.
      failed: !(use >= 0.9) || failed > 0,
    },
    {
      id: "rotation.failed",
      name: "Rotations failed or poisoned in the same run",
      value: failed,
      unit: "rotations",
      baseline: 0,
      baselineName: "target",
      ratio: failed === 0 ? 1 : 0,
      note: `${run.applied} applied, ${run.failedRotations} failed, ${run.poisoned} poisoned of ${consumers}`,
      failed: failed > 0,
    },
    {
      id: "rotation.readBucketUse",
      name: "ARM reads in the same run, against the read bucket",
      value: run.reads / readCeiling,
      unit: "of the read bucket",
      baseline: 1,
      baselineName: "the bucket's most",
      ratio: run.reads / readCeiling,
      note: `${run.reads} reads of at most ${readCeiling.toFixed(0)} (read, operation poll with the result; the vault read is cached)`,
    },
  ];
}
