import { ResourceGraphClient, type QueryResponse } from "@azure/arm-resourcegraph";
import { RestError } from "@azure/core-rest-pipeline";
import { AzureEmulator, type EmulatorOptions } from "../../src/azureEmulator.js";
import type { TenantFile } from "../../src/tenantFile.js";
import { TenantBuilder } from "../../src/tenantBuilder/index.js";

/**
 * A tenant for Resource Graph through ResourceGraphClient: 250 disk encryption sets over three
 * subscriptions and two management groups, an account and a resource group written as the exact
 * bodies the row-shape test expects, and helpers to page through queries. Shared with the service's
 * test of its consumers query (test/integration/consumersQuery.test.ts).
 */

export const TENANT = "7a1b2c3d-0000-4000-8000-00000000aaaa";
export const SUBS = [
  "11111111-1111-4111-8111-111111111111",
  "22222222-2222-4222-8222-222222222222",
  "33333333-3333-4333-8333-333333333333",
] as const;
export const CMK_VAULT = "https://kv-cmk.vault.azure.net";
export const DES_COUNT = 250;

export function subOf(i: number): string {
  return SUBS[i % SUBS.length] as string;
}

/** Every fifth disk encryption set uses the CMK vault's key; the rest use another vault. */
export function desId(i: number): string {
  return `/subscriptions/${subOf(i)}/resourceGroups/RG-Des-${i % 2}/providers/Microsoft.Compute/diskEncryptionSets/des-${String(i).padStart(3, "0")}`;
}

export function tenant(): TenantFile {
  const b = new TenantBuilder({ tenantId: TENANT, seed: "resource-graph" });
  b.subscription(SUBS[0], "prod-a", { managementGroupId: "mg-prod" });
  b.subscription(SUBS[1], "prod-b", { managementGroupId: "mg-prod" });
  b.subscription(SUBS[2], "dev", { managementGroupId: "mg-dev" });
  for (let i = 0; i < DES_COUNT; i++) {
    const cmk = i % 5 === 0;
    b.diskEncryptionSet({
      subscriptionId: subOf(i),
      resourceGroup: `RG-Des-${i % 2}`,
      name: `des-${String(i).padStart(3, "0")}`,
      principalId: `p-${i}`,
      // Upper case in the key name: the query must match it case-insensitively.
      keyUrl: cmk ? `${CMK_VAULT}/keys/CMK-Des/v${i}` : `https://kv-other.vault.azure.net/keys/k/v${i}`,
      sourceVaultId: `/subscriptions/${SUBS[0]}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/${cmk ? "kv-cmk" : "kv-other"}`,
    });
  }
  // The account's body is exactly the row's properties the row-shape test expects.
  b.resource({
    id: `/subscriptions/${SUBS[0]}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai`,
    name: "aoai",
    type: "Microsoft.CognitiveServices/accounts",
    kind: "OpenAI",
    location: "swedencentral",
    sku: { name: "S0" },
    tags: { owner: "ml-team" },
    properties: {
      encryption: {
        keySource: "Microsoft.KeyVault",
        keyVaultProperties: { keyVaultUri: `${CMK_VAULT}/`, keyName: "cmk-des", keyVersion: "v0" },
      },
    },
  });
  b.resource({
    id: `/subscriptions/${SUBS[0]}/resourceGroups/rg-ai`,
    name: "rg-ai",
    type: "Microsoft.Resources/resourceGroups",
    location: "swedencentral",
    tags: { costCenter: "42" },
    properties: { provisioningState: "Succeeded" },
  });
  b.roleAssignment({
    scope: `/subscriptions/${SUBS[0]}`,
    name: "8f4d5d0e-0000-4000-8000-000000000001",
    principalId: "p-0",
    roleDefinitionName: "Key Vault Crypto Service Encryption User",
  });
  return b.build();
}

export function client(emulator: AzureEmulator, objectId?: string): ResourceGraphClient {
  return new ResourceGraphClient(
    emulator.credential(objectId === undefined ? undefined : { objectId, tenantId: TENANT }),
    // No retries: a 429 must reach the test instead of being retried after Retry-After.
    { httpClient: emulator.httpClient(), retryOptions: { maxRetries: 0 } },
  );
}

export function setup(options: EmulatorOptions = {}): {
  emulator: AzureEmulator;
  graph: ResourceGraphClient;
} {
  const emulator = new AzureEmulator(tenant(), { throttling: false, ...options });
  return { emulator, graph: client(emulator) };
}

export type Page = Required<Pick<QueryResponse, "count" | "totalRecords" | "resultTruncated">> & {
  rows: Record<string, unknown>[];
  skipToken: string | undefined;
};

export async function page(
  graph: ResourceGraphClient,
  query: string,
  options: { top?: number; skipToken?: string; subscriptions?: string[]; managementGroups?: string[] } = {},
): Promise<Page> {
  const response = await graph.resources({
    query,
    ...(options.subscriptions === undefined ? {} : { subscriptions: options.subscriptions }),
    ...(options.managementGroups === undefined ? {} : { managementGroups: options.managementGroups }),
    options: {
      resultFormat: "objectArray",
      ...(options.top === undefined ? {} : { top: options.top }),
      ...(options.skipToken === undefined ? {} : { skipToken: options.skipToken }),
    },
  });
  return {
    count: response.count,
    totalRecords: response.totalRecords,
    resultTruncated: response.resultTruncated,
    rows: response.data as Record<string, unknown>[],
    skipToken: response.skipToken,
  };
}

export async function allPages(
  graph: ResourceGraphClient,
  query: string,
  options: { top?: number; subscriptions?: string[]; managementGroups?: string[] } = {},
): Promise<{ pages: Page[]; rows: Record<string, unknown>[] }> {
  const pages: Page[] = [];
  let skipToken: string | undefined;
  do {
    const next = await page(graph, query, { ...options, ...(skipToken === undefined ? {} : { skipToken }) });
    pages.push(next);
    skipToken = next.skipToken;
  } while (skipToken !== undefined && pages.length < 100);
  return { pages, rows: pages.flatMap((p) => p.rows) };
}

export async function restError(call: Promise<unknown>): Promise<RestError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RestError) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}

export const desQuery = "resources | where type =~ 'microsoft.compute/diskencryptionsets'";
export const allDesIds = Array.from({ length: DES_COUNT }, (_, i) => desId(i));
