import { describe, expect, it } from "vitest";
import { AzureEmulator } from "../../src/azureEmulator.js";
import {
  CMK_VAULT,
  DES_COUNT,
  SUBS,
  TENANT,
  allDesIds,
  allPages,
  client,
  desId,
  desQuery,
  page,
  restError,
  setup,
  subOf,
  tenant,
} from "../support/resourceGraphTenant.js";

describe("Resource Graph through ResourceGraphClient", () => {
  it("pages 250 rows at $top 100 with $skipToken, each row exactly once, in order", async () => {
    const { graph } = setup();
    const { pages, rows } = await allPages(graph, `${desQuery} | project id, name | order by id asc`, {
      top: 100,
    });
    expect(pages.map((p) => p.count)).toEqual([100, 100, 50]);
    expect(pages.map((p) => p.totalRecords)).toEqual([250, 250, 250]);
    expect(pages.map((p) => p.skipToken === undefined)).toEqual([false, false, true]);
    expect(pages.every((p) => p.resultTruncated === "false")).toBe(true);
    expect(rows.map((r) => r.id)).toEqual([...allDesIds].sort());
  });

  it("pages a query without order by, each row exactly once", async () => {
    const { graph } = setup();
    const { pages, rows } = await allPages(graph, desQuery, { top: 100 });
    expect(pages).toHaveLength(3);
    const ids = rows.map((r) => r.id as string);
    expect(ids).toHaveLength(DES_COUNT);
    expect(new Set(ids)).toEqual(new Set(allDesIds));
  });

  it("defaults to $top 100", async () => {
    const { graph } = setup();
    const first = await page(graph, desQuery);
    expect(first.count).toBe(100);
    expect(first.skipToken).toBeDefined();
  });

  it("shapes rows as Resource Graph does and leaves role assignments out", async () => {
    const { graph } = setup();
    const [row] = (await page(graph, "resources | where name == 'aoai'")).rows;
    expect(row).toEqual({
      id: `/subscriptions/${SUBS[0]}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai`,
      name: "aoai",
      type: "microsoft.cognitiveservices/accounts",
      tenantId: TENANT,
      kind: "OpenAI",
      location: "swedencentral",
      resourceGroup: "rg-ai",
      subscriptionId: SUBS[0],
      managedBy: "",
      sku: { name: "S0" },
      plan: null,
      properties: {
        encryption: {
          keySource: "Microsoft.KeyVault",
          keyVaultProperties: { keyVaultUri: `${CMK_VAULT}/`, keyName: "cmk-des", keyVersion: "v0" },
        },
      },
      tags: { owner: "ml-team" },
      identity: null,
      zones: null,
      extendedLocation: null,
    });
    const [des] = (await page(graph, `${desQuery} | where name == 'des-001'`)).rows;
    expect(des).toMatchObject({ type: "microsoft.compute/diskencryptionsets", resourceGroup: "rg-des-1" });
    expect((await page(graph, "resources | where type has 'roleassignments'")).count).toBe(0);
    expect((await page(graph, "resources | where type =~ 'microsoft.resources/resourcegroups'")).count).toBe(
      0,
    );
  });

  it("runs the CMK disk encryption set query", async () => {
    const { graph } = setup();
    const query = `resources | where type =~ 'microsoft.compute/diskencryptionsets' | where tolower(tostring(properties.activeKey.keyUrl)) startswith '${CMK_VAULT}/keys/cmk-des/' | project id, properties`;
    const { rows } = await allPages(graph, query, { top: 1000 });
    const expected = allDesIds.filter((_, i) => i % 5 === 0);
    expect(rows.map((r) => r.id).sort()).toEqual([...expected].sort());
    expect(Object.keys(rows[0] ?? {})).toEqual(["id", "properties"]);
  });

  it("reads only the named subscriptions", async () => {
    const { graph } = setup();
    const { rows } = await allPages(graph, desQuery, { subscriptions: [SUBS[1]], top: 1000 });
    expect(rows).toHaveLength(allDesIds.filter((_, i) => subOf(i) === SUBS[1]).length);
    expect(rows.every((r) => r.subscriptionId === SUBS[1])).toBe(true);
    const two = await allPages(graph, desQuery, {
      subscriptions: [SUBS[0].toUpperCase(), SUBS[2]],
      top: 1000,
    });
    expect(new Set(two.rows.map((r) => r.subscriptionId))).toEqual(new Set([SUBS[0], SUBS[2]]));
  });

  it("reads the subscriptions of the named management groups; the tenant id names them all", async () => {
    const { graph } = setup();
    const dev = await allPages(graph, desQuery, { managementGroups: ["mg-dev"], top: 1000 });
    expect(new Set(dev.rows.map((r) => r.subscriptionId))).toEqual(new Set([SUBS[2]]));
    const prod = await allPages(graph, desQuery, { managementGroups: ["MG-PROD"], top: 1000 });
    expect(new Set(prod.rows.map((r) => r.subscriptionId))).toEqual(new Set([SUBS[0], SUBS[1]]));
    const root = await allPages(graph, desQuery, { managementGroups: [TENANT], top: 1000 });
    expect(root.rows).toHaveLength(DES_COUNT);
  });

  it("lists subscriptions and resource groups in resourcecontainers", async () => {
    const { graph } = setup();
    const { rows } = await allPages(
      graph,
      "resourcecontainers | project id, name, type, tags | order by id asc",
      {
        top: 1000,
      },
    );
    expect(rows.filter((r) => r.type === "microsoft.resources/subscriptions").map((r) => r.name)).toEqual([
      "prod-a",
      "prod-b",
      "dev",
    ]);
    const groups = rows.filter((r) => r.type === "microsoft.resources/subscriptions/resourcegroups");
    expect(groups).toHaveLength(7);
    expect(groups.find((g) => g.name === "rg-ai")).toMatchObject({ tags: { costCenter: "42" } });
    const scoped = await page(graph, "resourcecontainers", { subscriptions: [SUBS[2]] });
    expect(scoped.rows.map((r) => r.id)).toEqual([
      `/subscriptions/${SUBS[2]}`,
      `/subscriptions/${SUBS[2]}/resourceGroups/RG-Des-0`,
      `/subscriptions/${SUBS[2]}/resourceGroups/RG-Des-1`,
    ]);
  });

  it("does not page a query that uses take: no $skipToken and resultTruncated", async () => {
    const { graph } = setup();
    const limited = await page(graph, `${desQuery} | take 150`, { top: 100 });
    expect(limited).toMatchObject({
      count: 100,
      totalRecords: 150,
      resultTruncated: "true",
      skipToken: undefined,
    });
    const small = await page(graph, `${desQuery} | limit 5`, { top: 100 });
    expect(small).toMatchObject({
      count: 5,
      totalRecords: 5,
      resultTruncated: "false",
      skipToken: undefined,
    });
  });

  it("answers unsupported KQL with a 400 RestError naming the construct", async () => {
    const { graph } = setup();
    const error = await restError(graph.resources({ query: "resources\n| summarize count() by type" }));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe("BadRequest");
    expect(error.message).toContain("operator 'summarize'");
    expect(error.message).toContain("line 2, column 3");
    const join = await restError(
      graph.resources({ query: "resources | join kind=inner (resourcecontainers) on subscriptionId" }),
    );
    expect(join.statusCode).toBe(400);
    expect(join.message).toContain("operator 'join'");
    const fn = await restError(
      graph.resources({ query: "resources | where parse_json(tostring(tags)).a == 1" }),
    );
    expect(fn.message).toContain("function 'parse_json()'");
  });

  it("refuses $top over 1000 and a $skipToken from another query", async () => {
    const { graph } = setup();
    const tooMany = await restError(page(graph, desQuery, { top: 1001 }));
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.message).toContain("$top");
    const first = await page(graph, desQuery, { top: 10 });
    const other = await restError(
      page(graph, "resources | where type =~ 'microsoft.cognitiveservices/accounts'", {
        top: 10,
        skipToken: first.skipToken as string,
      }),
    );
    expect(other.statusCode).toBe(400);
    expect(other.message).toContain("$skipToken");
    const otherScope = await restError(
      page(graph, desQuery, { top: 10, skipToken: first.skipToken as string, subscriptions: [SUBS[0]] }),
    );
    expect(otherScope.statusCode).toBe(400);
  });

  it("sees writes made between pages, as Azure does", async () => {
    const { emulator, graph } = setup();
    const first = await page(graph, `${desQuery} | project id | order by id asc`, { top: 200 });
    emulator.state.deleteResource(desId(0));
    const rest = await page(graph, `${desQuery} | project id | order by id asc`, {
      top: 200,
      skipToken: first.skipToken as string,
    });
    expect(first.totalRecords).toBe(250);
    expect(rest.totalRecords).toBe(249);
    expect(rest.count).toBe(49);
  });

  it("enforces the per-principal quota with 429 and quota headers", async () => {
    let now = Date.parse("2026-03-01T12:00:00Z");
    const emulator = new AzureEmulator(tenant(), {
      throttling: false,
      clock: () => now,
      resourceGraphQuota: { limit: 2, windowSeconds: 5 },
    });
    const graph = client(emulator, "0000000a-0000-4000-8000-000000000001");
    const headers: Record<string, string | undefined>[] = [];
    const onResponse = (response: { headers: { get(name: string): string | undefined } }): void => {
      headers.push({
        remaining: response.headers.get("x-ms-user-quota-remaining"),
        resetsAfter: response.headers.get("x-ms-user-quota-resets-after"),
        retryAfter: response.headers.get("retry-after"),
      });
    };
    await graph.resources({ query: "resources | take 1" }, { onResponse });
    now += 1000;
    await graph.resources({ query: "resources | take 1" }, { onResponse });
    const throttled = await restError(graph.resources({ query: "resources | take 1" }, { onResponse }));
    expect(throttled.statusCode).toBe(429);
    expect(headers).toEqual([
      { remaining: "1", resetsAfter: "00:00:05", retryAfter: undefined },
      { remaining: "0", resetsAfter: "00:00:04", retryAfter: undefined },
      { remaining: "0", resetsAfter: "00:00:04", retryAfter: "4" },
    ]);
    // Another principal has its own quota; the first gets its quota back when the window ends.
    await client(emulator, "0000000b-0000-4000-8000-000000000002").resources({ query: "resources | take 1" });
    now += 4000;
    const again = await graph.resources({ query: "resources | take 1" }, { onResponse });
    expect(again.count).toBe(1);
    expect(headers.at(-1)).toEqual({ remaining: "1", resetsAfter: "00:00:05", retryAfter: undefined });
  });
});
