import { describe, expect, it } from "vitest";
import { AzureEmulator } from "@cmkr/azure-emulator";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";
import { createAzureClients } from "../../src/adapters/azure/azureClients.js";
import { armBucketLimits, createArmPacer } from "../../src/adapters/azure/armPacer.js";

/** One clock for the emulator's buckets and the pacer's; a sleep moves it on instead of waiting. */
function virtualTime(): { now: () => number; sleep: (ms: number) => Promise<void> } {
  let t = Date.parse("2026-12-03T12:00:00Z");
  return {
    now: () => t,
    sleep: async (ms) => {
      const wake = t + ms;
      await Promise.resolve();
      t = Math.max(t, wake);
    },
  };
}

function tenant(): { tenant: ReturnType<SingleKeyTenant["build"]>; id: string } {
  const b = new SingleKeyTenant();
  const id = b.diskEncryptionSet("des-paced").id;
  return { tenant: b.build(), id };
}

describe("the ARM pacer keeps the service inside ARM's token buckets (real SDK, emulator at ARM's rates)", () => {
  it("400 reads of one subscription: the burst at once, the rest at the refill rate, no 429", async () => {
    const time = virtualTime();
    const { tenant: t, id } = tenant();
    const emulator = new AzureEmulator(t, { clock: time.now });
    const pacer = createArmPacer({ now: time.now, sleep: time.sleep });
    const clients = createAzureClients({
      credential: emulator.credential(),
      httpClient: emulator.httpClient(),
      armPacer: pacer,
      maxRetries: 0,
    });
    const client = await clients.resources(SINGLE_KEY.subscriptionId(1));
    const start = time.now();
    for (let i = 0; i < 400; i++) await client.resources.getById(id, "2024-03-02");

    expect(emulator.log.count({ status: 429 })).toBe(0);
    expect(emulator.log.count({ method: "GET", status: 200 })).toBe(400);
    expect(pacer.stats.waited).toBe(400 - armBucketLimits.readBurst);
    // (400 - 250) reads at 25/s: six seconds, not sooner (that would be throttled), not much later.
    expect(time.now() - start).toBeGreaterThanOrEqual(6000);
    expect(time.now() - start).toBeLessThan(6200);
  });

  it("tokens another client spent under the same principal are learnt from x-ms-ratelimit-remaining", async () => {
    const time = virtualTime();
    const { tenant: t, id } = tenant();
    const emulator = new AzureEmulator(t, { clock: time.now });
    const other = createAzureClients({
      credential: emulator.credential(),
      httpClient: emulator.httpClient(),
      armPacer: false,
      maxRetries: 0,
    });
    const otherClient = await other.resources(SINGLE_KEY.subscriptionId(1));
    for (let i = 0; i < 240; i++) await otherClient.resources.getById(id, "2024-03-02");

    const pacer = createArmPacer({ now: time.now, sleep: time.sleep });
    const clients = createAzureClients({
      credential: emulator.credential(),
      httpClient: emulator.httpClient(),
      armPacer: pacer,
      maxRetries: 0,
    });
    const client = await clients.resources(SINGLE_KEY.subscriptionId(1));
    for (let i = 0; i < 60; i++) await client.resources.getById(id, "2024-03-02");

    expect(emulator.log.count({ status: 429 })).toBe(0);
    expect(pacer.stats.waited).toBeGreaterThan(0);
  });

  it("without the pacer the same reads are throttled (the emulator's buckets are real)", async () => {
    const time = virtualTime();
    const { tenant: t, id } = tenant();
    const emulator = new AzureEmulator(t, { clock: time.now });
    const clients = createAzureClients({
      credential: emulator.credential(),
      httpClient: emulator.httpClient(),
      armPacer: false,
      maxRetries: 0,
    });
    const client = await clients.resources(SINGLE_KEY.subscriptionId(1));
    const answers = await Promise.allSettled(
      Array.from({ length: 300 }, () => client.resources.getById(id, "2024-03-02")),
    );
    expect(answers.filter((a) => a.status === "rejected")).toHaveLength(300 - armBucketLimits.readBurst);
    expect(emulator.log.count({ status: 429 })).toBe(300 - armBucketLimits.readBurst);
  });

  it("Key Vault and Resource Graph requests are not paced", async () => {
    const time = virtualTime();
    const { tenant: t } = tenant();
    const emulator = new AzureEmulator(t, { clock: time.now });
    const pacer = createArmPacer({
      now: time.now,
      sleep: time.sleep,
      limits: { readBurst: 1, readPerSecond: 1 },
    });
    const clients = createAzureClients({
      credential: emulator.credential(),
      httpClient: emulator.httpClient(),
      armPacer: pacer,
    });
    const keys = await clients.keys(SINGLE_KEY.vaultUrl);
    for (let i = 0; i < 5; i++) await keys.getKey(SINGLE_KEY.keyName);
    const graph = await clients.resourceGraph();
    for (let i = 0; i < 3; i++) await graph.resources({ query: "Resources | limit 1" });
    expect(pacer.stats.waited).toBe(0);
  });
});
