import { randomUUID } from "node:crypto";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { createAzureClients } from "../../src/adapters/azure/azureClients.js";
import { drainQueue } from "../../src/adapters/storage/queueDrainer.js";
import type { DrainResult } from "../../src/core/ports/drainOptions.js";
import { createServiceRuntime, type ServiceRuntime } from "../../src/runtime/serviceRuntime.js";
import { loadConfig } from "../../src/runtime/config.js";
import { decodeJob } from "../../src/core/jobs/job.js";
import type { ReportAction } from "../../src/core/report/report.js";
import { handlePoisonJob, runJob } from "../../src/app/runJob.js";
import { AzureEmulator, type EmulatorOptions, type TenantFile } from "@cmkr/azure-emulator";
import type { TicketSink } from "../../src/core/tickets/ticketSink.js";

/** The service wired to an emulated tenant and a running Azurite, as the tests drive it. */
export interface ServiceHarness {
  emulator: AzureEmulator;
  runtime: ServiceRuntime;
  /** Actions the worker produced, in completion order. */
  workerActions: ReportAction[];
  /** Runs the queue until empty, like the Functions host would (retries, then poison). */
  drain(options?: { maxAttempts?: number; concurrency?: number }): Promise<DrainResult>;
}

/** Fixed "now" of the test tenants. */
export const testNow = new Date("2026-11-22T12:00:00Z");

/**
 * Builds the service against a fresh emulator seeded with `tenant` and the shared Azurite, with
 * unique queue and table names so tests never see each other's jobs.
 */
export async function createServiceHarness(
  tenant: TenantFile,
  storageConnectionString: string,
  options: {
    emulator?: EmulatorOptions;
    env?: Record<string, string>;
    pageSize?: number;
    tickets?: TicketSink;
    /** Wraps the emulator's SDK transport, e.g. to record request bodies the request log does not keep. */
    wrapHttpClient?: (client: HttpClient) => HttpClient;
  } = {},
): Promise<ServiceHarness> {
  const emulator = new AzureEmulator(tenant, {
    lro: { polls: 1, retryAfterSeconds: 0 },
    ...options.emulator,
  });
  const suffix = randomUUID().replace(/-/g, "").slice(0, 12);
  const config = loadConfig({
    CMKR_DRY_RUN: "false",
    CMKR_LRO_POLL_INTERVAL_MS: "1",
    CMKR_JOB_QUEUE: `jobs-${suffix}`,
    CMKR_LEDGER_TABLE: `ledger${suffix}`,
    AzureWebJobsStorage: storageConnectionString,
    ...options.env,
  });
  const clients = createAzureClients({
    credential: emulator.credential(),
    httpClient: options.wrapHttpClient?.(emulator.httpClient()) ?? emulator.httpClient(),
    maxRetries: 6,
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
  return {
    emulator,
    runtime,
    workerActions,
    drain: (drainOptions = {}) =>
      drainQueue(
        runtime.jobQueue,
        runtime.poisonQueue,
        async (message) => {
          workerActions.push(...(await runJob(decodeJob(message), runtime.ctx)));
        },
        async (message, lastError) => {
          workerActions.push(await handlePoisonJob(decodeJob(message), runtime.ctx, lastError));
        },
        {
          maxAttempts: drainOptions.maxAttempts ?? 5,
          concurrency: drainOptions.concurrency ?? 16,
          retryDelaySeconds: 0,
        },
      ),
  };
}
