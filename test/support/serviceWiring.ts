import type { HttpClient } from "@azure/core-rest-pipeline";
import { AzureEmulator, type EmulatorOptions, type TenantFile } from "@cmkr/azure-emulator";
import { createAzureClients, type AzureClients } from "../../src/adapters/azure/azureClients.js";
import { handlePoisonJob, runJob, type WorkerDeps } from "../../src/app/runJob.js";
import { decodeJob } from "../../src/core/jobs/job.js";
import type { ReportAction } from "../../src/core/report/report.js";
import { loadConfig, type Config } from "../../src/runtime/config.js";

/**
 * What the test harnesses share, whatever holds their ledger and queue (Azurite or memory): the
 * emulated tenant and the SDK clients over it, the configuration, and the worker a drain runs.
 */

/** Fixed "now" of the test tenants. */
export const testNow = new Date("2026-11-22T12:00:00Z");

/** How the emulated Azure of a harness behaves. */
export interface EmulatedAzureOptions {
  emulator?: EmulatorOptions;
  /** Wraps the emulator's SDK transport, e.g. to record request bodies the request log does not keep. */
  wrapHttpClient?: (client: HttpClient) => HttpClient;
}

/**
 * A fresh emulator seeded with `tenant` (long-running operations end after one poll) and the real
 * SDK clients over it, in process: no socket is opened.
 */
export function emulatedAzure(
  tenant: TenantFile,
  options: EmulatedAzureOptions = {},
): { emulator: AzureEmulator; clients: AzureClients } {
  const emulator = new AzureEmulator(tenant, {
    lro: { polls: 1, retryAfterSeconds: 0 },
    ...options.emulator,
  });
  const clients = createAzureClients({
    credential: emulator.credential(),
    httpClient: options.wrapHttpClient?.(emulator.httpClient()) ?? emulator.httpClient(),
    maxRetries: 6,
  });
  return { emulator, clients };
}

/** The service's configuration in tests: writing (not a dry run), quick polling, then `env`. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ CMKR_DRY_RUN: "false", CMKR_LRO_POLL_INTERVAL_MS: "1", ...env });
}

/**
 * The queue worker as the Functions host runs it: each message a job for {@link runJob}, each
 * poisoned one for {@link handlePoisonJob}; what they return is appended to `actions`.
 */
export function testWorker(
  deps: WorkerDeps,
  actions: ReportAction[],
): {
  handle: (message: unknown) => Promise<void>;
  onPoison: (message: unknown, lastError: string) => Promise<void>;
} {
  return {
    handle: async (message) => {
      actions.push(...(await runJob(decodeJob(message), deps)));
    },
    onPoison: async (message, lastError) => {
      actions.push(await handlePoisonJob(decodeJob(message), deps, lastError));
    },
  };
}
