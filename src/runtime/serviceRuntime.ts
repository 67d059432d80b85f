import type { QueueClient } from "@azure/storage-queue";
import type { Config } from "./config.js";
import { detectionSettingsFromConfig } from "./detectionConfig.js";
import type { TicketSink } from "../core/tickets/ticketSink.js";
import type { ServiceContext } from "../app/serviceContext.js";
import { createTableLedger } from "../adapters/storage/tableLedger.js";
import type { AzureClients } from "../adapters/azure/azureClients.js";
import { createAzureRotationPort } from "../adapters/azure/azureRotationPort.js";
import { StorageJobQueue } from "../adapters/storage/storageJobQueue.js";
import { createScopeResolver } from "../adapters/azure/managementGroupSubscriptions.js";
import {
  createQueueClient,
  createTableClient,
  type StorageTarget,
} from "../adapters/storage/storageClients.js";

/** The service wired to Azure (or the emulator and Azurite): context plus the raw queues. */
export interface ServiceRuntime {
  config: Config;
  ctx: ServiceContext;
  jobQueue: QueueClient;
  poisonQueue: QueueClient;
}

/** The poison queue's name, as the Functions host names it. */
export function poisonQueueName(queueName: string): string {
  return `${queueName}-poison`;
}

/** Wires the service from configuration, SDK clients and storage. Creates the queues if missing. */
export async function createServiceRuntime(options: {
  config: Config;
  clients: AzureClients;
  storage: StorageTarget;
  now?: () => Date;
  /** Resource Graph page size (max 1000). */
  pageSize?: number;
  tickets?: TicketSink;
}): Promise<ServiceRuntime> {
  const { config } = options;
  const now = options.now ?? (() => new Date());
  const jobQueue = createQueueClient(options.storage, config.CMKR_JOB_QUEUE);
  const poisonQueue = createQueueClient(options.storage, poisonQueueName(config.CMKR_JOB_QUEUE));
  await Promise.all([jobQueue.createIfNotExists(), poisonQueue.createIfNotExists()]);
  const ledger = createTableLedger(createTableClient(options.storage, config.CMKR_LEDGER_TABLE), () =>
    now().getTime(),
  );
  return {
    config,
    jobQueue,
    poisonQueue,
    ctx: {
      port: createAzureRotationPort(options.clients, {
        lroPollIntervalMs: config.CMKR_LRO_POLL_INTERVAL_MS,
        ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      }),
      ledger,
      queue: new StorageJobQueue(jobQueue),
      scope: {
        subscriptions: config.CMKR_SCOPE_SUBSCRIPTIONS,
        managementGroups: config.CMKR_SCOPE_MANAGEMENT_GROUPS,
      },
      resolveScope: createScopeResolver(options.clients, {
        subscriptions: config.CMKR_SCOPE_SUBSCRIPTIONS,
        managementGroups: config.CMKR_SCOPE_MANAGEMENT_GROUPS,
      }),
      dryRun: config.CMKR_DRY_RUN,
      expiryMarginDays: config.CMKR_KEY_EXPIRY_MARGIN_DAYS,
      leaseMs: 10 * 60 * 1000,
      now,
      detection: detectionSettingsFromConfig(config),
      tickets: options.tickets,
      self: {
        servicePrincipalId: config.CMKR_SERVICE_PRINCIPAL_ID,
        serviceAppId: config.CMKR_SERVICE_APP_ID,
      },
    },
  };
}
