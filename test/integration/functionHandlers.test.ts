import { InvocationContext } from "@azure/functions";
import { describe, expect, inject, it } from "vitest";
import { createJobWorkerHandler } from "../../src/runtime/triggers/jobWorkerHandler.js";
import { createEventGridHandler } from "../../functions/eventGridHandler.js";
import { createPoisonJobsHandler } from "../../src/runtime/triggers/poisonJobsHandler.js";
import { decodeJobMessage } from "../../src/adapters/storage/storageJobQueue.js";
import { createServiceHarness } from "../support/serviceHarness.js";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";
import { keyEventDelivery } from "../support/keyEvents.js";

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;

function context(functionName: string) {
  const logs: string[] = [];
  const ctx = new InvocationContext({
    functionName,
    invocationId: `inv-${functionName}`,
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(" ")}`),
  });
  return { ctx, logs };
}

describe("Functions handlers (test mode, real SDK clients against the emulator and Azurite)", () => {
  it("the Event Grid trigger queues jobs, the queue worker rotates, the poison handler tickets", async () => {
    const b = new SingleKeyTenant({
      versions: [
        { version: V1, createdOn: "2026-01-01T00:00:00Z" },
        { version: V2, createdOn: "2026-11-20T00:00:00Z" },
      ],
    });
    const des = b.diskEncryptionSet("des-1").id;
    const h = await createServiceHarness(b.build(), inject("azuriteConnectionString"));
    const runtime = () => Promise.resolve(h.runtime);

    const [event] = keyEventDelivery(V2);
    const grid = context("keyVaultEvents");
    const report = await createEventGridHandler(runtime)(event as never, grid.ctx);
    // The event answers for the key: its fan-out is queued, the worker finds the consumers.
    expect(report.actions).toEqual([
      expect.objectContaining({ resourceId: SINGLE_KEY.vaultId, action: "rotate-key", status: "planned" }),
    ]);
    expect(grid.logs.some((l) => l.startsWith("information: {"))).toBe(true);

    // The host hands the worker the decoded JSON of the queue message: the plan page first.
    const [planText] = (await h.runtime.jobQueue.receiveMessages({ numberOfMessages: 1 }))
      .receivedMessageItems;
    const plan = decodeJobMessage(planText?.messageText ?? "");
    expect(await createJobWorkerHandler(runtime)(plan, context("jobWorker").ctx)).toEqual([]);
    // Then the batch of the page's consumers.
    const received = await h.runtime.jobQueue.receiveMessages({ numberOfMessages: 1 });
    const message = decodeJobMessage(received.receivedMessageItems[0]?.messageText ?? "");
    const worker = context("jobWorker");
    const actions = await createJobWorkerHandler(runtime)(message, worker.ctx);
    expect(actions).toEqual([
      expect.objectContaining({ action: "rotate-key", status: "applied", resourceId: des }),
    ]);
    expect(h.emulator.state.getResource(des)?.body.properties).toMatchObject({
      activeKey: { keyUrl: expect.stringContaining(V2) as unknown },
    });

    // A malformed message is dropped with a clear error rather than retried into the poison queue.
    const bad = context("jobWorker");
    expect(await createJobWorkerHandler(runtime)({ v: 1, kind: "rotate" }, bad.ctx)).toBeUndefined();
    expect(bad.logs.join("\n")).toMatch(/error: Invalid job message at \$\.jobId/);

    // A plan page that gave up: failed, with a ticket on the key's vault (its consumers were not queued).
    const poison = context("poisonJobs");
    const failed = await createPoisonJobsHandler(runtime)(plan, poison.ctx);
    expect(failed).toMatchObject({ status: "failed", codes: ["RotationFailed"] });
    expect(await h.runtime.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({ resourceId: SINGLE_KEY.vaultId, findingCode: "RotationFailed" }),
    ]);
  });

  it("a malformed Key Vault event is reported, not thrown", async () => {
    const h = await createServiceHarness(new SingleKeyTenant().build(), inject("azuriteConnectionString"));
    const [event] = keyEventDelivery(V2) as { data: Record<string, unknown> }[];
    const grid = context("keyVaultEvents");
    const report = await createEventGridHandler(() => Promise.resolve(h.runtime))(
      { ...event, data: { ...event!.data, Version: 42 } } as never,
      grid.ctx,
    );
    expect(report.actions).toEqual([]);
    expect(report.errors).toEqual([expect.objectContaining({ input: "data.Version" })]);
    expect(grid.logs.join("\n")).toMatch(/warning: Dropped malformed event: .*data\.Version/);
  });
});
