import { describe, expect, it } from "vitest";
import { InvalidSkipTokenError, pageOf } from "../../src/arm/paging.js";
import { ResourceFilterError, parseResourceFilter } from "../../src/arm/resourceFilter.js";
import type { ArmResource } from "../../src/tenantFile.js";

const url = new URL(
  "https://management.azure.com/subscriptions/s/resources?api-version=2025-04-01&$filter=resourceType eq 'Microsoft.Compute/disks'",
);

describe("pageOf", () => {
  const items = [1, 2, 3, 4, 5];

  it("pages with an absolute nextLink that keeps the query", () => {
    const first = pageOf(items, url, 2);
    expect(first.value).toEqual([1, 2]);
    const next = new URL(first.nextLink!);
    expect(next.host).toBe("management.azure.com");
    expect(next.searchParams.get("api-version")).toBe("2025-04-01");
    expect(next.searchParams.get("$filter")).toBe("resourceType eq 'Microsoft.Compute/disks'");
    const second = pageOf(items, next, 2);
    expect(second.value).toEqual([3, 4]);
    const third = pageOf(items, new URL(second.nextLink!), 2);
    expect(third).toEqual({ value: [5] });
  });

  it("has no nextLink when everything fits", () => {
    expect(pageOf(items, url, 5)).toEqual({ value: items });
    expect(pageOf([], url, 5)).toEqual({ value: [] });
  });

  it("refuses a foreign skip token", () => {
    expect(() => pageOf(items, new URL(`${url.toString()}&$skipToken=abc`), 2)).toThrow(
      InvalidSkipTokenError,
    );
  });
});

describe("parseResourceFilter", () => {
  const r = (name: string, type: string, extra: Partial<ArmResource> = {}): ArmResource => ({
    id: `/subscriptions/s/resourceGroups/rg1/providers/${type}/${name}`,
    name,
    type,
    location: "westeurope",
    ...extra,
  });
  const all = [
    r("d1", "Microsoft.Compute/disks", { tags: { env: "prod" } }),
    r("d2", "Microsoft.Compute/disks", { tags: { env: "dev" } }),
    r("des1", "Microsoft.Compute/diskEncryptionSets"),
    r("aoai", "Microsoft.CognitiveServices/accounts", { location: "East US" }),
  ];
  const names = (filter: string): string[] => all.filter(parseResourceFilter(filter)).map((x) => x.name);

  it.each([
    ["resourceType eq 'microsoft.compute/disks'", ["d1", "d2"]],
    ["resourceType eq 'Microsoft.Compute/disks' and name eq 'd2'", ["d2"]],
    [
      "resourceType eq 'Microsoft.Compute/disks' or resourceType eq 'Microsoft.Compute/diskEncryptionSets'",
      ["d1", "d2", "des1"],
    ],
    ["substringof('d', name)", ["d1", "d2", "des1"]],
    ["location eq 'eastus'", ["aoai"]],
    ["resourceGroup eq 'RG1' and name eq 'des1'", ["des1"]],
    ["tagName eq 'env' and tagValue eq 'prod'", ["d1"]],
    ["tagName eq 'env'", ["d1", "d2"]],
  ])("%s", (filter, expected) => {
    expect(names(filter)).toEqual(expected);
  });

  it.each([
    "kind eq 'OpenAI'",
    "resourceType ne 'x'",
    "resourceType eq 'x' xor name eq 'y'",
    "name eq 'unterminated",
    "tagValue eq 'prod'",
  ])("refuses %s", (filter) => {
    expect(() => parseResourceFilter(filter)).toThrow(ResourceFilterError);
  });
});
