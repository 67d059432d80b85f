import { describe, expect, it } from "vitest";
import { AzureEmulator, type EmulatorOptions } from "../../src/azureEmulator.js";
import type { EmulatorResponse } from "../../src/emulatorTypes.js";
import { parseTenantFile, type TenantFile } from "../../src/tenantFile.js";

/**
 * The Resource Graph endpoint at the HTTP level, for what the SDK never sends (missing api-version,
 * malformed bodies, table format, $skip) and for exact headers.
 */

const TENANT = "7a1b2c3d-0000-4000-8000-00000000bbbb";
const SUB_A = "aaaaaaaa-0000-4000-8000-000000000001";
const SUB_B = "bbbbbbbb-0000-4000-8000-000000000002";
const URL_BASE = "https://management.azure.com/providers/Microsoft.ResourceGraph/resources";

function tenant(managementGroups: boolean): TenantFile {
  const resources = Array.from({ length: 12 }, (_, i) => ({
    id: `/subscriptions/${i < 8 ? SUB_A : SUB_B}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-${String(i).padStart(2, "0")}`,
    name: `kv-${String(i).padStart(2, "0")}`,
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    properties: { vaultUri: `https://kv-${i}.vault.azure.net/`, enableSoftDelete: true },
  }));
  return parseTenantFile({
    tenantId: TENANT,
    subscriptions: [
      { subscriptionId: SUB_A, displayName: "a", ...(managementGroups ? { managementGroupId: "mg-a" } : {}) },
      { subscriptionId: SUB_B, displayName: "b" },
    ],
    resources,
    keyVaults: {},
  });
}

async function bearer(
  emulator: AzureEmulator,
  objectId = "0000000c-0000-4000-8000-000000000003",
): Promise<string> {
  const token = await emulator
    .credential({ objectId, tenantId: TENANT })
    .getToken("https://management.azure.com/.default");
  return `Bearer ${token.token}`;
}

interface Call {
  body?: unknown;
  rawBody?: string;
  apiVersion?: string | null;
  method?: string;
  path?: string;
  objectId?: string;
}

async function call(
  emulator: AzureEmulator,
  options: Call = {},
): Promise<{ response: EmulatorResponse; json: Record<string, unknown> }> {
  const url = new URL(options.path === undefined ? URL_BASE : `https://management.azure.com${options.path}`);
  const apiVersion = options.apiVersion === undefined ? "2024-04-01" : options.apiVersion;
  if (apiVersion !== null) url.searchParams.set("api-version", apiVersion);
  const response = await emulator.handle({
    method: options.method ?? "POST",
    url,
    headers: { authorization: await bearer(emulator, options.objectId), "content-type": "application/json" },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  return { response, json: JSON.parse(response.body ?? "{}") as Record<string, unknown> };
}

function emulatorWith(options: EmulatorOptions = {}, managementGroups = false): AzureEmulator {
  return new AzureEmulator(tenant(managementGroups), { throttling: false, ...options });
}

const vaults = "resources | where type =~ 'microsoft.keyvault/vaults' | project name | order by name asc";

describe("Resource Graph endpoint", () => {
  it("requires an api-version and knows the supported ones", async () => {
    const emulator = emulatorWith();
    const missing = await call(emulator, { apiVersion: null, body: { query: vaults } });
    expect(missing.response.status).toBe(400);
    expect(missing.json).toMatchObject({ error: { code: "MissingApiVersionParameter" } });
    const unknown = await call(emulator, { apiVersion: "2099-01-01", body: { query: vaults } });
    expect(unknown.response.status).toBe(400);
    expect(unknown.json).toMatchObject({ error: { code: "InvalidApiVersionParameter" } });
    for (const version of ["2019-04-01", "2021-03-01", "2022-10-01", "2024-04-01"]) {
      expect((await call(emulator, { apiVersion: version, body: { query: vaults } })).response.status).toBe(
        200,
      );
    }
  });

  it("answers only POST on the resources path", async () => {
    const emulator = emulatorWith();
    expect((await call(emulator, { method: "GET" })).response.status).toBe(405);
    const other = await call(emulator, {
      path: "/providers/Microsoft.ResourceGraph/resourcesHistory",
      body: {},
    });
    expect(other.response.status).toBe(404);
  });

  it.each([
    [undefined, "body"],
    ["not json", "body"],
    ["[]", "body"],
    [JSON.stringify({}), "'query'"],
    [JSON.stringify({ query: "   " }), "'query'"],
    [JSON.stringify({ query: vaults, subscriptions: "x" }), "'subscriptions'"],
    [
      JSON.stringify({ query: vaults, subscriptions: [SUB_A], managementGroups: ["mg"] }),
      "'managementGroups'",
    ],
    [JSON.stringify({ query: vaults, options: { $top: 0 } }), "'$top'"],
    [JSON.stringify({ query: vaults, options: { $top: 1001 } }), "'$top'"],
    [JSON.stringify({ query: vaults, options: { $top: "10" } }), "'$top'"],
    [JSON.stringify({ query: vaults, options: { $skip: -1 } }), "'$skip'"],
    [JSON.stringify({ query: vaults, options: { resultFormat: "csv" } }), "'resultFormat'"],
    [JSON.stringify({ query: vaults, options: { $skipToken: "garbage" } }), "'$skipToken'"],
    [JSON.stringify({ query: vaults, facets: [{ expression: "location" }] }), "'facets'"],
  ])("refuses body %s naming %s", async (rawBody, field) => {
    const { response, json } = await call(emulatorWith(), rawBody === undefined ? {} : { rawBody });
    expect(response.status).toBe(400);
    expect(json).toMatchObject({ error: { code: "BadRequest" } });
    expect((json.error as { message: string }).message).toContain(field);
  });

  it("answers KQL errors in Resource Graph's error shape", async () => {
    const { response, json } = await call(emulatorWith(), { body: { query: "resources | mv-expand tags" } });
    expect(response.status).toBe(400);
    expect(json).toEqual({
      error: {
        code: "BadRequest",
        message: expect.stringContaining("operator 'mv-expand'") as unknown,
        details: [
          { code: "InvalidQuery", message: expect.any(String) as unknown },
          {
            code: "UnsupportedKqlConstruct",
            message: expect.stringContaining("line 1, column 13") as unknown,
            construct: "operator 'mv-expand'",
            line: 1,
            characterPositionInLine: 13,
          },
        ],
      },
    });
  });

  it("returns the table format on request, and by default before api-version 2021-03-01", async () => {
    const emulator = emulatorWith();
    const query =
      "resources | where name == 'kv-00' | project name, properties, soft = properties.enableSoftDelete == true";
    const table = await call(emulator, { body: { query, options: { resultFormat: "table" } } });
    expect(table.json.data).toEqual({
      columns: [
        { name: "name", type: "string" },
        { name: "properties", type: "object" },
        { name: "soft", type: "boolean" },
      ],
      rows: [["kv-00", { vaultUri: "https://kv-0.vault.azure.net/", enableSoftDelete: true }, true]],
    });
    const old = await call(emulator, { apiVersion: "2019-04-01", body: { query } });
    expect(old.json.data).toEqual(table.json.data);
    const current = await call(emulator, { body: { query } });
    expect(current.json.data).toEqual([
      {
        name: "kv-00",
        properties: { vaultUri: "https://kv-0.vault.azure.net/", enableSoftDelete: true },
        soft: true,
      },
    ]);
  });

  it("applies $skip to paged queries and ignores it with take", async () => {
    const emulator = emulatorWith();
    const skipped = await call(emulator, { body: { query: vaults, options: { $skip: 10, $top: 5 } } });
    expect(skipped.json).toMatchObject({ totalRecords: 12, count: 2, resultTruncated: "false" });
    expect(skipped.json.data).toEqual([{ name: "kv-10" }, { name: "kv-11" }]);
    expect(skipped.json.$skipToken).toBeUndefined();
    const firstPage = await call(emulator, { body: { query: vaults, options: { $skip: 2, $top: 5 } } });
    const secondPage = await call(emulator, {
      body: { query: vaults, options: { $top: 5, $skipToken: firstPage.json.$skipToken } },
    });
    expect(secondPage.json.data).toEqual(
      ["kv-07", "kv-08", "kv-09", "kv-10", "kv-11"].map((name) => ({ name })),
    );
    const limited = await call(emulator, { body: { query: `${vaults} | take 3`, options: { $skip: 2 } } });
    expect(limited.json.data).toEqual([{ name: "kv-00" }, { name: "kv-01" }, { name: "kv-02" }]);
  });

  it("does not page results whose columns are all dynamic", async () => {
    const emulator = emulatorWith();
    const { json } = await call(emulator, {
      body: { query: "resources | project properties", options: { $top: 5 } },
    });
    expect(json).toMatchObject({ totalRecords: 12, count: 5, resultTruncated: "true" });
    expect(json.$skipToken).toBeUndefined();
  });

  it("scopes management groups to the subscriptions that record them", async () => {
    const grouped = emulatorWith({}, true);
    const inGroup = await call(grouped, { body: { query: vaults, managementGroups: ["mg-a"] } });
    expect(inGroup.json.totalRecords).toBe(8);
    const otherGroup = await call(grouped, { body: { query: vaults, managementGroups: ["mg-z"] } });
    expect(otherGroup.json.totalRecords).toBe(0);
    // When no subscription records a management group, every group holds every subscription.
    const flat = emulatorWith({}, false);
    const any = await call(flat, { body: { query: vaults, managementGroups: ["mg-z"] } });
    expect(any.json.totalRecords).toBe(12);
    const unknownSubscription = await call(flat, {
      body: { query: vaults, subscriptions: ["99999999-0000-4000-8000-000000000009"] },
    });
    expect(unknownSubscription.json.totalRecords).toBe(0);
  });

  it("sends quota headers on every answer, errors included, when a quota is set", async () => {
    let now = 1_000_000;
    const emulator = emulatorWith({
      clock: () => now,
      resourceGraphQuota: { limit: 3, windowSeconds: 3700 },
    });
    const ok = await call(emulator, { body: { query: vaults } });
    expect(ok.response.headers["x-ms-user-quota-remaining"]).toBe("2");
    expect(ok.response.headers["x-ms-user-quota-resets-after"]).toBe("01:01:40");
    now += 100_000;
    const bad = await call(emulator, { body: { query: "resources | count" } });
    expect(bad.response.status).toBe(400);
    expect(bad.response.headers["x-ms-user-quota-remaining"]).toBe("1");
    expect(bad.response.headers["x-ms-user-quota-resets-after"]).toBe("01:00:00");
    await call(emulator, { body: { query: vaults } });
    const refused = await call(emulator, { body: { query: vaults } });
    expect(refused.response.status).toBe(429);
    expect(refused.json).toMatchObject({ error: { code: "RateLimiting" } });
    expect(refused.response.headers).toMatchObject({
      "x-ms-user-quota-remaining": "0",
      "x-ms-user-quota-resets-after": "01:00:00",
      "retry-after": "3600",
    });
    const unlimited = await call(emulatorWith(), { body: { query: vaults } });
    expect(unlimited.response.headers["x-ms-user-quota-remaining"]).toBeUndefined();
  });
});
