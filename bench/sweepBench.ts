import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Worker } from "node:worker_threads";
import { createAzureClients } from "../src/adapters/azure/azureClients.js";
import { createServiceRuntime } from "../src/runtime/serviceRuntime.js";
import { loadConfig } from "../src/runtime/config.js";
import { EmulatorCredential, createLoopbackAgent, loopbackPolicy } from "@cmkr/azure-emulator";
import { runSweep } from "../src/app/sweep.js";
import type { Figure } from "./rotationBench.js";

/** One sweep over a generated tenant. */
export interface SweepMeasurement {
  resources: number;
  seconds: number;
  /**
   * Peak of the live heap above the heap before the sweep, in MiB: measured after a full garbage
   * collection at every page, so it is what the sweep holds, not garbage awaiting collection.
   */
  peakHeapMiB: number;
  /** Peak of the heap above the starting heap sampled every 10 ms, garbage included, in MiB. */
  peakHeapWithGarbageMiB: number;
  graphPages: number;
  jobsEnqueued: number;
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

async function startEmulator(resources: number) {
  const worker = new Worker(new URL("./sweepEmulatorWorker.js", import.meta.url), {
    workerData: { resources },
  });
  const ready = await new Promise<{ port: number; ca: string; tenantId: string }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    ...ready,
    stop: async () => {
      worker.postMessage("stop");
      await new Promise((resolve) => worker.once("exit", resolve));
    },
  };
}

/**
 * Sweeps a tenant of `resources` resources served by the emulator in another thread, and
 * measures the sweep's time, its peak heap above the starting heap, and Resource Graph pages.
 */
export async function measureSweep(resources: number, storage: string): Promise<SweepMeasurement> {
  const emulator = await startEmulator(resources);
  try {
    const agent = createLoopbackAgent({ port: emulator.port, ca: emulator.ca });
    const clients = createAzureClients({
      credential: new EmulatorCredential({
        objectId: "00000000-0000-4000-8000-0000000000b1",
        tenantId: emulator.tenantId,
      }),
      additionalPolicies: [{ policy: loopbackPolicy(agent), position: "perCall" }],
    });
    const suffix = `${resources}`;
    const config = loadConfig({
      CMKR_DRY_RUN: "false",
      CMKR_JOB_QUEUE: `sweep-bench-${suffix}`,
      CMKR_LEDGER_TABLE: `sweepbench${suffix}`,
      // It measures the walk, not the write budget.
      CMKR_WRITE_BUDGET_PER_HOUR: "100000",
      AzureWebJobsStorage: storage,
    });
    const { ctx } = await createServiceRuntime({
      config,
      clients,
      storage: { connectionString: storage },
      now: () => new Date("2026-11-22T12:00:00Z"),
      pageSize: 1000,
    });
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    const sample = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
    }, 10);
    const started = performance.now();
    let live = 0;
    let measuringMs = 0;
    const result = await runSweep(ctx, {
      mode: "act",
      onProgress: () => {
        const t = performance.now();
        gc();
        live = Math.max(live, process.memoryUsage().heapUsed - baseline);
        measuringMs += performance.now() - t;
      },
    });
    // The collections forced to measure the live heap are not the sweep's time.
    const seconds = (performance.now() - started - measuringMs) / 1000;
    clearInterval(sample);
    peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
    agent.destroy();
    if (result.resourcesSeen !== resources)
      throw new Error(`the sweep saw ${result.resourcesSeen} resources of ${resources}`);
    return {
      resources,
      seconds,
      peakHeapMiB: live / 1024 / 1024,
      peakHeapWithGarbageMiB: peak / 1024 / 1024,
      graphPages: result.pages,
      jobsEnqueued: result.jobsEnqueued,
    };
  } finally {
    await emulator.stop();
  }
}

/**
 * The sweep at 10,000 and 100,000 resources: time should grow with the tenant (about 10x) while
 * peak memory stays flat (about 1x), because pages are streamed and nothing per resource is kept.
 */
export async function sweepScaling(storage: string): Promise<Figure[]> {
  const small = await measureSweep(10_000, storage);
  const large = await measureSweep(100_000, storage);
  for (const m of [small, large]) {
    console.log(
      `\nSweep of ${m.resources.toLocaleString("en")} resources: ${m.seconds.toFixed(1)} s, peak live heap +${m.peakHeapMiB.toFixed(1)} MiB (+${m.peakHeapWithGarbageMiB.toFixed(1)} MiB with garbage not yet collected), ${m.graphPages} Resource Graph pages, ${m.jobsEnqueued} jobs queued`,
    );
  }
  return [
    {
      name: "Sweep peak memory, 100,000 vs 10,000 resources",
      value: large.peakHeapMiB,
      unit: "MiB",
      baseline: small.peakHeapMiB,
      baselineName: "the same sweep over 10,000 resources",
      ratio: large.peakHeapMiB / small.peakHeapMiB,
      note: "about 1 means memory stays flat as the tenant grows 10x (pages are streamed)",
    },
    {
      name: "Sweep time, 100,000 vs 10,000 resources",
      value: large.seconds,
      unit: "s",
      baseline: small.seconds,
      baselineName: "the same sweep over 10,000 resources",
      ratio: large.seconds / small.seconds,
      note: `about 10 means linear in the tenant; Resource Graph pages ${large.graphPages} vs ${small.graphPages}`,
    },
  ];
}
