import { describe, expect, inject, it } from "vitest";
import { decodeJobMessage } from "../../src/adapters/storage/storageJobQueue.js";
import { handleEvents } from "../../src/app/handleEvents.js";
import { decodeJob } from "../../src/core/jobs/job.js";
import { runJob } from "../../src/app/runJob.js";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import { createServiceHarness, type ServiceHarness } from "../support/serviceHarness.js";
import { SINGLE_KEY, SingleKeyTenant, keyVersion } from "@cmkr/azure-emulator/tenant-builder";
import { keyEventDelivery } from "../support/keyEvents.js";

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;
const { keyName: KEY, vaultUrl: VAULT_URL } = SINGLE_KEY;

// Found by the chaos runner (`npm run chaos -- --seed 5`, also seeds 16 and 22): a KeyNewVersionCreated event delivered
// before its vault listed the version completed its jobs, so the redelivery was a duplicate and the
// consumers stayed on the old version with no ticket.

async function deliverV2(h: ServiceHarness) {
  const { events, errors } = decodeDelivery(keyEventDelivery(V2));
  return handleEvents(events, errors, h.runtime.ctx, { preview: false });
}

function activeKey(h: ServiceHarness, id: string): unknown {
  return h.emulator.state.getResource(id)?.body.properties?.activeKey;
}

describe("a key event that overtakes its version", () => {
  it("is retried until the version is listed, then the consumer moves to it", async () => {
    const b = new SingleKeyTenant({ versions: [{ version: V1, createdOn: "2026-01-01T00:00:00Z" }] });
    const des = b.diskEncryptionSet("des-1").id;
    const h = await createServiceHarness(b.build(), inject("azuriteConnectionString"));
    await deliverV2(h);
    // The plan page queues the consumer's batch; the batch fails on the version Key Vault does not list.
    const [plan] = (await h.runtime.jobQueue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 30 }))
      .receivedMessageItems;
    await runJob(decodeJob(decodeJobMessage(plan?.messageText ?? "")), h.runtime.ctx);
    await h.runtime.jobQueue.deleteMessage(plan?.messageId ?? "", plan?.popReceipt ?? "");
    const received = await h.runtime.jobQueue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 1 });
    const job = decodeJob(decodeJobMessage(received.receivedMessageItems[0]?.messageText ?? ""));
    await expect(runJob(job, h.runtime.ctx)).rejects.toMatchObject({
      code: "FanOutBatchIncomplete",
      cause: expect.objectContaining({ code: "KeyVersionNotListed" }) as unknown,
    });
    expect(await h.runtime.ctx.ledger.listActions(des)).toEqual([]);

    h.emulator.state.addKeyVersion(
      VAULT_URL,
      KEY,
      keyVersion({ version: V2, createdOn: "2026-11-20T00:00:00Z", expiresOn: SINGLE_KEY.expiresOn }),
    );
    // Event Grid's redelivery is still a duplicate; the queued job is what moves the consumer.
    expect((await deliverV2(h)).actions).toEqual([expect.objectContaining({ status: "skipped" })]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await h.drain();
    expect(activeKey(h, des)).toMatchObject({ keyUrl: expect.stringContaining(V2) as unknown });
  });

  it("ends as a failed job with a ticket when the version never appears", async () => {
    const b = new SingleKeyTenant({ versions: [{ version: V1, createdOn: "2026-01-01T00:00:00Z" }] });
    const des = b.diskEncryptionSet("des-1").id;
    const h = await createServiceHarness(b.build(), inject("azuriteConnectionString"));
    await deliverV2(h);
    const result = await h.drain({ maxAttempts: 2 });
    expect(result.poisoned).toBe(1);
    expect(activeKey(h, des)).toMatchObject({ keyUrl: expect.stringContaining(V1) as unknown });
    expect(await h.runtime.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({ resourceId: des, findingCode: "RotationFailed", state: "requested" }),
    ]);
  });
});
