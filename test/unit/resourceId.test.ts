import { describe, expect, it } from "vitest";
import {
  ResourceIdError,
  parseResourceId,
  resourceGroupIdOf,
  sameResourceId,
  tryParseResourceId,
} from "../../src/core/ids/resourceId.js";

const SUB = "5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-ai`;

describe("parseResourceId", () => {
  it("parses a top-level resource", () => {
    const id = `${RG}/providers/Microsoft.Compute/diskEncryptionSets/des1`;
    const parsed = parseResourceId(id);
    expect(parsed).toMatchObject({
      id,
      subscriptionId: SUB,
      resourceGroup: "rg-ai",
      provider: "Microsoft.Compute",
      types: ["diskEncryptionSets"],
      names: ["des1"],
      type: "Microsoft.Compute/diskEncryptionSets",
      name: "des1",
      parentScope: RG,
      parentId: undefined,
      isExtension: false,
    });
  });

  it("parses a child resource and names its parent", () => {
    const parent = `${RG}/providers/Microsoft.CognitiveServices/accounts/aoai`;
    const parsed = parseResourceId(`${parent}/deployments/gpt`);
    expect(parsed.type).toBe("Microsoft.CognitiveServices/accounts/deployments");
    expect(parsed.types).toEqual(["accounts", "deployments"]);
    expect(parsed.names).toEqual(["aoai", "gpt"]);
    expect(parsed.name).toBe("gpt");
    expect(parsed.parentId).toBe(parent);
    expect(parsed.parentScope).toBe(RG);
  });

  it("parses an extension resource on a resource", () => {
    const des = `${RG}/providers/Microsoft.Compute/diskEncryptionSets/des1`;
    const parsed = parseResourceId(`${des}/providers/Microsoft.Authorization/roleAssignments/ra1`);
    expect(parsed.provider).toBe("Microsoft.Authorization");
    expect(parsed.type).toBe("Microsoft.Authorization/roleAssignments");
    expect(parsed.parentScope).toBe(des);
    expect(parsed.resourceGroup).toBe("rg-ai");
    expect(parsed.isExtension).toBe(true);
  });

  it("parses subscription-level provider resources", () => {
    const parsed = parseResourceId(
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleAssignments/ra2`,
    );
    expect(parsed.resourceGroup).toBeUndefined();
    expect(parsed.parentScope).toBe(`/subscriptions/${SUB}`);
    expect(parsed.isExtension).toBe(false);
  });

  it("treats resource groups and subscriptions as Microsoft.Resources resources", () => {
    expect(parseResourceId(RG)).toMatchObject({
      type: "Microsoft.Resources/resourceGroups",
      name: "rg-ai",
      parentScope: `/subscriptions/${SUB}`,
    });
    const sub = parseResourceId(`/subscriptions/${SUB}`);
    expect(sub).toMatchObject({ type: "Microsoft.Resources/subscriptions", name: SUB });
    expect(sub.parentScope).toBeUndefined();
  });

  it("accepts any keyword casing and a trailing slash", () => {
    const parsed = parseResourceId(
      `/SUBSCRIPTIONS/${SUB}/resourcegroups/RG1/PROVIDERS/Microsoft.Compute/disks/d1/`,
    );
    expect(parsed.resourceGroup).toBe("RG1");
    expect(parsed.type).toBe("Microsoft.Compute/disks");
    expect(parsed.id.endsWith("/")).toBe(false);
  });

  it.each([
    ["", "it is empty"],
    ["subscriptions/x", "must start with '/subscriptions/'"],
    ["/tenants/x", "must start with '/subscriptions/'"],
    ["/subscriptions", "subscription id is missing"],
    [`/subscriptions/${SUB}/resourceGroups`, "resource group name is missing"],
    [`/subscriptions/${SUB}/resourceGroups/rg//providers/Microsoft.Compute/disks/d1`, "segment 5 is empty"],
    [`${RG}/providers`, "namespace is missing"],
    [`${RG}/providers/Microsoft.Compute`, "no resource type follows"],
    [`${RG}/providers/Microsoft.Compute/disks`, "name of resource type 'disks' is missing"],
    [`${RG}/providers/compute/disks/d1`, "is not a provider namespace"],
    [`${RG}/things/x`, "expected 'providers' at segment 5"],
  ])("refuses %j (%s)", (id, problem) => {
    let caught: unknown;
    try {
      parseResourceId(id);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ResourceIdError);
    expect((caught as ResourceIdError).code).toBe("InvalidResourceId");
    expect((caught as ResourceIdError).problem).toContain(problem);
  });

  it("refuses non-strings from untyped input with the typed error", () => {
    expect(() => parseResourceId(42 as unknown as string)).toThrow(ResourceIdError);
  });
});

describe("helpers", () => {
  it("tryParseResourceId returns undefined instead of throwing", () => {
    expect(tryParseResourceId("nope")).toBeUndefined();
    expect(tryParseResourceId(RG)?.name).toBe("rg-ai");
  });

  it("resourceGroupIdOf and sameResourceId", () => {
    expect(resourceGroupIdOf(parseResourceId(`${RG}/providers/Microsoft.Compute/disks/d1`))).toBe(RG);
    expect(resourceGroupIdOf(parseResourceId(`/subscriptions/${SUB}`))).toBeUndefined();
    expect(sameResourceId(`${RG}/`, RG.toUpperCase())).toBe(true);
    expect(sameResourceId(RG, `${RG}2`)).toBe(false);
  });
});
