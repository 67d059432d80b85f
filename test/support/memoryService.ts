import type { AzureEmulator, TenantFile } from "@cmkr/azure-emulator";
import { createMemoryLedger } from "../../src/adapters/memory/createMemoryLedger.js";
import { drainMemoryQueue } from "../../src/adapters/memory/drainMemoryQueue.js";
import { MemoryJobQueue } from "../../src/adapters/memory/memoryJobQueue.js";
import type { ServiceContext } from "../../src/app/serviceContext.js";
import type { DrainResult } from "../../src/core/ports/drainOptions.js";
import type { ReportAction } from "../../src/core/report/report.js";
import type { TicketSink } from "../../src/core/tickets/ticketSink.js";
import { createServiceContext } from "../../src/runtime/createServiceContext.js";
import { maxDequeueCount } from "../../src/runtime/hostSettings.js";
import {
  emulatedAzure,
  testConfig,
  testNow,
  testWorker,
  type EmulatedAzureOptions,
} from "./serviceWiring.js";

/**
 * The service over the in-memory ledger and queue and an emulated tenant, wired as in Azure
 * (`createServiceContext`, the real SDK clients and Azure adapter): for tests of the application
 * that need neither Azurite nor a socket.
 */
export interface MemoryService {
  emulator: AzureEmulator;
  ctx: ServiceContext;
  /** The queue jobs are planned onto (`ctx.queue`), to look into or drain. */
  queue: MemoryJobQueue;
  /** Actions the worker produced, in completion order. */
  workerActions: ReportAction[];
  /** Runs the queue until empty, like the Functions host would (retries, then poison). */
  drain(options?: { maxAttempts?: number; concurrency?: number }): Promise<DrainResult>;
}

/** Builds the service over a fresh emulator seeded with `tenant`, an empty ledger and an empty queue. */
export function createMemoryService(
  tenant: TenantFile,
  options: EmulatedAzureOptions & {
    env?: Record<string, string>;
    /** The service's clock (default the test tenants' fixed "now"); the ledger records its times. */
    now?: () => Date;
    tickets?: TicketSink;
    /** Resource Graph page size (max 1000). */
    pageSize?: number;
  } = {},
): MemoryService {
  const { emulator, clients } = emulatedAzure(tenant, options);
  const now = options.now ?? (() => testNow);
  const queue = new MemoryJobQueue();
  const ctx = createServiceContext({
    config: testConfig(options.env),
    clients,
    ledger: createMemoryLedger(() => now().getTime()),
    queue,
    now,
    tickets: options.tickets,
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
  });
  const workerActions: ReportAction[] = [];
  const worker = testWorker(ctx, workerActions);
  return {
    emulator,
    ctx,
    queue,
    workerActions,
    drain: (drainOptions = {}) =>
      drainMemoryQueue(queue, worker.handle, worker.onPoison, {
        maxAttempts: drainOptions.maxAttempts ?? maxDequeueCount,
        concurrency: drainOptions.concurrency ?? 16,
        retryDelaySeconds: 0,
      }),
  };
}
