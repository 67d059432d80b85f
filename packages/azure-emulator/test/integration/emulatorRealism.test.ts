import { ComputeManagementClient } from "@azure/arm-compute";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { AzureEmulator } from "../../src/azureEmulator.js";
import { parseTenantFile } from "../../src/tenantFile.js";
import { SINGLE_KEY, SingleKeyTenant } from "../../src/tenantBuilder/index.js";

const { v1: V1 } = SINGLE_KEY.versions;
const { subscriptionId } = SINGLE_KEY;

function tenantWithSets(count: number, subscriptions: number) {
  const b = new SingleKeyTenant();
  for (let i = 0; i < count; i++)
    b.diskEncryptionSet(`des-${String(i).padStart(3, "0")}`, { sub: (i % subscriptions) + 1 });
  return b.build();
}

const sub1 = subscriptionId(1);

describe("emulator realism knobs", () => {
  it("an injected 429 with Retry-After is retried by the SDK, which then succeeds", async () => {
    const emulator = new AzureEmulator(tenantWithSets(1, 1));
    emulator.injectFault({
      status: 429,
      method: "GET",
      url: "diskEncryptionSets",
      count: 2,
      retryAfterSeconds: 0,
    });
    const compute = new ComputeManagementClient(emulator.credential(), sub1, {
      httpClient: emulator.httpClient(),
    });
    const des = await compute.diskEncryptionSets.get("rg-compute", "des-000");
    expect(des.activeKey?.keyUrl).toContain(V1);
    expect(emulator.log.entries({ method: "GET", url: "diskEncryptionSets" }).map((e) => e.status)).toEqual([
      429, 429, 200,
    ]);
    expect(emulator.faults.injected).toBe(2);
  });

  it("ARM token buckets answer 429 with Retry-After once empty, and report what remains", async () => {
    let now = 1_000_000;
    const emulator = new AzureEmulator(tenantWithSets(1, 1), {
      throttling: { readBurst: 3, readPerSecond: 1 },
      clock: () => now,
    });
    const compute = new ComputeManagementClient(emulator.credential(), sub1, {
      httpClient: emulator.httpClient(),
      retryOptions: { maxRetries: 0 },
    });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      await compute.diskEncryptionSets.get("rg-compute", "des-000", {
        onResponse: (r) => remaining.push(r.headers.get("x-ms-ratelimit-remaining-subscription-reads") ?? ""),
      });
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const error = await compute.diskEncryptionSets.get("rg-compute", "des-000").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(429);
    expect((error as RestError).response?.headers.get("retry-after")).toBe("1");
    expect(emulator.log.count({ status: 429 })).toBe(1);
    // Another principal has its own bucket; time refills this one.
    const other = new ComputeManagementClient(emulator.credential({ objectId: "other" }), sub1, {
      httpClient: emulator.httpClient(),
    });
    await expect(other.diskEncryptionSets.get("rg-compute", "des-000")).resolves.toBeDefined();
    now += 1000;
    await expect(compute.diskEncryptionSets.get("rg-compute", "des-000")).resolves.toBeDefined();
  });

  it("a paged Resource Graph query returns every row exactly once, scoped to the subscriptions asked for", async () => {
    const emulator = new AzureEmulator(tenantWithSets(250, 3));
    const graph = new ResourceGraphClient(emulator.credential(), { httpClient: emulator.httpClient() });
    const query =
      "resources | where type =~ 'Microsoft.Compute/diskEncryptionSets' | project id, name | order by name asc";
    const seen: string[] = [];
    let skipToken: string | undefined;
    let pages = 0;
    do {
      const page = await graph.resources({
        query,
        options: { top: 100, ...(skipToken === undefined ? {} : { skipToken }) },
      });
      seen.push(...(page.data as { name: string }[]).map((r) => r.name));
      skipToken = page.skipToken;
      pages++;
    } while (skipToken !== undefined);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen[0]).toBe("des-000");

    const scoped = await graph.resources({
      query,
      subscriptions: [subscriptionId(2)],
      options: { top: 1000 },
    });
    expect(scoped.totalRecords).toBe(83);
  });

  it("unsupported KQL is a 400 naming the construct", async () => {
    const emulator = new AzureEmulator(tenantWithSets(1, 1));
    const graph = new ResourceGraphClient(emulator.credential(), { httpClient: emulator.httpClient() });
    const error = await graph
      .resources({ query: "resources | summarize count() by type" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(400);
    expect((error as RestError).message).toContain("summarize");
  });

  it("adds latency per call and logs every request; its state writes back out as a valid tenant file", async () => {
    const emulator = new AzureEmulator(tenantWithSets(2, 1), { latencyMs: 20 });
    const compute = new ComputeManagementClient(emulator.credential(), sub1, {
      httpClient: emulator.httpClient(),
    });
    await compute.diskEncryptionSets.beginUpdateAndWait(
      "rg-compute",
      "des-001",
      { rotationToLatestKeyVersionEnabled: true },
      { updateIntervalInMs: 0 },
    );
    const entries = emulator.log.entries();
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(entries.every((e) => e.durationMs >= 15)).toBe(true);
    expect(entries[0]).toMatchObject({
      method: "PATCH",
      status: 202,
      principal: "00000000-0000-0000-0000-0000000000e1",
    });
    const saved = parseTenantFile(JSON.parse(JSON.stringify(emulator.toTenantFile())));
    const des = saved.resources.find((r) => r.name === "des-001");
    expect(des?.properties).toMatchObject({
      rotationToLatestKeyVersionEnabled: true,
      provisioningState: "Succeeded",
    });
  });
});
