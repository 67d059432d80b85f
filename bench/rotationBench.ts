import { createAzureClients } from "../src/adapters/azure/azureClients.js";
import { createServiceRuntime } from "../src/runtime/serviceRuntime.js";
import { loadConfig } from "../src/runtime/config.js";
import type { KeyVaultKeyEvent } from "../src/core/events/domainEvents.js";
import type { ServiceContext } from "../src/app/serviceContext.js";
import { AzureEmulator } from "@cmkr/azure-emulator";
import { decodeDelivery } from "../src/core/events/decodeDelivery.js";
import { benchKeyEvent, rotationBenchTenant, subscriptionGuid } from "./benchTenant.js";
import { planKeyEventSynchronously } from "./syncKeyEventPlanner.js";

/**
 * Plans the bench's key event with one job per consumer, synchronously (the planner before the
 * background fan-out): these benches measure what that planning costs.
 */
function planEvent(ctx: ServiceContext): ReturnType<typeof planKeyEventSynchronously> {
  const { events } = decodeDelivery(benchKeyEvent());
  const event = events[0] as KeyVaultKeyEvent;
  return planKeyEventSynchronously(event, ctx);
}

/** One printed figure: a measured value against its baseline from the same run. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  baselineName: string;
  /** value / baseline, or baseline / value when `higherIsBetter` is false for the ratio's meaning. */
  ratio: number;
  note: string;
  /**
   * Short stable name in `bench/results.json` and for `npm run bench -- --only` (e.g.
   * `rotation.writeBucketUse`); when absent, the runner names the figure after its registration.
   */
  id?: string;
  /** The figure missed what it must show (e.g. nothing was throttled): printed FAILED, exit code 1. */
  failed?: boolean;
}

/** A service runtime over the emulator and Azurite, its queue and table named by `suffix`. */
export async function runtimeFor(
  emulator: AzureEmulator,
  storage: string,
  suffix: string,
  env: Record<string, string> = {},
) {
  const config = loadConfig({
    CMKR_DRY_RUN: "false",
    CMKR_JOB_QUEUE: `bench-${suffix}`,
    CMKR_LEDGER_TABLE: `bench${suffix}`,
    AzureWebJobsStorage: storage,
    ...env,
  });
  const clients = createAzureClients({
    credential: emulator.credential(),
    httpClient: emulator.httpClient(),
  });
  return {
    runtime: await createServiceRuntime({ config, clients, storage: { connectionString: storage } }),
    clients,
  };
}

/**
 * Azure requests to plan one rotation event in a tenant of 1,000 subscriptions: the service's one
 * paged Resource Graph query against a naive listing of every consumer type in every subscription.
 */
export async function requestsPerRotationEvent(storage: string): Promise<Figure> {
  const subscriptions = 1000;
  const emulator = new AzureEmulator(rotationBenchTenant(subscriptions, 2000, 1), { throttling: false });
  const { runtime, clients } = await runtimeFor(emulator, storage, "req");
  emulator.log.clear();
  const report = await planEvent(runtime.ctx);
  const serviceRequests = emulator.log.count();

  emulator.log.clear();
  let found = 0;
  for (let s = 1; s <= subscriptions; s++) {
    const sub = subscriptionGuid(s);
    const compute = await clients.compute(sub);
    for await (const des of compute.diskEncryptionSets.list())
      if (des.activeKey?.keyUrl.includes("/keys/cmk/") === true) found++;
    const cognitive = await clients.cognitiveServices(sub);
    for await (const a of cognitive.accounts.list())
      if (a.properties?.encryption?.keyVaultProperties?.keyName === "cmk") found++;
    const generic = await clients.resources(sub);
    for await (const w of generic.resources.list({
      filter: "resourceType eq 'Microsoft.MachineLearningServices/workspaces'",
    })) {
      if (w.id !== undefined) found++;
    }
  }
  const naiveRequests = emulator.log.count();
  if (found !== report.actions.length)
    throw new Error(`naive listing found ${found} consumers, the service ${report.actions.length}`);
  return {
    name: "Azure requests to plan one rotation event (1,000 subscriptions, 2,000 consumers)",
    value: serviceRequests,
    unit: "requests",
    baseline: naiveRequests,
    baselineName: "naive per-subscription listing",
    ratio: naiveRequests / serviceRequests,
    note: `${report.actions.length} jobs queued; the naive listing makes ${(naiveRequests / serviceRequests).toFixed(0)}x more requests`,
  };
}

/** Time to plan and enqueue one event with 10,000 consumers, against a bare Resource Graph scan of them. */
export async function planAndEnqueue(storage: string): Promise<Figure> {
  const emulator = new AzureEmulator(rotationBenchTenant(100, 10_000), { throttling: false });
  const { runtime } = await runtimeFor(emulator, storage, "plan");
  const key = { vaultUrl: "https://kv-bench.vault.azure.net", keyName: "cmk" };

  const scanStart = performance.now();
  let scanned = 0;
  for await (const page of runtime.ctx.port.findConsumers(key, {})) scanned += page.length;
  const scanMs = performance.now() - scanStart;

  const planStart = performance.now();
  const report = await planEvent(runtime.ctx);
  const planMs = performance.now() - planStart;
  const queued = (await runtime.jobQueue.getProperties()).approximateMessagesCount ?? 0;
  if (report.actions.length !== scanned || queued !== scanned) {
    throw new Error(`planned ${report.actions.length}, queued ${queued}, scanned ${scanned}`);
  }
  return {
    name: "Plan and enqueue one key event with 10,000 consumers",
    value: planMs,
    unit: "ms",
    baseline: scanMs,
    baselineName: "Resource Graph scan of the same consumers",
    ratio: planMs / scanMs,
    note: `${Math.round((scanned / planMs) * 1000)} jobs/s claimed in the ledger and queued (Azurite on loopback)`,
  };
}
