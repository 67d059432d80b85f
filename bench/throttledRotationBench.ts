import { createAzureClients } from "../src/adapters/azure/azureClients.js";
import { drainQueue } from "../src/adapters/storage/queueDrainer.js";
import { createServiceRuntime } from "../src/runtime/serviceRuntime.js";
import { loadConfig } from "../src/runtime/config.js";
import { handleEvents } from "../src/app/handleEvents.js";
import { decodeJob } from "../src/core/jobs/job.js";
import type { ReportAction } from "../src/core/report/report.js";
import { handlePoisonJob, runJob } from "../src/app/runJob.js";
import { AzureEmulator, armThrottleDefaults, type ThrottleLimits } from "@cmkr/azure-emulator";
import { decodeDelivery } from "../src/core/events/decodeDelivery.js";
import { benchKeyEvent, newVersion, rotationBenchTenant } from "./benchTenant.js";
import type { Figure } from "./rotationBench.js";

/** ARM's limits with every burst and refill rate multiplied by `scale`. */
function scaledLimits(scale: number): ThrottleLimits {
  const l = armThrottleDefaults;
  return {
    readBurst: l.readBurst * scale,
    readPerSecond: l.readPerSecond * scale,
    writeBurst: l.writeBurst * scale,
    writePerSecond: l.writePerSecond * scale,
    deleteBurst: l.deleteBurst * scale,
    deletePerSecond: l.deletePerSecond * scale,
  };
}

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
}

const isArm = (url: string): boolean =>
  url.startsWith("https://management.azure.com/") && !/\/providers\/microsoft\.resourcegraph\//i.test(url);

/**
 * Plans one key event over `consumers` consumers in one subscription and drains the queue the way
 * the Functions host does (batch of 16, 5 deliveries before poison), with the SDK's default retries,
 * which honour ARM's `Retry-After`.
 */
async function rotateAll(
  storage: string,
  consumers: number,
  throttling: ThrottleLimits | false,
): Promise<RotationRun> {
  const emulator = new AzureEmulator(rotationBenchTenant(1, consumers), { throttling });
  const suffix = Math.random().toString(36).slice(2, 10);
  const config = loadConfig({
    CMKR_DRY_RUN: "false",
    CMKR_JOB_QUEUE: `bench-throttle-${suffix}`,
    CMKR_LEDGER_TABLE: `benchthrottle${suffix}`,
    CMKR_LRO_POLL_INTERVAL_MS: "10",
    AzureWebJobsStorage: storage,
  });
  const clients = createAzureClients({
    credential: emulator.credential(),
    httpClient: emulator.httpClient(),
  });
  const runtime = await createServiceRuntime({ config, clients, storage: { connectionString: storage } });
  const { events, errors } = decodeDelivery(benchKeyEvent());
  const plan = await handleEvents(events, errors, runtime.ctx, { preview: false });
  if (plan.actions.length !== consumers)
    throw new Error(`planned ${plan.actions.length} rotations for ${consumers} consumers`);

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
  const reads = arm.filter((e) => e.method === "GET");
  const writes = arm.filter((e) => e.method === "PATCH" || e.method === "PUT");
  // A rotation counts only when the report says applied and the resource really is on the new version.
  const onNewVersion = emulator.state
    .toTenantFile()
    .resources.filter((r) => JSON.stringify(r.properties ?? {}).includes(newVersion)).length;
  const applied = actions.filter((a) => a.action === "rotate-key" && a.status === "applied").length;
  return {
    consumers,
    seconds,
    applied,
    failedRotations: consumers - Math.min(applied, onNewVersion),
    poisoned: drained.poisoned,
    writes: writes.filter((e) => e.status < 300).length,
    reads: reads.filter((e) => !e.throttled).length,
    throttledReads: reads.filter((e) => e.throttled).length,
    throttledWrites: writes.filter((e) => e.throttled).length,
  };
}

/**
 * Rotation of `consumers` consumers of one key, all in one subscription so every ARM call of the
 * service's principal draws on the same token buckets: ARM writes per second achieved against the
 * most the write bucket allows over the same time (burst plus refill), and ARM reads against the
 * read bucket likewise. Any failed rotation is printed and makes the process exit non-zero.
 *
 * At ARM's real rates 10,000 rotations take over half an hour, so burst and refill rates are
 * multiplied by a scale: the larger of what keeps the buckets, not this machine, the limit (75% of
 * the rotations per second an unthrottled calibration run of 300 consumers manages) and what ends
 * the run in about five minutes. The ratios do not depend on the scale as long as the buckets are
 * the limit; the figures print the scale, and say so when this machine was the limit instead. Azurite
 * keeps the queue and the ledger in memory and its operations slow down as they fill, so a local run
 * of 10,000 can be limited by it rather than by the buckets (Azure Storage is not);
 * `BENCH_ROTATION_CONSUMERS` sets a smaller count for a quicker run.
 */
export async function throttledRotation(
  storage: string,
  consumers = Number(process.env.BENCH_ROTATION_CONSUMERS ?? 10_000),
): Promise<Figure[]> {
  if (!Number.isInteger(consumers) || consumers < 1)
    throw new Error("BENCH_ROTATION_CONSUMERS must be a whole number of consumers");
  const calibration = await rotateAll(storage, 300, false);
  const capacity = calibration.applied / calibration.seconds;
  const readsPerRotation = calibration.reads / Math.max(1, calibration.applied);
  const readRate = armThrottleDefaults.readPerSecond;
  const scale = Math.max(
    1,
    Math.floor((0.75 * capacity * readsPerRotation) / readRate),
    Math.ceil((consumers * readsPerRotation) / (readRate * 300)),
  );
  const limits = scaledLimits(scale);
  const run = await rotateAll(storage, consumers, limits);
  if (run.failedRotations > 0 || calibration.failedRotations > 0) {
    console.error(
      `FAILED: ${run.failedRotations} of ${consumers} rotations did not apply (${run.poisoned} poisoned)`,
    );
    process.exitCode = 1;
  }
  const writeCeiling = (limits.writeBurst + limits.writePerSecond * run.seconds) / run.seconds;
  const readCeiling = (limits.readBurst + limits.readPerSecond * run.seconds) / run.seconds;
  const writesPerSecond = run.writes / run.seconds;
  const readsPerSecond = run.reads / run.seconds;
  const scaled =
    `ARM's limits (writes ${armThrottleDefaults.writeBurst} + ${armThrottleDefaults.writePerSecond}/s, ` +
    `reads ${armThrottleDefaults.readBurst} + ${armThrottleDefaults.readPerSecond}/s) scaled x${scale} ` +
    `(unthrottled, this machine rotates ${capacity.toFixed(0)}/s)`;
  const who = `${consumers.toLocaleString("en-US")} consumers of one key in one subscription`;
  const limit =
    readsPerSecond / readCeiling >= 0.9
      ? "the read bucket was the limit"
      : "this machine, not the buckets, was the limit (too slow or too busy for this scale)";
  return [
    {
      name: `ARM writes/s rotating ${who}, under ARM's token buckets`,
      value: Math.round(writesPerSecond * 10) / 10,
      unit: "writes/s",
      baseline: Math.round(writeCeiling * 10) / 10,
      baselineName: `write bucket's most over the ${run.seconds.toFixed(0)} s run`,
      ratio: writesPerSecond / writeCeiling,
      note:
        `${run.applied} rotations applied, ${run.failedRotations} failed, ${run.poisoned} poisoned; ` +
        `${run.throttledWrites} writes and ${run.throttledReads} reads answered 429 and retried. ` +
        `${readsPerRotation.toFixed(1)} ARM reads per rotation (read, re-read, verify, LRO polls) make the ` +
        `read bucket the limit, not the write bucket. ${scaled}`,
    },
    {
      name: `ARM reads/s in the same run`,
      value: Math.round(readsPerSecond * 10) / 10,
      unit: "reads/s",
      baseline: Math.round(readCeiling * 10) / 10,
      baselineName: `read bucket's most over the ${run.seconds.toFixed(0)} s run`,
      ratio: readsPerSecond / readCeiling,
      note: `how close the worker runs to the binding bucket without failing a rotation: ${limit}; ${scaled}`,
    },
  ];
}
