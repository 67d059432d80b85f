import { QueueClient } from "@azure/storage-queue";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type AzuriteHandle } from "../../src/azurite.js";

describe("startAzurite", () => {
  let azurite: AzuriteHandle;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it("serves queues and tables to the Azure SDK clients on loopback", async () => {
    const queue = new QueueClient(azurite.connectionString, "jobs");
    await queue.create();
    await queue.sendMessage("hello");
    const received = await queue.receiveMessages();
    expect(received.receivedMessageItems.map((m) => m.messageText)).toEqual(["hello"]);

    const table = TableClient.fromConnectionString(azurite.connectionString, "ledger", {
      allowInsecureConnection: true,
    });
    await table.createTable();
    await table.createEntity({ partitionKey: "p", rowKey: "r", value: 1 });
    expect((await table.getEntity<{ value: number }>("p", "r")).value).toBe(1);
  });
});
