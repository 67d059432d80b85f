import { beforeEach, describe, expect, it } from "vitest";
import { createArmHandler, type ArmHandler } from "../../src/arm/armHandler.js";
import type { EmulatorResponse } from "../../src/emulatorTypes.js";
import { TenantState } from "../../src/tenantState.js";
import { TenantBuilder } from "../../src/tenantBuilder/index.js";

const HOST = "https://management.azure.com";
const NOW = Date.parse("2026-03-01T00:00:00Z");
const SUB = "5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a";
const VAULT_URL = "https://kv-cmk.vault.azure.net";
const rgId = (rg: string): string => `/subscriptions/${SUB}/resourceGroups/${rg}`;
const RG = rgId("rg-ai");
const KV = `${rgId("rg-kv")}/providers/Microsoft.KeyVault/vaults/kv-cmk`;
const DES = `${RG}/providers/Microsoft.Compute/diskEncryptionSets/des1`;
const VAULT = `${RG}/providers/Microsoft.KeyVault/vaults/kv-plain`;
const DES_API = "2025-01-02";

let state: TenantState;
let arm: ArmHandler;

function build(polls = 1): void {
  const b = new TenantBuilder({ seed: "arm-handler" });
  b.subscription(SUB, "prod");
  const kv = b.vault({ subscriptionId: SUB, resourceGroup: "rg-kv", name: "kv-cmk" });
  b.key(kv, "cmk-des", [
    { version: "v1", createdOn: "2026-01-01T00:00:00Z" },
    { version: "v2", createdOn: "2026-02-01T00:00:00Z" },
  ]);
  b.diskEncryptionSet({
    subscriptionId: SUB,
    resourceGroup: "rg-ai",
    name: "des1",
    keyUrl: `${VAULT_URL}/keys/cmk-des/v1`,
    sourceVaultId: KV,
  });
  b.resource({
    id: VAULT,
    name: "kv-plain",
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    properties: { a: 1 },
  });
  const tenant = b.build();
  // Stored without previousKeys, so a failed rotation visibly restores the set as it was.
  delete tenant.resources.find((r) => r.id === DES)?.properties?.previousKeys;
  state = new TenantState(tenant);
  arm = createArmHandler(state, { polls, retryAfterSeconds: 7, pageSize: 2 });
}

async function call(
  method: string,
  pathAndQuery: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<EmulatorResponse & { json: Record<string, unknown> }> {
  const url = new URL(pathAndQuery.startsWith("https://") ? pathAndQuery : `${HOST}${pathAndQuery}`);
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  const response = await arm.handle(
    { method, url, headers: options.headers ?? {}, body },
    { principal: { objectId: "tester" }, now: NOW },
  );
  const json =
    response.body === undefined || response.body === ""
      ? {}
      : (JSON.parse(response.body) as Record<string, unknown>);
  return { ...response, json };
}

const api = (path: string, version = "2024-01-01"): string =>
  `${path}${path.includes("?") ? "&" : "?"}api-version=${version}`;
const errorOf = (r: { json: Record<string, unknown> }): { code: string; message: string } =>
  r.json.error as { code: string; message: string };

beforeEach(() => {
  build();
});

describe("request basics", () => {
  it("requires api-version", async () => {
    const r = await call("GET", DES);
    expect(r.status).toBe(400);
    expect(errorOf(r).code).toBe("MissingApiVersionParameter");
    expect((await call("GET", `${DES}?api-version=latest`)).status).toBe(400);
  });

  it("answers ARM's 404 shapes", async () => {
    const missing = await call("GET", api(`${RG}/providers/Microsoft.Compute/diskEncryptionSets/nope`));
    expect(missing.status).toBe(404);
    expect(errorOf(missing)).toEqual({
      code: "ResourceNotFound",
      message:
        "The Resource 'Microsoft.Compute/diskEncryptionSets/nope' under resource group 'rg-ai' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    });
    expect(
      errorOf(await call("GET", api(`/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x`)))
        .code,
    ).toBe("SubscriptionNotFound");
    expect(
      errorOf(await call("GET", api(`${rgId("rg-none")}/providers/Microsoft.Compute/disks/d`))).code,
    ).toBe("ResourceGroupNotFound");
    expect(
      errorOf(await call("GET", api(`${DES}/providers/Microsoft.Authorization/roleAssignments/ra`))).code,
    ).toBe("RoleAssignmentNotFound");
  });

  it("finds resources case-insensitively and sends an ETag", async () => {
    const r = await call("GET", api(DES.toUpperCase()));
    expect(r.status).toBe(200);
    expect(r.json.id).toBe(DES);
    expect(r.headers.etag).toBe(state.getResource(DES)?.etag);
    expect((await call("HEAD", api(DES))).status).toBe(204);
  });

  it("refuses unsupported methods and non-ARM paths", async () => {
    expect((await call("POST", api(`${DES}/listKeys`))).status).toBe(405);
    expect(errorOf(await call("GET", api("/foo/bar"))).code).toBe("InvalidResourceId");
  });
});

describe("PUT, PATCH and DELETE of ordinary resources", () => {
  const newVault = `${RG}/providers/Microsoft.KeyVault/vaults/kv-new`;

  it("creates (201) then replaces (200), filling id, name and type", async () => {
    const created = await call("PUT", api(newVault), {
      body: { location: "westeurope", properties: { x: 1 } },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: newVault, name: "kv-new", type: "Microsoft.KeyVault/vaults" });
    const replaced = await call("PUT", api(newVault), {
      body: { location: "westeurope", properties: { y: 2 } },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json.properties).toEqual({ y: 2 });
    expect(replaced.headers.etag).not.toBe(created.headers.etag);
  });

  it("refuses malformed bodies and mismatched names", async () => {
    expect(errorOf(await call("PUT", api(newVault), { body: "{not json" })).code).toBe(
      "InvalidRequestContent",
    );
    expect(errorOf(await call("PUT", api(newVault), { body: "[]" })).code).toBe("InvalidRequestContent");
    const wrongName = await call("PUT", api(newVault), { body: { name: "other" } });
    expect(wrongName.status).toBe(400);
    expect(errorOf(wrongName).code).toBe("InvalidParameter");
  });

  it("refuses creating in a resource group that does not exist", async () => {
    const r = await call("PUT", api(`${rgId("rg-none")}/providers/Microsoft.KeyVault/vaults/v`), {
      body: {},
    });
    expect(r.status).toBe(404);
    expect(errorOf(r).code).toBe("ResourceGroupNotFound");
  });

  it("creates a resource group explicitly and then resources in it", async () => {
    expect((await call("PUT", api(rgId("rg-new")), { body: { location: "westeurope" } })).status).toBe(201);
    expect(
      (await call("PUT", api(`${rgId("rg-new")}/providers/Microsoft.KeyVault/vaults/v`), { body: {} }))
        .status,
    ).toBe(201);
    const rg = await call("GET", api(rgId("rg-new")));
    expect(rg.json).toMatchObject({ name: "rg-new", type: "Microsoft.Resources/resourceGroups" });
  });

  it("derives resource groups from the resources in them", async () => {
    const r = await call("GET", api(rgId("rg-ai")));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      id: RG,
      name: "rg-ai",
      location: "westeurope",
      properties: { provisioningState: "Succeeded" },
    });
    expect(errorOf(await call("GET", api(rgId("rg-none")))).code).toBe("ResourceGroupNotFound");
  });

  it("PATCH merges (null removes) and keeps id, name and type", async () => {
    const r = await call("PATCH", api(VAULT), {
      body: { name: "ignored", tags: { t: "1" }, properties: { a: null, b: 2 } },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: VAULT, name: "kv-plain", tags: { t: "1" }, properties: { b: 2 } });
    expect(state.getResource(VAULT)?.body.properties).toEqual({ b: 2 });
    expect((await call("PATCH", api(`${VAULT}x`), { body: {} })).status).toBe(404);
  });

  it("DELETE answers 200, then 204, and removes extension resources below", async () => {
    const ra = `${VAULT}/providers/Microsoft.Authorization/roleAssignments/ra1`;
    const put = await call("PUT", api(ra), {
      body: {
        properties: {
          roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/r1",
          principalId: "p1",
        },
      },
    });
    expect(put.status).toBe(201);
    expect((put.json.properties as Record<string, unknown>).scope).toBe(VAULT);
    expect((await call("DELETE", api(VAULT))).status).toBe(200);
    expect((await call("DELETE", api(VAULT))).status).toBe(204);
    expect(state.getResource(ra)).toBeUndefined();
  });

  it("gives a system-assigned identity its principal", async () => {
    const r = await call("PUT", api(newVault), { body: { identity: { type: "SystemAssigned" } } });
    const identity = r.json.identity as Record<string, string>;
    expect(identity.principalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(identity.tenantId).toBe(state.tenantId);
  });
});

describe("conditional requests", () => {
  it("If-Match must name the current ETag", async () => {
    const etag = state.getResource(VAULT)!.etag;
    const stale = await call("PATCH", api(VAULT), { body: { tags: {} }, headers: { "if-match": '"stale"' } });
    expect(stale.status).toBe(412);
    expect(errorOf(stale).code).toBe("PreconditionFailed");
    expect(
      (await call("PATCH", api(VAULT), { body: { tags: {} }, headers: { "if-match": etag } })).status,
    ).toBe(200);
    expect((await call("DELETE", api(VAULT), { headers: { "if-match": etag } })).status).toBe(412);
    expect((await call("PUT", api(`${VAULT}2`), { body: {}, headers: { "if-match": "*" } })).status).toBe(
      412,
    );
  });

  it("If-None-Match: * refuses to overwrite an existing resource", async () => {
    expect((await call("PUT", api(VAULT), { body: {}, headers: { "if-none-match": "*" } })).status).toBe(412);
    expect(
      (await call("PUT", api(`${VAULT}2`), { body: {}, headers: { "if-none-match": "*" } })).status,
    ).toBe(201);
  });
});

describe("long-running operations", () => {
  const rotate = { properties: { activeKey: { keyUrl: `${VAULT_URL}/keys/cmk-des/v2` } } };
  const poll = (url: string): Promise<EmulatorResponse & { json: Record<string, unknown> }> =>
    call("GET", url);

  it("PATCH answers 202 with status and result URLs on the same host", async () => {
    const r = await call("PATCH", api(DES, DES_API), { body: rotate });
    expect(r.status).toBe(202);
    const status = new URL(r.headers["azure-asyncoperation"]!);
    const result = new URL(r.headers.location!);
    expect(status.origin).toBe(HOST);
    expect(status.pathname).toMatch(
      new RegExp(
        `^/subscriptions/${SUB}/providers/Microsoft.Compute/locations/westeurope/operationStatuses/[0-9a-f-]+$`,
      ),
    );
    expect(status.searchParams.get("api-version")).toBe(DES_API);
    expect(result.pathname).toContain("/operationResults/");
    expect(r.headers["retry-after"]).toBe("7");
  });

  it("shows Updating with the new key until polled to the end, then Succeeded", async () => {
    build(2);
    const r = await call("PATCH", api(DES, DES_API), { body: rotate });
    const during = state.getResource(DES)!.body.properties!;
    expect(during.provisioningState).toBe("Updating");
    expect((during.activeKey as { keyUrl: string }).keyUrl).toBe(`${VAULT_URL}/keys/cmk-des/v2`);
    expect(during.previousKeys).toEqual([
      { keyUrl: `${VAULT_URL}/keys/cmk-des/v1`, sourceVault: { id: KV } },
    ]);
    const statusUrl = r.headers["azure-asyncoperation"]!;
    expect((await poll(statusUrl)).json.status).toBe("InProgress");
    const second = await poll(statusUrl);
    expect(second.json.status).toBe("InProgress");
    expect(second.headers["retry-after"]).toBe("7");
    const done = await poll(statusUrl);
    expect(done.json).toMatchObject({ status: "Succeeded" });
    expect(done.json.endTime).toBe(new Date(NOW).toISOString());
    const after = state.getResource(DES)!.body.properties!;
    expect(after.provisioningState).toBe("Succeeded");
    expect(after.previousKeys).toEqual([]);
    expect(after.lastKeyRotationTimestamp).toBe(new Date(NOW).toISOString());
    const result = await poll(r.headers.location!);
    expect(result.status).toBe(200);
    expect(result.json.id).toBe(DES);
  });

  it("the result URL answers 202 while in progress", async () => {
    const r = await call("PATCH", api(DES, DES_API), { body: rotate });
    const first = await poll(r.headers.location!);
    expect(first.status).toBe(202);
    expect(first.headers.location).toBe(r.headers.location);
    expect((await poll(r.headers.location!)).status).toBe(200);
  });

  it("a failure rule ends the operation Failed and restores the resource", async () => {
    arm.failOperations({
      method: "PATCH",
      resourceIdPattern: "diskEncryptionSets/des1$",
      count: 1,
      code: "KeyVaultAccessDenied",
      message: "denied",
    });
    const r = await call("PATCH", api(DES, DES_API), { body: rotate });
    await poll(r.headers["azure-asyncoperation"]!);
    const done = await poll(r.headers["azure-asyncoperation"]!);
    expect(done.json).toMatchObject({
      status: "Failed",
      error: { code: "KeyVaultAccessDenied", message: "denied" },
    });
    const after = state.getResource(DES)!.body.properties!;
    expect(after.provisioningState).toBe("Failed");
    expect((after.activeKey as { keyUrl: string }).keyUrl).toBe(`${VAULT_URL}/keys/cmk-des/v1`);
    expect(after.previousKeys).toBeUndefined();
    const result = await poll(r.headers.location!);
    expect(result.status).toBe(400);
    expect(errorOf(result).code).toBe("KeyVaultAccessDenied");
    // count: 1 -> the next write succeeds.
    const again = await call("PATCH", api(DES, DES_API), { body: rotate });
    await poll(again.headers["azure-asyncoperation"]!);
    expect((await poll(again.headers["azure-asyncoperation"]!)).json.status).toBe("Succeeded");
  });

  it("failure rules without count apply to every match, and only to matches", async () => {
    arm.failOperations({ resourceIdPattern: /des1/ });
    for (let i = 0; i < 2; i++) {
      const r = await call("PATCH", api(DES, DES_API), { body: { tags: { i: String(i) } } });
      await poll(r.headers["azure-asyncoperation"]!);
      expect((await poll(r.headers["azure-asyncoperation"]!)).json.status).toBe("Failed");
    }
    expect(() => {
      arm.failOperations({ count: 0 });
    }).toThrow(RangeError);
  });

  it("a new write ends the pending operation first", async () => {
    const first = await call("PATCH", api(DES, DES_API), { body: rotate });
    const second = await call("PATCH", api(DES, DES_API), { body: { tags: { b: "1" } } });
    expect(second.status).toBe(202);
    expect((await poll(first.headers["azure-asyncoperation"]!)).json.status).toBe("Succeeded");
    expect(state.getResource(DES)!.body.properties!.provisioningState).toBe("Updating");
  });

  it("PUT of a long-running type answers 201 Creating; DELETE answers 202 and removes on success", async () => {
    const id = `${RG}/providers/Microsoft.Compute/diskEncryptionSets/des2`;
    const body = {
      location: "westeurope",
      properties: { activeKey: { keyUrl: `${VAULT_URL}/keys/cmk-des/v1`, sourceVault: { id: KV } } },
    };
    const created = await call("PUT", api(id, DES_API), { body });
    expect(created.status).toBe(201);
    expect((created.json.properties as Record<string, unknown>).provisioningState).toBe("Creating");
    expect(created.headers["azure-asyncoperation"]).toBeDefined();
    const deleted = await call("DELETE", api(id, DES_API));
    expect(deleted.status).toBe(202);
    expect(state.getResource(id)?.body.properties?.provisioningState).toBe("Deleting");
    await poll(deleted.headers.location!);
    expect((await poll(deleted.headers.location!)).status).toBe(204);
    expect(state.getResource(id)).toBeUndefined();
  });

  it("refuses an invalid key synchronously with 400", async () => {
    const r = await call("PATCH", api(DES, DES_API), {
      body: { properties: { activeKey: { keyUrl: `${VAULT_URL}/keys/cmk-des` } } },
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({
      code: "InvalidParameter",
      target: "diskEncryptionSet.activeKey.keyUrl",
    });
    expect(state.getResource(DES)!.body.properties!.provisioningState).toBe("Succeeded");
  });

  it("an unknown operation is 404", async () => {
    const r = await call(
      "GET",
      api(`/subscriptions/${SUB}/providers/Microsoft.Compute/locations/westeurope/operationStatuses/nope`),
    );
    expect(r.status).toBe(404);
  });
});

describe("lists", () => {
  beforeEach(() => {
    for (const name of ["d1", "d2", "d3"]) {
      state.putResource({
        id: `${RG}/providers/Microsoft.Compute/disks/${name}`,
        name,
        type: "Microsoft.Compute/disks",
        location: "westeurope",
        properties: { diskState: "Unattached" },
      });
    }
    state.putResource({
      id: `${rgId("rg-b")}/providers/Microsoft.Compute/disks/d4`,
      name: "d4",
      type: "Microsoft.Compute/disks",
      location: "westeurope",
    });
  });

  async function all(path: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let next: string | undefined = path;
    while (next !== undefined) {
      const r = await call("GET", next);
      expect(r.status).toBe(200);
      items.push(...(r.json.value as Record<string, unknown>[]));
      next = r.json.nextLink as string | undefined;
    }
    return items;
  }

  it("lists a type by subscription across resource groups, with paging", async () => {
    const first = await call("GET", api(`/subscriptions/${SUB}/providers/Microsoft.Compute/disks`));
    expect((first.json.value as unknown[]).length).toBe(2);
    expect(first.json.nextLink).toMatch(
      /^https:\/\/management\.azure\.com\/subscriptions\/.*api-version=2024-01-01/,
    );
    const names = (await all(api(`/subscriptions/${SUB}/providers/Microsoft.Compute/disks`))).map(
      (r) => r.name,
    );
    expect(names).toEqual(["d1", "d2", "d3", "d4"]);
  });

  it("lists a type by resource group", async () => {
    const names = (await all(api(`${rgId("rg-b")}/providers/Microsoft.Compute/disks`))).map((r) => r.name);
    expect(names).toEqual(["d4"]);
  });

  it("lists /resources with a resourceType filter and without properties", async () => {
    const items = await all(
      api(`/subscriptions/${SUB}/resources?$filter=resourceType eq 'Microsoft.Compute/disks'`),
    );
    expect(items.map((r) => r.name)).toEqual(["d1", "d2", "d3", "d4"]);
    expect(items[0]!.properties).toBeUndefined();
    const inGroup = await all(api(`${RG}/resources`));
    expect(inGroup.map((r) => r.name)).toEqual(["des1", "kv-plain", "d1", "d2", "d3"]);
    expect(errorOf(await call("GET", api(`/subscriptions/${SUB}/resources?$filter=kind eq 'x'`))).code).toBe(
      "InvalidFilterInQueryString",
    );
  });

  it("lists subscriptions and resource groups", async () => {
    const subs = await call("GET", api("/subscriptions"));
    expect(subs.json.value).toEqual([
      expect.objectContaining({ subscriptionId: SUB, id: `/subscriptions/${SUB}`, state: "Enabled" }),
    ]);
    const groups = await all(api(`/subscriptions/${SUB}/resourcegroups`));
    expect(groups.map((g) => g.name)).toEqual(["rg-kv", "rg-ai", "rg-b"]);
  });
});

describe("role assignments", () => {
  it("lists at, above and below a scope with a principal filter", async () => {
    const put = (scope: string, name: string, principalId: string): Promise<unknown> =>
      call("PUT", api(`${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`, "2022-04-01"), {
        body: {
          properties: {
            roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${name}`,
            principalId,
          },
        },
      });
    await put(`/subscriptions/${SUB}`, "r-sub", "p1");
    await put(DES, "r-des", "p1");
    await put(RG, "r-rg", "p2");
    await put(rgId("rg-kv"), "r-kv", "p1");
    const r = await call(
      "GET",
      api(
        `${RG}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId eq 'p1'`,
        "2022-04-01",
      ),
    );
    expect((r.json.value as { name: string }[]).map((a) => a.name)).toEqual(["r-sub", "r-des"]);
    const atScope = await call(
      "GET",
      api(`${RG}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()`, "2022-04-01"),
    );
    expect((atScope.json.value as { name: string }[]).map((a) => a.name)).toEqual(["r-sub", "r-rg"]);
    const bad = await call(
      "GET",
      api(`${RG}/providers/Microsoft.Authorization/roleAssignments?$filter=foo`, "2022-04-01"),
    );
    expect(bad.status).toBe(400);
  });
});
