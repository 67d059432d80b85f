import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { CognitiveServicesManagementClient } from "@azure/arm-cognitiveservices";
import { ComputeManagementClient } from "@azure/arm-compute";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceManagementClient } from "@azure/arm-resources";
import { RestError, createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { AzureEmulator, type EmulatorOptions } from "../../src/azureEmulator.js";
import type { TenantFile } from "../../src/tenantFile.js";
import { TenantBuilder } from "../../src/tenantBuilder/index.js";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const SUB = "5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a";
const VAULT_URL = "https://kv-cmk.vault.azure.net";
const OTHER_VAULT_URL = "https://kv-other.vault.azure.net";
const rgId = (rg: string): string => `/subscriptions/${SUB}/resourceGroups/${rg}`;
const KV = `${rgId("rg-kv")}/providers/Microsoft.KeyVault/vaults/kv-cmk`;
const DES = `${rgId("rg-ai")}/providers/Microsoft.Compute/diskEncryptionSets/des1`;
/** The Machine Learning api-version the service uses (2025-12-01 is the newest stable in the specs). */
const ML_API = "2024-10-01";
const ML_CMK = `${rgId("rg-ml")}/providers/Microsoft.MachineLearningServices/workspaces/ws-cmk`;
const ML_PLAIN = `${rgId("rg-ml")}/providers/Microsoft.MachineLearningServices/workspaces/ws-plain`;
const SERVICE = "5b1f3c2d-0000-0000-0000-00000000c0de";
const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const key = (name: string, version: string, vault = VAULT_URL): string => `${vault}/keys/${name}/${version}`;
/** No wait between polls: with Retry-After 0 the SDK would otherwise wait its default 2 s. */
const fast = { updateIntervalInMs: 0 };

function tenant(): TenantFile {
  const b = new TenantBuilder({ seed: "arm-sdk" });
  b.subscription(SUB, "prod");
  const at = (rg: string, name: string) => ({ subscriptionId: SUB, resourceGroup: rg, name });
  const versions = (...list: [string, string][]) =>
    list.map(([version, createdOn]) => ({ version, createdOn }));
  const kv = b.vault(at("rg-kv", "kv-cmk"));
  b.key(kv, "cmk-des", versions(["d1", "2026-01-01T00:00:00Z"], ["d2", "2026-02-01T00:00:00Z"]));
  b.key(kv, "cmk-aoai", versions(["a1", "2026-01-01T00:00:00Z"], ["a2", "2026-02-01T00:00:00Z"]));
  b.key(kv, "cmk-ml", versions(["m1", "2026-01-01T00:00:00Z"], ["m2", "2026-02-01T00:00:00Z"]));
  // Keys of a vault the tenant has no ARM resource for.
  b.key(OTHER_VAULT_URL, "cmk-ml", versions(["x1", "2026-01-01T00:00:00Z"]));
  b.diskEncryptionSet({ ...at("rg-ai", "des1"), keyUrl: key("cmk-des", "d1"), sourceVaultId: KV });
  b.aiServicesAccount({
    ...at("rg-ai", "aoai"),
    kind: "OpenAI",
    cmk: { vaultUrl: VAULT_URL, keyName: "cmk-aoai", keyVersion: "a1" },
  });
  b.mlWorkspace({ ...at("rg-ml", "ws-cmk"), cmk: { vaultId: KV, keyId: key("cmk-ml", "m1") } });
  b.mlWorkspace(at("rg-ml", "ws-plain"));
  const vm = b.virtualMachine({ ...at("rg-ai", "vm1"), powerState: "running" });
  b.disk({ ...at("rg-ai", "osdisk"), osType: "Linux", encryption: { desId: DES }, managedBy: vm.id });
  b.roleAssignment({
    scope: `/subscriptions/${SUB}`,
    name: "ra-sub",
    principalId: SERVICE,
    roleDefinitionId: READER,
  });
  b.roleAssignment({
    scope: KV,
    name: "ra-kv",
    principalId: SERVICE,
    roleDefinitionName: "Key Vault Crypto Service Encryption User",
  });
  b.roleAssignment({
    scope: rgId("rg-ai"),
    name: "ra-other",
    principalId: "77777777-0000-0000-0000-000000000007",
    roleDefinitionId: READER,
  });
  const built = b.build();
  // An assignment stored without properties.scope: the emulator derives it from the id.
  const raKv = built.resources.find((r) => r.name === "ra-kv");
  delete (raKv?.properties as Record<string, unknown>).scope;
  return built;
}

function setup(options: EmulatorOptions = {}) {
  const emulator = new AzureEmulator(tenant(), { clock: () => NOW, ...options });
  const clientOptions = { httpClient: emulator.httpClient() };
  const credential = emulator.credential();
  return {
    emulator,
    compute: new ComputeManagementClient(credential, SUB, clientOptions),
    cognitive: new CognitiveServicesManagementClient(credential, SUB, clientOptions),
    keyVault: new KeyVaultManagementClient(credential, SUB, clientOptions),
    resourceManager: new ResourceManagementClient(credential, SUB, clientOptions),
    authorization: new AuthorizationManagementClient(credential, SUB, clientOptions),
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("ComputeManagementClient: disk encryption sets", () => {
  it("reads a set and rotates its key through the long-running PATCH", async () => {
    const { emulator, compute } = setup({ lro: { polls: 3 } });
    const des = await compute.diskEncryptionSets.get("rg-ai", "des1");
    expect(des.activeKey?.keyUrl).toBe(key("cmk-des", "d1"));
    expect(des.provisioningState).toBe("Succeeded");

    const updated = await compute.diskEncryptionSets.beginUpdateAndWait(
      "rg-ai",
      "des1",
      { activeKey: { keyUrl: key("cmk-des", "d2"), sourceVault: { id: KV } } },
      fast,
    );
    expect(updated.activeKey?.keyUrl).toBe(key("cmk-des", "d2"));
    expect(updated.provisioningState).toBe("Succeeded");
    expect(updated.previousKeys).toEqual([]);
    expect(updated.lastKeyRotationTimestamp).toEqual(new Date(NOW));

    expect(emulator.log.entries({ method: "PATCH" }).map((e) => e.status)).toEqual([202]);
    // 3 InProgress answers, then Succeeded, then the final GET of the Location URL.
    expect(emulator.log.count({ method: "GET", url: /\/operationStatuses\// })).toBe(4);
    expect(emulator.log.entries({ method: "GET", url: /\/operationResults\// }).map((e) => e.status)).toEqual(
      [200],
    );
    const reread = await compute.diskEncryptionSets.get("rg-ai", "des1");
    expect(reread.activeKey?.keyUrl).toBe(key("cmk-des", "d2"));
  });

  it("refuses an unversioned key URL with RestError 400", async () => {
    const { emulator, compute } = setup();
    const error = await rejection(
      compute.diskEncryptionSets.beginUpdateAndWait("rg-ai", "des1", {
        activeKey: { keyUrl: `${VAULT_URL}/keys/cmk-des`, sourceVault: { id: KV } },
      }),
    );
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(400);
    expect((error as RestError).code).toBe("InvalidParameter");
    expect((error as RestError).message).toContain("versioned key URL");
    expect(emulator.log.count({ url: /operationStatuses/ })).toBe(0);
  });

  it("surfaces a failed operation as a thrown error and restores the set", async () => {
    const { emulator, compute } = setup();
    emulator.failOperations({
      method: "PATCH",
      resourceIdPattern: "/diskEncryptionSets/des1$",
      code: "KeyVaultAccessDenied",
      message: "The disk encryption set identity cannot unwrap the key.",
    });
    const error = await rejection(
      compute.diskEncryptionSets.beginUpdateAndWait(
        "rg-ai",
        "des1",
        { activeKey: { keyUrl: key("cmk-des", "d2"), sourceVault: { id: KV } } },
        fast,
      ),
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("KeyVaultAccessDenied");
    const des = await compute.diskEncryptionSets.get("rg-ai", "des1");
    expect(des.provisioningState).toBe("Failed");
    expect(des.activeKey?.keyUrl).toBe(key("cmk-des", "d1"));
  });

  it("lists sets by subscription", async () => {
    const { compute } = setup();
    const names: string[] = [];
    for await (const des of compute.diskEncryptionSets.list()) names.push(des.name ?? "");
    expect(names).toEqual(["des1"]);
  });

  it("refuses changing a disk's encryption while its VM runs (409)", async () => {
    const { compute } = setup();
    const error = await rejection(
      compute.disks.beginUpdateAndWait(
        "rg-ai",
        "osdisk",
        { encryption: { type: "EncryptionAtRestWithPlatformKey" } },
        fast,
      ),
    );
    expect((error as RestError).statusCode).toBe(409);
    expect((error as RestError).code).toBe("OperationNotAllowed");
  });

  it("answers 404 in ARM's shape", async () => {
    const { compute } = setup();
    const error = await rejection(compute.diskEncryptionSets.get("rg-ai", "nope"));
    expect((error as RestError).statusCode).toBe(404);
    expect((error as RestError).code).toBe("ResourceNotFound");
    expect((error as RestError).message).toBe(
      "The Resource 'Microsoft.Compute/diskEncryptionSets/nope' under resource group 'rg-ai' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    );
  });
});

describe("CognitiveServicesManagementClient: accounts", () => {
  it("reads an account and moves it to a new key version", async () => {
    const { emulator, cognitive } = setup();
    const account = await cognitive.accounts.get("rg-ai", "aoai");
    expect(account.properties?.encryption?.keyVaultProperties?.keyVersion).toBe("a1");
    const updated = await cognitive.accounts.beginUpdateAndWait(
      "rg-ai",
      "aoai",
      {
        properties: {
          encryption: {
            keySource: "Microsoft.KeyVault",
            keyVaultProperties: { keyVaultUri: `${VAULT_URL}/`, keyName: "cmk-aoai", keyVersion: "a2" },
          },
        },
      },
      fast,
    );
    expect(updated.properties?.encryption?.keyVaultProperties?.keyVersion).toBe("a2");
    expect(updated.properties?.provisioningState).toBe("Succeeded");
    expect(updated.kind).toBe("OpenAI");
    expect(
      emulator.log.count({ url: /Microsoft\.CognitiveServices\/locations\/westeurope\/operationStatuses/ }),
    ).toBe(2);
  });

  it("refuses a key version that does not exist", async () => {
    const { cognitive } = setup();
    const error = await rejection(
      cognitive.accounts.beginUpdateAndWait("rg-ai", "aoai", {
        properties: {
          encryption: {
            keySource: "Microsoft.KeyVault",
            keyVaultProperties: { keyVaultUri: VAULT_URL, keyName: "cmk-aoai", keyVersion: "zz" },
          },
        },
      }),
    );
    expect((error as RestError).statusCode).toBe(400);
  });
});

describe("KeyVaultManagementClient: vaults", () => {
  it("reads a vault", async () => {
    const { keyVault } = setup();
    const vault = await keyVault.vaults.get("rg-kv", "kv-cmk");
    expect(vault.properties.vaultUri).toBe(`${VAULT_URL}/`);
    expect(vault.properties.enablePurgeProtection).toBe(true);
  });

  it("answers 412 when If-Match names a stale ETag", async () => {
    const { keyVault } = setup();
    const error = await rejection(
      keyVault.vaults.update(
        "rg-kv",
        "kv-cmk",
        { properties: { enableSoftDelete: true } },
        { requestOptions: { customHeaders: { "If-Match": '"stale"' } } },
      ),
    );
    expect((error as RestError).statusCode).toBe(412);
    expect((error as RestError).code).toBe("PreconditionFailed");
  });
});

describe("KeyVaultManagementClient: deleted vaults", () => {
  it("keeps a vault deleted through ARM as a deleted vault, with its data plane and role assignments gone", async () => {
    const { emulator, keyVault, authorization } = setup();
    await keyVault.vaults.delete("rg-kv", "kv-cmk");
    const deleted = await keyVault.vaults.getDeleted("kv-cmk", "westeurope");
    expect(deleted).toMatchObject({
      id: `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-cmk`,
      name: "kv-cmk",
      type: "Microsoft.KeyVault/deletedVaults",
      properties: {
        vaultId: KV,
        location: "westeurope",
        deletionDate: new Date(NOW),
        scheduledPurgeDate: new Date(NOW + 90 * 24 * 3600 * 1000),
        purgeProtectionEnabled: true,
      },
    });
    const listed = [];
    for await (const d of keyVault.vaults.listDeleted()) listed.push(d.name);
    expect(listed).toEqual(["kv-cmk"]);
    expect(await rejection(keyVault.vaults.get("rg-kv", "kv-cmk"))).toMatchObject({ statusCode: 404 });
    // Azure deletes the vault's role assignments with it; recovering the vault does not bring them back.
    const assignments = [];
    for await (const a of authorization.roleAssignments.listForScope(`/subscriptions/${SUB}`))
      assignments.push(a.name);
    expect(assignments).not.toContain("ra-kv");
    expect(emulator.state.vaultByHost("kv-cmk.vault.azure.net")).toBeUndefined();
    expect(emulator.toTenantFile().deletedVaults?.map((d) => d.name)).toEqual(["kv-cmk"]);
  });

  it("answers 404 for a vault that was never deleted, in another location or subscription", async () => {
    const { emulator, keyVault } = setup();
    expect(await rejection(keyVault.vaults.getDeleted("kv-cmk", "westeurope"))).toMatchObject({
      statusCode: 404,
    });
    await keyVault.vaults.delete("rg-kv", "kv-cmk");
    expect(await rejection(keyVault.vaults.getDeleted("kv-cmk", "northeurope"))).toMatchObject({
      statusCode: 404,
    });
    const other = new KeyVaultManagementClient(
      emulator.credential(),
      "00000000-0000-0000-0000-0000000000ff",
      {
        httpClient: emulator.httpClient(),
      },
    );
    expect(await rejection(other.vaults.getDeleted("kv-cmk", "westeurope"))).toMatchObject({
      statusCode: 404,
      code: "SubscriptionNotFound",
    });
  });

  it("keeps no deleted vault when soft delete was off", async () => {
    const { emulator, keyVault } = setup();
    const body = emulator.state.getResource(KV)?.body;
    if (body === undefined) throw new Error("no vault");
    emulator.state.putResource({ ...body, properties: { ...body.properties, enableSoftDelete: false } });
    await keyVault.vaults.delete("rg-kv", "kv-cmk");
    expect(await rejection(keyVault.vaults.getDeleted("kv-cmk", "westeurope"))).toMatchObject({
      statusCode: 404,
    });
    expect(emulator.state.vaultByHost("kv-cmk.vault.azure.net")).toBeUndefined();
  });
});

describe("ResourceManagementClient: Machine Learning workspaces by id", () => {
  it("reads a workspace and rotates a CMK workspace's key in its vault", async () => {
    const { resourceManager } = setup();
    const ws = await resourceManager.resources.getById(ML_CMK, ML_API);
    expect(ws.properties).toMatchObject({ encryption: { status: "Enabled" } });
    const updated = await resourceManager.resources.beginUpdateByIdAndWait(
      ML_CMK,
      ML_API,
      { properties: { encryption: { keyVaultProperties: { keyIdentifier: key("cmk-ml", "m2") } } } },
      fast,
    );
    expect(updated.properties).toMatchObject({
      provisioningState: "Succeeded",
      encryption: {
        status: "Enabled",
        keyVaultProperties: { keyVaultArmId: KV, keyIdentifier: key("cmk-ml", "m2") },
      },
    });
  });

  it("refuses enabling CMK on a workspace created without it", async () => {
    const { resourceManager } = setup();
    const error = await rejection(
      resourceManager.resources.beginUpdateByIdAndWait(
        ML_PLAIN,
        ML_API,
        {
          properties: {
            encryption: {
              status: "Enabled",
              keyVaultProperties: { keyVaultArmId: KV, keyIdentifier: key("cmk-ml", "m2") },
            },
          },
        },
        fast,
      ),
    );
    expect((error as RestError).statusCode).toBe(400);
    expect((error as RestError).message).toContain("can only be enabled when a workspace is created");
  });

  it("refuses moving a CMK workspace to a key in another vault", async () => {
    const { resourceManager } = setup();
    const error = await rejection(
      resourceManager.resources.beginUpdateByIdAndWait(ML_CMK, ML_API, {
        properties: {
          encryption: { keyVaultProperties: { keyIdentifier: key("cmk-ml", "x1", OTHER_VAULT_URL) } },
        },
      }),
    );
    expect((error as RestError).statusCode).toBe(400);
  });
});

describe("ResourceManagementClient: lists", () => {
  it("follows nextLink across pages of the subscription's resources", async () => {
    const { emulator, resourceManager } = setup({ pageSize: 2 });
    const all: string[] = [];
    for await (const r of resourceManager.resources.list()) all.push(r.name ?? "");
    // Tracked resources only: role assignments are not listed.
    expect(all).toEqual(["kv-cmk", "des1", "aoai", "ws-cmk", "ws-plain", "vm1", "osdisk"]);
    expect(emulator.log.count({ url: /\/resources\?/ })).toBe(4);
    const workspaces: string[] = [];
    for await (const r of resourceManager.resources.list({
      filter: "resourceType eq 'Microsoft.MachineLearningServices/workspaces'",
    })) {
      workspaces.push(r.name ?? "");
    }
    expect(workspaces).toEqual(["ws-cmk", "ws-plain"]);
  });

  it("lists a resource group's resources", async () => {
    const { resourceManager } = setup({ pageSize: 2 });
    const names: string[] = [];
    for await (const r of resourceManager.resources.listByResourceGroup("rg-ml")) names.push(r.name ?? "");
    expect(names).toEqual(["ws-cmk", "ws-plain"]);
  });
});

describe("AuthorizationManagementClient: role assignments", () => {
  it("lists a principal's assignments at, above and below a scope", async () => {
    const { authorization } = setup({ pageSize: 1 });
    const found: { name?: string; scope?: string }[] = [];
    for await (const a of authorization.roleAssignments.listForScope(
      `subscriptions/${SUB}/resourceGroups/rg-kv`,
      {
        filter: `principalId eq '${SERVICE}'`,
      },
    )) {
      found.push({ name: a.name, scope: a.scope });
    }
    expect(found).toEqual([
      { name: "ra-sub", scope: `/subscriptions/${SUB}` },
      { name: "ra-kv", scope: KV },
    ]);
  });

  it("atScope() leaves out assignments below the scope", async () => {
    const { authorization } = setup();
    const names: string[] = [];
    for await (const a of authorization.roleAssignments.listForScope(
      `subscriptions/${SUB}/resourceGroups/rg-kv`,
      {
        filter: "atScope()",
      },
    )) {
      names.push(a.name ?? "");
    }
    expect(names).toEqual(["ra-sub"]);
  });
});

describe("raw ARM requests", () => {
  it("refuses a request without api-version", async () => {
    const { emulator } = setup();
    const { token } = await emulator.credential().getToken("https://management.azure.com/.default");
    const response = await emulator.httpClient().sendRequest(
      createPipelineRequest({
        url: `https://management.azure.com${DES}`,
        method: "GET",
        headers: createHttpHeaders({ authorization: `Bearer ${token}` }),
      }),
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.bodyAsText ?? "{}")).toEqual({
      error: {
        code: "MissingApiVersionParameter",
        message: "The api-version query parameter (?api-version=) is required for all requests.",
      },
    });
  });
});
