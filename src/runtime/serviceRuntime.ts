import type { QueueClient } from "@azure/storage-queue";
import type { Config } from "./config.js";
import type { TicketSink } from "../core/tickets/ticketSink.js";
import type { ServiceContext } from "../app/serviceContext.js";
import { createServiceContext } from "./createServiceContext.js";
import { createTableLedger } from "../adapters/storage/tableLedger.js";
import type { AzureClients } from "../adapters/azure/azureClients.js";
import { StorageJobQueue } from "../adapters/storage/storageJobQueue.js";
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
    ctx: createServiceContext({
      config,
      clients: options.clients,
      ledger,
      queue: new StorageJobQueue(jobQueue),
      now,
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      tickets: options.tickets,
    }),
  };
}
