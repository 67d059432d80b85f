import { createAzureClients } from "../adapters/azure/azureClients.js";
import { createAzureRotationPort } from "../adapters/azure/azureRotationPort.js";
import { createProductionCredential } from "../adapters/azure/productionCredential.js";
import type { GraphScope } from "../core/ports/graphScope.js";
import type { RotationPort } from "../core/ports/rotationPort.js";
import { ConfigError, loadConfig } from "./config.js";
import { LocalRuntimeError, type LocalAzure } from "./localRuntime.js";

/** The Azure port and the settings a read-only command needs, without the queue and the ledger. */
export interface AzureReads {
  port: RotationPort;
  scope: GraphScope;
  expiryMarginDays: number;
  now: () => Date;
}

/**
 * Opens the Azure port alone, for commands that only read Azure (`cmkr ml-recreation-kit`): against
 * the local stand-in when given, else Azure with `DefaultAzureCredential`. No storage is needed or
 * started.
 */
export async function openAzureReads(options: { azure?: LocalAzure | undefined }): Promise<AzureReads> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new LocalRuntimeError(error.code, error.message);
    throw error;
  }
  const local = options.azure;
  const clients =
    local === undefined
      ? createAzureClients({ credential: await createProductionCredential() })
      : createAzureClients({ credential: local.credential(), httpClient: local.httpClient() });
  return {
    port: createAzureRotationPort(clients, { lroPollIntervalMs: config.CMKR_LRO_POLL_INTERVAL_MS }),
    scope: {
      subscriptions: config.CMKR_SCOPE_SUBSCRIPTIONS,
      managementGroups: config.CMKR_SCOPE_MANAGEMENT_GROUPS,
    },
    expiryMarginDays: config.CMKR_KEY_EXPIRY_MARGIN_DAYS,
    now: () => new Date(),
  };
}
