import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { describe, expect, it } from "vitest";
import { AzureEmulator } from "../../src/azureEmulator.js";
import { parseTenantFile } from "../../src/tenantFile.js";

const TENANT = "7a1b2c3d-0000-4000-8000-00000000bbbb";
const SUB = "44444444-4444-4444-8444-444444444444";
const COUNT = 2500;

function diskId(i: number): string {
  return `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/d-${String(i).padStart(5, "0")}`;
}

function setup(clock: () => number) {
  const emulator = new AzureEmulator(
    parseTenantFile({
      tenantId: TENANT,
      subscriptions: [{ subscriptionId: SUB, displayName: "s" }],
      resources: Array.from({ length: COUNT }, (_, i) => ({
        id: diskId(i),
        name: `d-${i}`,
        type: "Microsoft.Compute/disks",
        location: "westeurope",
        properties: { encryption: { type: "EncryptionAtRestWithPlatformKey" } },
      })),
      keyVaults: {},
    }),
    { throttling: false, clock },
  );
  const graph = new ResourceGraphClient(emulator.credential(), {
    httpClient: emulator.httpClient(),
    retryOptions: { maxRetries: 0 },
  });
  return { emulator, graph };
}

const query = "resources | where type =~ 'microsoft.compute/disks' | project id | order by id asc";

async function readAll(graph: ResourceGraphClient, between?: (page: number) => void): Promise<string[]> {
  const ids: string[] = [];
  let skipToken: string | undefined;
  let page = 0;
  do {
    const r = await graph.resources({
      query,
      options: { top: 1000, ...(skipToken === undefined ? {} : { skipToken }) },
    });
    ids.push(...(r.data as { id: string }[]).map((row) => row.id));
    skipToken = r.skipToken;
    between?.(++page);
  } while (skipToken !== undefined);
  return ids;
}

describe("Resource Graph paging over a large result (emulator)", () => {
  it("returns every row exactly once, in order, across pages", async () => {
    const { graph } = setup(Date.now);
    const ids = await readAll(graph);
    expect(ids).toHaveLength(COUNT);
    expect(new Set(ids).size).toBe(COUNT);
    expect(ids[0]).toBe(diskId(0));
    expect(ids.at(-1)).toBe(diskId(COUNT - 1));
  });

  it("continues a token after its cached rows expired, from the current state", async () => {
    let now = Date.parse("2026-11-22T12:00:00Z");
    const { graph } = setup(() => now);
    const ids = await readAll(graph, () => {
      now += 10 * 60_000;
    });
    expect(ids).toHaveLength(COUNT);
    expect(new Set(ids).size).toBe(COUNT);
  });

  it("shows a write made between pages (the cached rows are not reused after it)", async () => {
    const { emulator, graph } = setup(Date.now);
    const ids = await readAll(graph, (page) => {
      if (page === 1) emulator.state.deleteResource(diskId(COUNT - 1));
    });
    expect(ids).toHaveLength(COUNT - 1);
    expect(ids).not.toContain(diskId(COUNT - 1));
  });
});
