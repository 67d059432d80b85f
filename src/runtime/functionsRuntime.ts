// Every function entry point imports this module, so telemetry starts before the host sees any
// registration, whichever entry point it loads first.
import "./telemetryStartup.js";
import { ConfigError, loadConfig } from "./config.js";
import { createTicketSink } from "./createTicketSink.js";
import { createAzureClients } from "../adapters/azure/azureClients.js";
import { createProductionCredential } from "../adapters/azure/productionCredential.js";
import { createServiceRuntime, type ServiceRuntime } from "./serviceRuntime.js";
import type { StorageTarget } from "../adapters/storage/storageClients.js";

let runtime: Promise<ServiceRuntime> | undefined;

/**
 * The runtime of the deployed Functions app: configuration from app settings, the managed
 * identity, and the app's storage account. Built on first use and shared by every function in the
 * process; a failed build is retried on the next invocation rather than cached.
 */
export function functionsRuntime(): Promise<ServiceRuntime> {
  runtime ??= build().catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}

async function build(): Promise<ServiceRuntime> {
  const config = loadConfig();
  const credential = await createProductionCredential();
  let storage: StorageTarget;
  if (config.AzureWebJobsStorage__accountName !== undefined) {
    storage = { accountName: config.AzureWebJobsStorage__accountName, credential };
  } else if (config.AzureWebJobsStorage !== undefined) {
    storage = { connectionString: config.AzureWebJobsStorage };
  } else {
    throw new ConfigError(
      "AzureWebJobsStorage__accountName",
      "the storage account for the queue and ledger is not set",
    );
  }
  const tickets = createTicketSink(config, credential);
  return createServiceRuntime({
    config,
    clients: createAzureClients({ credential }),
    storage,
    ...(tickets === undefined ? {} : { tickets }),
  });
}
