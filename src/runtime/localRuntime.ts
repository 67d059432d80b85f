import { createAzureClients } from "../adapters/azure/azureClients.js";
import { maxDequeueCount } from "./hostSettings.js";
import { createProductionCredential } from "../adapters/azure/productionCredential.js";
import { drainQueue, type DrainResult } from "../adapters/storage/queueDrainer.js";
import { createServiceRuntime, type ServiceRuntime } from "./serviceRuntime.js";
import type { StorageTarget } from "../adapters/storage/storageClients.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { decodeJob } from "../core/jobs/job.js";
import type { ReportAction } from "../core/report/report.js";
import { handlePoisonJob, runJob } from "../app/runJob.js";
import { AzureEmulator } from "../emulator/azureEmulator.js";
import { startAzurite, type AzuriteHandle } from "../emulator/azurite.js";
import { createTicketSink } from "./createTicketSink.js";
import { usageError } from "../cli/cliError.js";
import { loadTenant } from "../cli/loadTenant.js";

/** The service as the CLI runs it: against the embedded emulator (`--tenant`) or Azure. */
export interface LocalRuntime {
  runtime: ServiceRuntime;
  /** Set with `--tenant`. */
  emulator?: AzureEmulator;
  /**
   * Runs queued jobs in this process until the queue is empty; returns what the worker did.
   * `onJob` is called after each job (for progress).
   */
  drain(onJob?: () => void): Promise<{ actions: ReportAction[]; result: DrainResult }>;
  close(): Promise<void>;
}

function configFromEnv(apply: boolean): Config {
  try {
    return { ...loadConfig(), CMKR_DRY_RUN: !apply };
  } catch (error) {
    if (error instanceof ConfigError) throw usageError(error.message, error.code);
    throw error;
  }
}

/**
 * Builds the runtime. With a tenant file the emulator answers every Azure call and, unless a storage
 * connection is configured, an in-memory Azurite is started on loopback for the queue and the
 * ledger, so the user starts nothing by hand. Without `apply` nothing is written to Azure.
 */
export async function openLocalRuntime(options: { tenant?: string; apply: boolean }): Promise<LocalRuntime> {
  const config = configFromEnv(options.apply);
  let emulator: AzureEmulator | undefined;
  let azurite: AzuriteHandle | undefined;
  let storage: StorageTarget | undefined;
  let clients;
  if (options.tenant !== undefined) {
    emulator = new AzureEmulator(await loadTenant(options.tenant), {
      lro: { polls: 1, retryAfterSeconds: 0 },
    });
    clients = createAzureClients({ credential: emulator.credential(), httpClient: emulator.httpClient() });
    config.CMKR_LRO_POLL_INTERVAL_MS = 10;
  } else {
    clients = createAzureClients({ credential: await createProductionCredential() });
  }
  if (config.AzureWebJobsStorage__accountName !== undefined) {
    storage = {
      accountName: config.AzureWebJobsStorage__accountName,
      credential: await createProductionCredential(),
    };
  } else if (config.AzureWebJobsStorage !== undefined) {
    storage = { connectionString: config.AzureWebJobsStorage };
  } else if (emulator !== undefined) {
    azurite = await startAzurite();
    storage = { connectionString: azurite.connectionString };
  } else {
    throw usageError(
      "set AzureWebJobsStorage__accountName (or AzureWebJobsStorage) to the service's storage account, or run against --tenant",
      "StorageNotConfigured",
    );
  }
  let runtime: ServiceRuntime;
  try {
    const tickets = createTicketSink(config);
    runtime = await createServiceRuntime({
      config,
      clients,
      storage,
      ...(tickets === undefined ? {} : { tickets }),
    });
  } catch (error) {
    await azurite?.stop();
    // Settings checked while wiring (ticket sink, detection) are the user's to fix: usage error.
    if (error instanceof ConfigError) throw usageError(error.message, error.code);
    throw error;
  }
  return {
    runtime,
    ...(emulator === undefined ? {} : { emulator }),
    async drain(onJob) {
      const actions: ReportAction[] = [];
      const result = await drainQueue(
        runtime.jobQueue,
        runtime.poisonQueue,
        async (message) => {
          actions.push(...(await runJob(decodeJob(message), runtime.ctx)));
          onJob?.();
        },
        async (message, lastError) => {
          actions.push(await handlePoisonJob(decodeJob(message), runtime.ctx, lastError));
          onJob?.();
        },
        { maxAttempts: maxDequeueCount, concurrency: 16, retryDelaySeconds: 1 },
      );
      return { actions, result };
    },
    async close() {
      await azurite?.stop();
    },
  };
}
