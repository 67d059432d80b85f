import { randomUUID } from "node:crypto";
import type { AzureEmulator, TenantFile } from "@cmkr/azure-emulator";
import { drainQueue } from "../../src/adapters/storage/queueDrainer.js";
import type { DrainResult } from "../../src/core/ports/drainOptions.js";
import type { ReportAction } from "../../src/core/report/report.js";
import type { TicketSink } from "../../src/core/tickets/ticketSink.js";
import { createServiceRuntime, type ServiceRuntime } from "../../src/runtime/serviceRuntime.js";
import {
  emulatedAzure,
  testConfig,
  testNow,
  testWorker,
  type EmulatedAzureOptions,
} from "./serviceWiring.js";

export { testNow };

/** The service wired to an emulated tenant and a running Azurite, as the tests drive it. */
export interface ServiceHarness {
  emulator: AzureEmulator;
  runtime: ServiceRuntime;
  /** Actions the worker produced, in completion order. */
  workerActions: ReportAction[];
  /** Runs the queue until empty, like the Functions host would (retries, then poison). */
  drain(options?: { maxAttempts?: number; concurrency?: number }): Promise<DrainResult>;
}

/**
 * Builds the service against a fresh emulator seeded with `tenant` and the shared Azurite, with
 * unique queue and table names so tests never see each other's jobs.
 */
export async function createServiceHarness(
  tenant: TenantFile,
  storageConnectionString: string,
  options: EmulatedAzureOptions & {
    env?: Record<string, string>;
    pageSize?: number;
    tickets?: TicketSink;
  } = {},
): Promise<ServiceHarness> {
  const { emulator, clients } = emulatedAzure(tenant, options);
  const suffix = randomUUID().replace(/-/g, "").slice(0, 12);
  const config = testConfig({
    CMKR_JOB_QUEUE: `jobs-${suffix}`,
    CMKR_LEDGER_TABLE: `ledger${suffix}`,
    AzureWebJobsStorage: storageConnectionString,
    ...options.env,
  });
  const runtime = await createServiceRuntime({
    config,
    clients,
    storage: { connectionString: storageConnectionString },
    now: () => testNow,
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    ...(options.tickets === undefined ? {} : { tickets: options.tickets }),
  });
  const workerActions: ReportAction[] = [];
  const worker = testWorker(runtime.ctx, workerActions);
  return {
    emulator,
    runtime,
    workerActions,
    drain: (drainOptions = {}) =>
      drainQueue(runtime.jobQueue, runtime.poisonQueue, worker.handle, worker.onPoison, {
        maxAttempts: drainOptions.maxAttempts ?? 5,
        concurrency: drainOptions.concurrency ?? 16,
        retryDelaySeconds: 0,
      }),
  };
}
