import type { AzureClients } from "../adapters/azure/azureClients.js";
import { createAzureRotationPort } from "../adapters/azure/azureRotationPort.js";
import { createScopeResolver } from "../adapters/azure/managementGroupSubscriptions.js";
import type { ServiceContext } from "../app/serviceContext.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { Ledger } from "../core/ports/ledger.js";
import type { TicketSink } from "../core/tickets/ticketSink.js";
import type { Config } from "./config.js";
import { detectionSettingsFromConfig } from "./detectionConfig.js";
import { createWriteGate } from "../app/writes/writeGate.js";
import { defaultWaves, parseWaves } from "../core/rollout/rolloutWaves.js";

/**
 * The service's context from configuration, SDK clients, a ledger and a job queue: the Azure
 * port, scope, detection settings and the service's identity, wired one way whatever holds the
 * ledger and the queue (Table Storage and a Storage queue in Azure, memory in fast tests).
 */
export function createServiceContext(options: {
  config: Config;
  clients: AzureClients;
  ledger: Ledger;
  queue: JobQueue;
  now?: () => Date;
  /** Resource Graph page size (max 1000). */
  pageSize?: number;
  tickets?: TicketSink | undefined;
}): ServiceContext {
  const { config } = options;
  const scope = () => ({
    subscriptions: config.CMKR_SCOPE_SUBSCRIPTIONS,
    managementGroups: config.CMKR_SCOPE_MANAGEMENT_GROUPS,
  });
  const now = options.now ?? (() => new Date());
  const writeControls = {
    budgetPerHour: config.CMKR_WRITE_BUDGET_PER_HOUR,
    pausedBySetting: config.CMKR_WRITES_PAUSED,
  };
  const waves = parseWaves(config.CMKR_ROLLOUT_WAVES);
  return {
    port: createAzureRotationPort(options.clients, {
      lroPollIntervalMs: config.CMKR_LRO_POLL_INTERVAL_MS,
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    }),
    ledger: options.ledger,
    queue: options.queue,
    scope: scope(),
    resolveScope: createScopeResolver(options.clients, scope()),
    dryRun: config.CMKR_DRY_RUN,
    expiryMarginDays: config.CMKR_KEY_EXPIRY_MARGIN_DAYS,
    leaseMs: 10 * 60 * 1000,
    fanOutBatchSize: config.CMKR_FANOUT_BATCH_SIZE,
    now,
    detection: detectionSettingsFromConfig(config),
    tickets: options.tickets,
    writeControls,
    writeGate: createWriteGate({
      ledger: options.ledger,
      settings: writeControls,
      now,
      tickets: options.tickets,
    }),
    // Validated by loadConfig: a string here would be a configuration that skipped validation.
    rollout: {
      waves: typeof waves === "string" ? ["per-type", 10, "rest"] : waves,
      text: typeof waves === "string" ? defaultWaves : config.CMKR_ROLLOUT_WAVES,
      pauseSeconds: config.CMKR_ROLLOUT_PAUSE_SECONDS,
    },
    self: {
      servicePrincipalId: config.CMKR_SERVICE_PRINCIPAL_ID,
      serviceAppId: config.CMKR_SERVICE_APP_ID,
    },
  };
}
