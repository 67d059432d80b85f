import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { createAzureClients } from "../adapters/azure/azureClients.js";
import { createProductionCredential } from "../adapters/azure/productionCredential.js";
import { drainQueue } from "../adapters/storage/queueDrainer.js";
import type { DrainResult } from "../core/ports/drainOptions.js";
import type { StorageTarget } from "../adapters/storage/storageClients.js";
import { handlePoisonJob, runJob } from "../app/runJob.js";
import { decodeJob } from "../core/jobs/job.js";
import type { ReportAction } from "../core/report/report.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { createTicketSink } from "./createTicketSink.js";
import { maxDequeueCount } from "./hostSettings.js";
import { createServiceRuntime, type ServiceRuntime } from "./serviceRuntime.js";

/**
 * A stand-in for Azure the command line runs against (the emulator, loaded by the CLI for
 * `--tenant`): the credential and HTTP client every SDK client is built with.
 */
export interface LocalAzure {
  credential(): TokenCredential;
  httpClient(): HttpClient;
}

/** Local storage for the queue and ledger (Azurite in memory), started on demand. */
export type LocalStorageStarter = () => Promise<{ connectionString: string; stop(): Promise<void> }>;

/** Stable codes of {@link LocalRuntimeError}. */
export type LocalRuntimeErrorCode = "StorageNotConfigured" | ConfigError["code"];

/** The local runtime cannot be built from the settings given: the user's to fix. */
export class LocalRuntimeError extends Error {
  constructor(
    readonly code: LocalRuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "LocalRuntimeError";
  }
}

/** The service as the CLI runs it: against a local stand-in for Azure, or Azure itself. */
export interface LocalRuntime {
  runtime: ServiceRuntime;
  /**
   * Runs queued jobs in this process until the queue is empty; returns what the worker did.
   * `onJob` is called after each job with its actions (for progress and logs).
   */
  drain(
    onJob?: (actions: readonly ReportAction[]) => void,
  ): Promise<{ actions: ReportAction[]; result: DrainResult }>;
  close(): Promise<void>;
}

function configFromEnv(apply: boolean): Config {
  try {
    return { ...loadConfig(), CMKR_DRY_RUN: !apply };
  } catch (error) {
    if (error instanceof ConfigError) throw new LocalRuntimeError(error.code, error.message);
    throw error;
  }
}

/**
 * Builds the runtime. With a local stand-in for Azure every Azure call goes to it and, unless a
 * storage connection is configured, `startStorage` provides the queue and the ledger, so the user
 * starts nothing by hand. Without `apply` nothing is written to Azure.
 */
export async function openLocalRuntime(options: {
  azure?: LocalAzure | undefined;
  startStorage?: LocalStorageStarter | undefined;
  apply: boolean;
}): Promise<LocalRuntime> {
  const config = configFromEnv(options.apply);
  const local = options.azure;
  let clients;
  if (local !== undefined) {
    clients = createAzureClients({ credential: local.credential(), httpClient: local.httpClient() });
    config.CMKR_LRO_POLL_INTERVAL_MS = 10;
  } else {
    clients = createAzureClients({ credential: await createProductionCredential() });
  }
  let stopStorage: (() => Promise<void>) | undefined;
  let storage: StorageTarget;
  if (config.AzureWebJobsStorage__accountName !== undefined) {
    storage = {
      accountName: config.AzureWebJobsStorage__accountName,
      credential: await createProductionCredential(),
    };
  } else if (config.AzureWebJobsStorage !== undefined) {
    storage = { connectionString: config.AzureWebJobsStorage };
  } else if (local !== undefined && options.startStorage !== undefined) {
    const started = await options.startStorage();
    stopStorage = () => started.stop();
    storage = { connectionString: started.connectionString };
  } else {
    throw new LocalRuntimeError(
      "StorageNotConfigured",
      "set AzureWebJobsStorage__accountName (or AzureWebJobsStorage) to the service's storage account, or run against --tenant",
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
    await stopStorage?.();
    // Settings checked while wiring (ticket sink, detection) are the user's to fix.
    if (error instanceof ConfigError) throw new LocalRuntimeError(error.code, error.message);
    throw error;
  }
  return {
    runtime,
    async drain(onJob) {
      const actions: ReportAction[] = [];
      const result = await drainQueue(
        runtime.jobQueue,
        runtime.poisonQueue,
        async (message) => {
          const done = await runJob(decodeJob(message), runtime.ctx);
          actions.push(...done);
          onJob?.(done);
        },
        async (message, lastError) => {
          const done = await handlePoisonJob(decodeJob(message), runtime.ctx, lastError);
          actions.push(done);
          onJob?.([done]);
        },
        { maxAttempts: maxDequeueCount, concurrency: 16, retryDelaySeconds: 1 },
      );
      return { actions, result };
    },
    async close() {
      await stopStorage?.();
    },
  };
}
