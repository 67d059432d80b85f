import { describe, expect, it } from "vitest";
import { KqlError } from "../../src/emulator/resourceGraph/kql/kqlError.js";
import { runKql, type Row } from "../../src/emulator/resourceGraph/kql/kqlEvaluate.js";

const rows: Row[] = [
  {
    id: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des-a",
    name: "des-a",
    type: "microsoft.compute/diskencryptionsets",
    location: "westeurope",
    tags: { env: "prod", "cost-center": "42" },
    properties: {
      activeKey: { keyUrl: "https://KV-CMK.vault.azure.net/keys/cmk/abc" },
      rotationToLatestKeyVersionEnabled: true,
    },
  },
  {
    id: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/aoai",
    name: "aoai",
    type: "microsoft.cognitiveservices/accounts",
    kind: "OpenAI",
    location: "eastus",
    tags: null,
    properties: {
      encryption: { keySource: "Microsoft.KeyVault", keyVaultProperties: { keyName: "cmk" } },
      list: [1, 2],
    },
  },
  {
    id: "/subscriptions/s2/resourceGroups/rg2/providers/Microsoft.Compute/disks/disk-1",
    name: "disk-1",
    type: "microsoft.compute/disks",
    location: "westeurope",
    properties: { encryption: { type: "EncryptionAtRestWithPlatformKey" } },
  },
];

const run = (query: string): Row[] => runKql(query, (table) => (table === "resources" ? rows : [])).rows;
const names = (query: string): unknown[] => run(query).map((r) => r.name);

describe("KQL subset", () => {
  it("== is case-sensitive, =~ is not; != and !~ negate them", () => {
    expect(names("resources | where name == 'des-a'")).toEqual(["des-a"]);
    expect(names("resources | where name == 'DES-A'")).toEqual([]);
    expect(names("resources | where type =~ 'Microsoft.Compute/DiskEncryptionSets'")).toEqual(["des-a"]);
    expect(names("resources | where location != 'westeurope'")).toEqual(["aoai"]);
    expect(names("resources | where location !~ 'WESTEUROPE'")).toEqual(["aoai"]);
  });

  it("string operators compare case-insensitively; has matches whole terms", () => {
    expect(
      names(
        "resources | where tostring(properties.activeKey.keyUrl) startswith 'https://kv-cmk.vault.azure.net/keys/'",
      ),
    ).toEqual(["des-a"]);
    expect(names("resources | where name contains 'SK'")).toEqual(["disk-1"]);
    expect(names("resources | where name endswith '-1'")).toEqual(["disk-1"]);
    expect(names("resources | where id has 'disks'")).toEqual(["disk-1"]);
    expect(names("resources | where id has 'dis'")).toEqual([]);
    expect(names("resources | where id has 'Compute/disks'")).toEqual(["disk-1"]);
    expect(names("resources | where name !contains 'a'")).toEqual(["disk-1"]);
    expect(names("resources | where name !startswith 'd'")).toEqual(["aoai"]);
  });

  it("in, in~, !in and not(); and/or with parentheses", () => {
    expect(names("resources | where location in ('eastus', 'northeurope')")).toEqual(["aoai"]);
    expect(names("resources | where location in~ ('EASTUS')")).toEqual(["aoai"]);
    expect(names("resources | where location !in ('eastus')")).toEqual(["des-a", "disk-1"]);
    expect(
      names("resources | where not(location == 'eastus') and (name == 'disk-1' or name == 'des-a')"),
    ).toEqual(["des-a", "disk-1"]);
  });

  it("reads dotted, bracketed and indexed paths; missing paths are null", () => {
    expect(names("resources | where tags['cost-center'] == '42'")).toEqual(["des-a"]);
    expect(names("resources | where properties['encryption'].keyVaultProperties.keyName =~ 'CMK'")).toEqual([
      "aoai",
    ]);
    expect(names("resources | where properties.list[1] == 2")).toEqual(["aoai"]);
    expect(names("resources | where isempty(properties.nothing.here)")).toHaveLength(3);
    expect(names("resources | where isnotempty(kind)")).toEqual(["aoai"]);
    expect(names("resources | where properties.rotationToLatestKeyVersionEnabled == true")).toEqual([
      "des-a",
    ]);
  });

  it("project, extend, order by (descending by default), take", () => {
    expect(run("resources | project name, loc = tolower(location) | take 1")).toEqual([
      { name: "des-a", loc: "westeurope" },
    ]);
    expect(
      run("resources | where name == 'aoai' | extend k = strcat(kind, '-', location) | project k"),
    ).toEqual([{ k: "OpenAI-eastus" }]);
    expect(names("resources | order by name")).toEqual(["disk-1", "des-a", "aoai"]);
    expect(names("resources | order by location asc, name desc")).toEqual(["aoai", "disk-1", "des-a"]);
    expect(runKql("resources | take 2", () => rows)).toMatchObject({ limited: true });
    expect(
      run("resources | project properties.encryption.type | where isnotempty(properties_encryption_type)"),
    ).toEqual([{ properties_encryption_type: "EncryptionAtRestWithPlatformKey" }]);
  });

  it.each([
    ["resources | summarize count() by type", "summarize"],
    ["resources | join (resources) on id", "join"],
    ["resources | mv-expand tags", "mv-expand"],
    ["let x = 1; resources", "let"],
    ["resources | where name matches regex 'a.*'", "matches"],
    ["resources | where parse_json(tags) == 1", "function parse_json()"],
    ["authorizationresources | take 1", "table authorizationresources"],
    ["resources | where name has_any ('a')", "has_any"],
    ["resources | extend n = 1 + 1", "arithmetic '+'"],
  ])("rejects %s naming %s", (query, construct) => {
    let error: unknown;
    try {
      run(query);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KqlError);
    expect((error as KqlError).code).toBe("UnsupportedKqlConstruct");
    expect((error as KqlError).construct).toBe(construct);
    expect((error as KqlError).message).toContain(construct);
  });

  it.each([
    "resources | where",
    "resources | where name == 'x",
    "resources | take x",
    "resources | project 1 + ",
  ])("rejects malformed %s", (query) => {
    expect(() => run(query)).toThrow(KqlError);
  });
});
