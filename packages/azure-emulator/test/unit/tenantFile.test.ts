import { describe, expect, it } from "vitest";
import { parseTenantFile, TenantFileError } from "../../src/tenantFile.js";
import { TenantState } from "../../src/tenantState.js";

const sub = "5e3c6f0a-0000-4000-8000-000000000001";
const valid = () => ({
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  subscriptions: [{ subscriptionId: sub, displayName: "prod" }],
  resources: [
    {
      id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/disks/d1`,
      name: "d1",
      type: "Microsoft.Compute/disks",
      location: "westeurope",
      properties: { diskSizeGB: 1 },
      anyOtherField: { kept: true },
    },
  ],
  keyVaults: {
    "https://kv.vault.azure.net": {
      keys: {
        cmk: [
          {
            version: "a1",
            kty: "RSA",
            keySize: 2048,
            enabled: true,
            createdOn: "2026-01-01T00:00:00Z",
            keyOps: [],
          },
        ],
      },
    },
  },
});

function problem(mutate: (t: ReturnType<typeof valid>) => unknown): TenantFileError {
  const t = valid();
  const json = mutate(t) ?? t;
  try {
    parseTenantFile(json, "t.json");
  } catch (error) {
    if (error instanceof TenantFileError) return error;
    throw error;
  }
  throw new Error("expected a TenantFileError");
}

describe("tenant file", () => {
  it("accepts the contract and keeps fields it does not know", () => {
    const state = new TenantState(parseTenantFile(valid()));
    expect(state.getResource(valid().resources[0]!.id.toUpperCase())?.body).toMatchObject({
      anyOtherField: { kept: true },
    });
    expect(state.keyVersions("https://KV.vault.azure.net", "CMK")?.map((v) => v.version)).toEqual(["a1"]);
    expect(parseTenantFile(JSON.parse(JSON.stringify(state.toTenantFile())))).toEqual(
      parseTenantFile(valid()),
    );
  });

  // `az resource show`, the generic resources API and Resource Graph rows write null for these.
  it("accepts null for identity, tags, kind, managedBy and location, and GET returns them as stored", () => {
    const t = valid();
    const withNulls = {
      ...t,
      resources: [
        { ...t.resources[0]!, identity: null, tags: null, kind: null, managedBy: null, location: null },
      ],
    };
    const state = new TenantState(parseTenantFile(withNulls));
    expect(state.getResource(t.resources[0]!.id)?.body).toMatchObject({
      identity: null,
      tags: null,
      kind: null,
      managedBy: null,
      location: null,
    });
  });

  it("reads and writes back deleted keys and deleted vaults", () => {
    const tenant = {
      ...valid(),
      deletedVaults: [
        {
          id: `/subscriptions/${sub}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-old`,
          name: "kv-old",
          type: "Microsoft.KeyVault/deletedVaults",
          properties: {
            vaultId: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-old`,
            location: "westeurope",
            deletionDate: "2026-02-01T00:00:00Z",
            purgeProtectionEnabled: true,
          },
        },
      ],
    };
    const vault = tenant.keyVaults["https://kv.vault.azure.net"] as Record<string, unknown>;
    vault.deletedKeys = {
      old: {
        deletedDate: "2026-02-01T00:00:00Z",
        versions: tenant.keyVaults["https://kv.vault.azure.net"].keys.cmk,
      },
    };
    const state = new TenantState(parseTenantFile(tenant));
    expect(state.deletedKey("https://kv.vault.azure.net", "OLD")?.versions.map((v) => v.version)).toEqual([
      "a1",
    ]);
    expect(state.deletedVaults(sub.toUpperCase()).map((d) => d.name)).toEqual(["kv-old"]);
    expect(parseTenantFile(JSON.parse(JSON.stringify(state.toTenantFile())))).toEqual(
      parseTenantFile(tenant),
    );
  });

  it.each<[string, (t: ReturnType<typeof valid>) => unknown, string, RegExp]>([
    ["a missing tenantId", (t) => ({ ...t, tenantId: undefined }), "$.tenantId", /expected string/],
    [
      "a resource id without a subscription",
      (t) => void (t.resources[0]!.id = "/resourceGroups/x"),
      "$.resources[0].id",
      /starts with \/subscriptions/,
    ],
    [
      "a resource in an unknown subscription",
      (t) => void (t.subscriptions = []),
      "$.resources[0].id",
      /not listed/,
    ],
    [
      "a duplicate resource id",
      (t) => void t.resources.push({ ...t.resources[0]!, id: t.resources[0]!.id.toUpperCase() }),
      "$.resources[1].id",
      /duplicate/,
    ],
    [
      "a vault URL with a path",
      (t) => ({ ...t, keyVaults: { "https://kv.vault.azure.net/keys": { keys: {} } } }),
      '$.keyVaults["https://kv.vault.azure.net/keys"]',
      /./,
    ],
    [
      "an RSA key without a size",
      (t) => {
        delete (t.keyVaults["https://kv.vault.azure.net"].keys.cmk[0] as { keySize?: number }).keySize;
      },
      '$.keyVaults["https://kv.vault.azure.net"].keys.cmk[0].keySize',
      /keySize/,
    ],
    [
      "a bad date",
      (t) => void (t.keyVaults["https://kv.vault.azure.net"].keys.cmk[0]!.createdOn = "yesterday"),
      '$.keyVaults["https://kv.vault.azure.net"].keys.cmk[0].createdOn',
      /./,
    ],
    [
      "a key both active and deleted",
      (t) => {
        const vault = t.keyVaults["https://kv.vault.azure.net"];
        (vault as Record<string, unknown>).deletedKeys = {
          CMK: { deletedDate: "2026-02-01T00:00:00Z", versions: vault.keys.cmk },
        };
      },
      '$.keyVaults["https://kv.vault.azure.net"].deletedKeys.CMK',
      /either in keys or in deletedKeys/,
    ],
    [
      "a deleted vault in an unknown subscription",
      (t) => ({
        ...t,
        deletedVaults: [
          {
            id: "/subscriptions/other/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv",
            name: "kv",
            type: "Microsoft.KeyVault/deletedVaults",
            properties: { vaultId: "/x", location: "westeurope", deletionDate: "2026-02-01T00:00:00Z" },
          },
        ],
      }),
      "$.deletedVaults[0].id",
      /not listed/,
    ],
    [
      "a deleted vault id that is not one",
      (t) => ({
        ...t,
        deletedVaults: [
          {
            id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv`,
            name: "kv",
            type: "Microsoft.KeyVault/deletedVaults",
            properties: { vaultId: "/x", location: "westeurope", deletionDate: "2026-02-01T00:00:00Z" },
          },
        ],
      }),
      "$.deletedVaults[0].id",
      /deletedVaults\/\{name\}/,
    ],
    [
      "a resource type that does not match its id",
      (t) => void (t.resources[0]!.type = "Microsoft.Compute/disk"),
      "$.resources[0].type",
      /^t\.json: \$\.resources\[0\]\.type: Microsoft\.Compute\/disk does not match the type in the resource's id, Microsoft\.Compute\/disks$/,
    ],
    [
      "a misspelt resource type, in the id too",
      (t) => {
        const r = t.resources[0]!;
        r.id = r.id.replace("Microsoft.Compute/disks", "Microsoft.Compute/diskEncryptonSets");
        r.type = "Microsoft.Compute/diskEncryptonSets";
      },
      "$.resources[0].type",
      /unknown resource type Microsoft\.Compute\/diskEncryptonSets; did you mean Microsoft\.Compute\/diskEncryptionSets\?$/,
    ],
  ])("rejects %s with the JSON path of the problem", (_name, mutate, path, message) => {
    const error = problem(mutate);
    expect(error.code).toBe("TenantFileInvalid");
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`t.json: ${path}: `)).toBe(true);
  });

  it("accepts any other type, spelt as ARM spells it or not, and ids without a provider", () => {
    const t = valid();
    t.resources.push(
      {
        ...t.resources[0]!,
        id: `/subscriptions/${sub}/resourceGroups/rg/providers/Contoso.Widgets/gadgets/g1`,
        name: "g1",
        type: "Contoso.Widgets/gadgets",
      },
      {
        ...t.resources[0]!,
        id: `/subscriptions/${sub}/resourceGroups/rg/providers/microsoft.compute/DISKS/d2`,
        name: "d2",
        type: "microsoft.compute/disks",
      },
      {
        ...t.resources[0]!,
        id: `/subscriptions/${sub}/resourceGroups/rg2`,
        name: "rg2",
        type: "Microsoft.Resources/resourceGroups",
      },
    );
    expect(parseTenantFile(t).resources).toHaveLength(4);
  });
});
