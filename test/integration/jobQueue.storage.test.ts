import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { createQueueClient } from "../../src/adapters/storage/storageClients.js";
import { drainQueue } from "../../src/adapters/storage/queueDrainer.js";
import { StorageJobQueue, decodeJobMessage } from "../../src/adapters/storage/storageJobQueue.js";
import { jobQueueContract } from "../contract/jobQueueContract.js";

jobQueueContract("Storage queue (Azurite)", async () => {
  const storage = { connectionString: inject("azuriteConnectionString") };
  const name = `contract-${randomUUID().replace(/-/g, "").slice(0, 16)}`;
  const queue = createQueueClient(storage, name);
  const poison = createQueueClient(storage, `${name}-poison`);
  await Promise.all([queue.createIfNotExists(), poison.createIfNotExists()]);
  return {
    queue: new StorageJobQueue(queue),
    drain: (handle, onPoison, options) => drainQueue(queue, poison, handle, onPoison, options),
    poisoned: async () =>
      (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) =>
        decodeJobMessage(m.messageText),
      ),
  };
});
