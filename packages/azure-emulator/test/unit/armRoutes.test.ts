import { describe, expect, it } from "vitest";
import { classifyArmPath, pathSegments } from "../../src/arm/armRoutes.js";

const SUB = "5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a";
const RG = `/subscriptions/${SUB}/resourceGroups/rg1`;

describe("classifyArmPath", () => {
  it("recognises subscription and resource group paths", () => {
    expect(classifyArmPath("/subscriptions")).toEqual({ kind: "subscriptions" });
    expect(classifyArmPath(`/subscriptions/${SUB}`)).toEqual({ kind: "subscription", subscriptionId: SUB });
    expect(classifyArmPath(`/subscriptions/${SUB}/resourcegroups`)).toEqual({
      kind: "resourceGroups",
      subscriptionId: SUB,
    });
    expect(classifyArmPath(`/subscriptions/${SUB}/resources`)).toEqual({
      kind: "resources",
      subscriptionId: SUB,
    });
    expect(classifyArmPath(`${RG}/resources`)).toEqual({
      kind: "resources",
      subscriptionId: SUB,
      resourceGroup: "rg1",
    });
    const rg = classifyArmPath(RG);
    expect(rg.kind === "resource" && rg.id.type).toBe("Microsoft.Resources/resourceGroups");
  });

  it("recognises collections at subscription, resource group and parent level", () => {
    expect(classifyArmPath(`/subscriptions/${SUB}/providers/Microsoft.Compute/disks`)).toMatchObject({
      kind: "collection",
      parentId: `/subscriptions/${SUB}`,
      parentIsResource: false,
      type: "Microsoft.Compute/disks",
    });
    expect(classifyArmPath(`${RG}/providers/Microsoft.Compute/disks`)).toMatchObject({
      kind: "collection",
      resourceGroup: "rg1",
      parentId: RG,
      parentIsResource: false,
    });
    const parent = `${RG}/providers/Microsoft.CognitiveServices/accounts/a1`;
    expect(classifyArmPath(`${parent}/deployments`)).toMatchObject({
      kind: "collection",
      parentId: parent,
      parentIsResource: true,
      type: "Microsoft.CognitiveServices/accounts/deployments",
    });
  });

  it("recognises role-assignment lists at any scope, including the tenant root", () => {
    const des = `${RG}/providers/Microsoft.Compute/diskEncryptionSets/des1`;
    expect(classifyArmPath(`${des}/providers/Microsoft.Authorization/roleAssignments`)).toEqual({
      kind: "roleAssignments",
      scope: des,
      subscriptionId: SUB,
    });
    expect(classifyArmPath("/providers/Microsoft.Authorization/roleAssignments")).toMatchObject({
      scope: "/",
    });
  });

  it("recognises operation status and result URLs", () => {
    const base = `/subscriptions/${SUB}/providers/Microsoft.Compute/locations/westeurope`;
    expect(classifyArmPath(`${base}/operationStatuses/op1`)).toEqual({
      kind: "operation",
      subscriptionId: SUB,
      operationName: "op1",
      which: "status",
    });
    expect(classifyArmPath(`${base}/operationResults/op1`)).toMatchObject({ which: "result" });
  });

  it("tolerates doubled slashes and percent-encoding, as ARM does", () => {
    const route = classifyArmPath(
      `//subscriptions/${SUB}/resourceGroups/rg%20one/providers/Microsoft.Compute/disks/d1`,
    );
    expect(route.kind === "resource" && route.id.resourceGroup).toBe("rg one");
    expect(pathSegments("/a//b/")).toEqual(["a", "b"]);
  });

  it("reports paths that are not ARM resources", () => {
    expect(classifyArmPath("/tenants").kind).toBe("invalid");
    const route = classifyArmPath(`${RG}/things/x`);
    expect(route.kind === "invalid" && route.problem).toContain("expected 'providers'");
  });
});
