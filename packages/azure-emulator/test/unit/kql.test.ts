import { describe, expect, it } from "vitest";
import { runKql, type KqlColumn, type KqlTable, type Row } from "../../src/resourceGraph/kql/runKql.js";

const columns: KqlColumn[] = [
  { name: "id", type: "string" },
  { name: "name", type: "string" },
  { name: "type", type: "string" },
  { name: "kind", type: "string" },
  { name: "location", type: "string" },
  { name: "properties", type: "dynamic" },
  { name: "tags", type: "dynamic" },
  { name: "identity", type: "dynamic" },
];

const rows: Row[] = [
  {
    id: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des-a",
    name: "des-a",
    type: "microsoft.compute/diskencryptionsets",
    kind: "",
    location: "westeurope",
    tags: { env: "prod", "cost-center": "42" },
    identity: {
      type: "UserAssigned",
      userAssignedIdentities: { "/subscriptions/s1/providers/x/uai-1": { principalId: "p-1" } },
    },
    properties: {
      activeKey: { keyUrl: "https://KV-CMK.vault.azure.net/keys/cmk/abc" },
      rotationToLatestKeyVersionEnabled: true,
      size: 5,
    },
  },
  {
    id: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/aoai",
    name: "aoai",
    type: "microsoft.cognitiveservices/accounts",
    kind: "OpenAI",
    location: "eastus",
    tags: null,
    identity: null,
    properties: {
      encryption: { keySource: "Microsoft.KeyVault", keyVaultProperties: { keyName: "cmk" } },
      list: [1, 2, 3],
      size: 10,
    },
  },
  {
    id: "/subscriptions/s2/resourceGroups/rg2/providers/Microsoft.Compute/disks/disk-1",
    name: "disk-1",
    type: "microsoft.compute/disks",
    kind: "",
    location: "westeurope",
    tags: { env: "dev" },
    identity: null,
    properties: { encryption: { type: "EncryptionAtRestWithPlatformKey" }, size: 7 },
  },
];

const tables = (data: Row[] = rows): ReadonlyMap<string, KqlTable> =>
  new Map([
    ["resources", { columns, rows: data }],
    ["resourcecontainers", { columns, rows: [] }],
  ]);
const run = (query: string): Row[] => runKql(query, tables()).rows;
const names = (query: string): unknown[] => run(query).map((r) => r.name);

describe("KQL tables", () => {
  it("reads resources and resourcecontainers, table names in any case", () => {
    expect(names("resources")).toEqual(["des-a", "aoai", "disk-1"]);
    expect(names("Resources")).toEqual(["des-a", "aoai", "disk-1"]);
    expect(names("ResourceContainers")).toEqual([]);
  });

  it("never modifies the rows it reads", () => {
    const data = structuredClone(rows);
    runKql("resources | extend name = 'x', tags = 'y' | project-away id | order by name asc", tables(data));
    expect(data).toEqual(rows);
  });
});

describe("KQL comparisons", () => {
  it("== and != are case-sensitive", () => {
    expect(names("resources | where name == 'des-a'")).toEqual(["des-a"]);
    expect(names("resources | where name == 'DES-A'")).toEqual([]);
    expect(names("resources | where location != 'westeurope'")).toEqual(["aoai"]);
    expect(names("resources | where location != 'WestEurope'")).toEqual(["des-a", "aoai", "disk-1"]);
  });

  it("=~ and !~ ignore case", () => {
    expect(names("resources | where type =~ 'Microsoft.Compute/DiskEncryptionSets'")).toEqual(["des-a"]);
    expect(names("resources | where location !~ 'WESTEUROPE'")).toEqual(["aoai"]);
  });

  it("in and !in are case-sensitive; in~ and !in~ are not", () => {
    expect(names("resources | where location in ('eastus', 'northeurope')")).toEqual(["aoai"]);
    expect(names("resources | where location in ('EastUS')")).toEqual([]);
    expect(names("resources | where location in~ ('EastUS', 'x')")).toEqual(["aoai"]);
    expect(names("resources | where location !in ('eastus')")).toEqual(["des-a", "disk-1"]);
    expect(names("resources | where location !in~ ('EASTUS')")).toEqual(["des-a", "disk-1"]);
  });

  it("startswith, endswith, contains ignore case, with negations", () => {
    expect(names("resources | where name startswith 'DES'")).toEqual(["des-a"]);
    expect(names("resources | where name !startswith 'd'")).toEqual(["aoai"]);
    expect(names("resources | where name endswith '-1'")).toEqual(["disk-1"]);
    expect(names("resources | where name !endswith '-1'")).toEqual(["des-a", "aoai"]);
    expect(names("resources | where name contains 'SK'")).toEqual(["disk-1"]);
    expect(names("resources | where name !contains 'a'")).toEqual(["disk-1"]);
  });

  it("has matches whole alphanumeric terms, ignoring case", () => {
    expect(names("resources | where id has 'disks'")).toEqual(["disk-1"]);
    expect(names("resources | where id has 'DISKS'")).toEqual(["disk-1"]);
    expect(names("resources | where id has 'dis'")).toEqual([]);
    expect(names("resources | where id has 'Compute/disks'")).toEqual(["disk-1"]);
    expect(names("resources | where name has 'des'")).toEqual(["des-a"]);
    expect(names("resources | where name has 'es-a'")).toEqual([]);
    expect(names("resources | where name !has 'disk'")).toEqual(["des-a", "aoai"]);
  });

  it("compares numbers and booleans in dynamic values", () => {
    expect(names("resources | where properties.size > 6")).toEqual(["aoai", "disk-1"]);
    expect(names("resources | where properties.size <= 7")).toEqual(["des-a", "disk-1"]);
    expect(names("resources | where properties.size == 10")).toEqual(["aoai"]);
    expect(names("resources | where properties.size >= 7.5 and properties.size < 11")).toEqual(["aoai"]);
    expect(names("resources | where properties.rotationToLatestKeyVersionEnabled == true")).toEqual([
      "des-a",
    ]);
    // A dynamic boolean equals its text, as in Resource Graph samples.
    expect(names("resources | where properties.rotationToLatestKeyVersionEnabled == 'true'")).toEqual([
      "des-a",
    ]);
  });

  it("combines with and, or, not() and parentheses (and binds tighter than or)", () => {
    expect(
      names("resources | where not(location == 'eastus') and (name == 'disk-1' or name == 'des-a')"),
    ).toEqual(["des-a", "disk-1"]);
    expect(names("resources | where name == 'aoai' or name == 'des-a' and location == 'eastus'")).toEqual([
      "aoai",
    ]);
    expect(names("resources | where (name == 'aoai' or name == 'des-a') and location == 'eastus'")).toEqual([
      "aoai",
    ]);
  });

  it("accepts double-quoted, escaped and verbatim strings", () => {
    expect(names('resources | where name == "des-a"')).toEqual(["des-a"]);
    expect(names("resources | where strcat(name, '\\'') == \"des-a'\"")).toEqual(["des-a"]);
    expect(names("resources | where id startswith @'/subscriptions/s2\\'")).toEqual([]);
    expect(names("resources | where id startswith @'/subscriptions/s2/'")).toEqual(["disk-1"]);
  });

  it("skips // comments and spans lines", () => {
    expect(names("resources // all of them\n| where name == 'aoai' // just one\n")).toEqual(["aoai"]);
  });
});

describe("KQL paths and nulls", () => {
  it("reads dotted, bracketed and indexed paths", () => {
    expect(names("resources | where tags['cost-center'] == '42'")).toEqual(["des-a"]);
    expect(names('resources | where tags["env"] == "dev"')).toEqual(["disk-1"]);
    expect(names("resources | where properties['encryption'].keyVaultProperties.keyName =~ 'CMK'")).toEqual([
      "aoai",
    ]);
    expect(names("resources | where properties.list[1] == 2")).toEqual(["aoai"]);
    expect(names("resources | where properties.list[-1] == 3")).toEqual(["aoai"]);
    expect(
      names(
        "resources | where isnotempty(identity.userAssignedIdentities['/subscriptions/s1/providers/x/uai-1'].principalId)",
      ),
    ).toEqual(["des-a"]);
  });

  it("missing paths are null: == is false, != is true, isnull/isempty are true", () => {
    expect(names("resources | where properties.nothing.here == 'x'")).toEqual([]);
    expect(names("resources | where properties.encryption.keySource != 'Microsoft.KeyVault'")).toEqual([
      "des-a",
      "disk-1",
    ]);
    expect(names("resources | where isnull(properties.nothing)")).toHaveLength(3);
    expect(names("resources | where isempty(properties.nothing.here)")).toHaveLength(3);
    expect(names("resources | where isnotnull(properties.encryption)")).toEqual(["aoai", "disk-1"]);
    expect(names("resources | where isnotempty(kind)")).toEqual(["aoai"]);
    expect(names("resources | where isempty(kind)")).toEqual(["des-a", "disk-1"]);
    expect(names("resources | where properties.list[9] == 1 or properties.list['a'] == 1")).toEqual([]);
  });

  it("null == null and null != null are unknown, so where drops the row either way", () => {
    expect(names("resources | where properties.a == properties.b")).toEqual([]);
    expect(names("resources | where properties.a != properties.b")).toEqual([]);
    expect(names("resources | where not(properties.a == properties.b)")).toEqual([]);
  });

  it("string operators read null as the empty string", () => {
    expect(names("resources | where properties.nothing =~ ''")).toHaveLength(3);
    expect(names("resources | where properties.nothing !contains 'x'")).toHaveLength(3);
    expect(names("resources | where tostring(tags.env) == ''")).toEqual(["aoai"]);
  });
});

describe("KQL functions", () => {
  it("tostring, tolower, toupper, strcat", () => {
    expect(
      run(
        "resources | where name == 'des-a' | project k = tolower(tostring(properties.activeKey.keyUrl)), u = toupper(name), s = strcat(name, '/', location), j = tostring(tags), n = tostring(properties.size), m = tostring(properties.missing)",
      ),
    ).toEqual([
      {
        k: "https://kv-cmk.vault.azure.net/keys/cmk/abc",
        u: "DES-A",
        s: "des-a/westeurope",
        j: '{"env":"prod","cost-center":"42"}',
        n: "5",
        m: "",
      },
    ]);
  });

  it("runs the disk encryption set query of the CMK scan", () => {
    const query =
      "resources | where type =~ 'microsoft.compute/diskencryptionsets' | where tolower(tostring(properties.activeKey.keyUrl)) startswith 'https://kv-cmk.vault.azure.net/keys/cmk/' | project id, properties";
    expect(run(query)).toEqual([{ id: rows[0]?.id, properties: rows[0]?.properties }]);
  });
});

describe("KQL tabular operators", () => {
  it("project keeps the listed columns in order and names paths after their steps", () => {
    expect(run("resources | where name == 'aoai' | project location, name")).toEqual([
      { location: "eastus", name: "aoai" },
    ]);
    expect(Object.keys(run("resources | project location, name")[0] ?? {})).toEqual(["location", "name"]);
    expect(
      run(
        "resources | project properties.encryption.type, properties['encryption'], cc = tags['cost-center'] | where isnotempty(properties_encryption_type)",
      ),
    ).toEqual([
      {
        properties_encryption_type: "EncryptionAtRestWithPlatformKey",
        properties_encryption: { type: "EncryptionAtRestWithPlatformKey" },
        cc: null,
      },
    ]);
  });

  it("extend adds or replaces columns; later columns see earlier ones", () => {
    expect(
      run(
        "resources | where name == 'aoai' | extend k = strcat(kind, '-', location), kk = toupper(k) | project k, kk",
      ),
    ).toEqual([{ k: "OpenAI-eastus", kk: "OPENAI-EASTUS" }]);
    expect(names("resources | extend name = toupper(name) | where name == 'AOAI'")).toEqual(["AOAI"]);
  });

  it("project-away removes columns", () => {
    expect(Object.keys(run("resources | project-away properties, tags, identity | take 1")[0] ?? {})).toEqual(
      ["id", "name", "type", "kind", "location"],
    );
  });

  it("order by sorts descending unless asc is given, by several keys, stably", () => {
    expect(names("resources | order by name")).toEqual(["disk-1", "des-a", "aoai"]);
    expect(names("resources | sort by name asc")).toEqual(["aoai", "des-a", "disk-1"]);
    expect(names("resources | order by location asc, name desc")).toEqual(["aoai", "disk-1", "des-a"]);
    expect(names("resources | order by location asc")).toEqual(["aoai", "des-a", "disk-1"]);
    expect(names("resources | order by tostring(properties.size) asc")).toEqual(["aoai", "des-a", "disk-1"]);
  });

  it("order by puts nulls first ascending and last descending, unless told", () => {
    const data: Row[] = [
      { ...rows[0], name: "a", kind: null },
      { ...rows[0], name: "b", kind: "y" },
      { ...rows[0], name: "c", kind: "x" },
    ];
    const sorted = (order: string): unknown[] =>
      runKql(`resources | order by ${order}`, tables(data)).rows.map((r) => r.name);
    expect(sorted("kind asc")).toEqual(["a", "c", "b"]);
    expect(sorted("kind desc")).toEqual(["b", "c", "a"]);
    expect(sorted("kind asc nulls last")).toEqual(["c", "b", "a"]);
    expect(sorted("kind desc nulls first")).toEqual(["a", "b", "c"]);
  });

  it("take and limit keep the first rows and mark the result as limited", () => {
    expect(names("resources | take 2")).toEqual(["des-a", "aoai"]);
    expect(names("resources | limit 1")).toEqual(["des-a"]);
    expect(names("resources | take 0")).toEqual([]);
    expect(runKql("resources | take 2", tables()).limited).toBe(true);
    expect(runKql("resources | where name != 'x'", tables()).limited).toBe(false);
  });

  it("take stops reading its input early", () => {
    let read = 0;
    const counting: Iterable<Row> = {
      *[Symbol.iterator]() {
        for (const row of rows) {
          read++;
          yield row;
        }
      },
    };
    runKql("resources | where name != 'x' | take 1", new Map([["resources", { columns, rows: counting }]]));
    expect(read).toBe(1);
  });

  it("reports the result columns with their types", () => {
    expect(
      runKql("resources | project id, properties, n = isempty(name), s = tostring(tags)", tables()).columns,
    ).toEqual([
      { name: "id", type: "string" },
      { name: "properties", type: "dynamic" },
      { name: "n", type: "bool" },
      { name: "s", type: "string" },
    ]);
  });
});
