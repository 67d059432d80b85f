import { describe, expect, it } from "vitest";
import { createArmHandler } from "../../src/arm/armHandler.js";
import type { ArmResource } from "../../src/tenantFile.js";
import { TenantState } from "../../src/tenantState.js";
import { TenantBuilder } from "../../src/tenantBuilder/index.js";

const ML = "Microsoft.MachineLearningServices/workspaces";

function tenant() {
  const b = new TenantBuilder({ seed: "ml-children", location: "swedencentral" });
  const sub = b.subscription("5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a", "prod");
  const ws = b.mlWorkspace({ subscriptionId: sub, resourceGroup: "rg-ml", name: "mlw" });
  const online = b.mlEndpoint(ws, { name: "scoring", kind: "online" });
  b.mlDeployment(online, { name: "blue", model: "azureml:m:1" });
  b.mlDeployment(online, { name: "green", model: "azureml:m:2" });
  const batch = b.mlEndpoint(ws, { name: "nightly", kind: "batch" });
  b.mlDeployment(batch, { name: "v1" });
  b.mlCompute(ws, { name: "ci", computeType: "ComputeInstance" });
  b.mlCompute(ws, { name: "aks", computeType: "Kubernetes", attachedResourceId: "/subscriptions/x/aks" });
  for (const kind of ["model", "environment", "component", "data"] as const)
    b.mlAsset(ws, { kind, name: `${kind}-1`, latestVersion: "4" });
  b.mlDatastore(ws, { name: "lake", accountName: "st", containerName: "raw" });
  b.mlConnection(ws, { name: "aoai", category: "AzureOpenAI", target: "https://aoai.openai.azure.com/" });
  b.mlSchedule(ws, { name: "daily", expression: "0 1 * * *" });
  b.mlPrivateEndpointConnection(ws, { name: "pe.1", privateEndpointId: "/subscriptions/x/pe" });
  return { built: b.build(), ws, b };
}

const byName = (resources: ArmResource[], name: string) => resources.find((r) => r.name === name);

describe("TenantBuilder: Machine Learning workspace children", () => {
  it("adds children under the workspace (and endpoints) with the types and fields ARM lists", () => {
    const { built, ws } = tenant();
    const r = built.resources;
    expect(byName(r, "blue")).toMatchObject({
      id: `${ws.id}/onlineEndpoints/scoring/deployments/blue`,
      type: `${ML}/onlineEndpoints/deployments`,
      location: "swedencentral",
      properties: { model: "azureml:m:1", provisioningState: "Succeeded" },
    });
    // The first online deployment takes the traffic; the first batch deployment is the default.
    expect(byName(r, "scoring")?.properties).toMatchObject({ traffic: { blue: 100 }, authMode: "Key" });
    expect(byName(r, "nightly")?.properties).toMatchObject({
      defaults: { deploymentName: "v1" },
      authMode: "AADToken",
    });
    expect(byName(r, "aks")?.properties).toMatchObject({
      computeType: "Kubernetes",
      isAttachedCompute: true,
    });
    expect(byName(r, "ci")?.properties).toMatchObject({
      computeType: "ComputeInstance",
      isAttachedCompute: false,
    });
    expect(byName(r, "model-1")).toMatchObject({
      type: `${ML}/models`,
      properties: { latestVersion: "4", nextVersion: "5" },
    });
    expect(byName(r, "data-1")?.type).toBe(`${ML}/data`);
    // A private endpoint connection shows on the workspace too, as a GET of the workspace does.
    expect(byName(r, "mlw")?.properties).toMatchObject({
      privateLinkCount: 1,
      privateEndpointConnections: [expect.objectContaining({ name: "pe.1" })],
    });
  });

  it("refuses a child of a workspace it did not build", () => {
    const { b } = tenant();
    expect(() =>
      b.mlAsset("/subscriptions/x/resourceGroups/r/providers/" + ML + "/other", { kind: "model", name: "m" }),
    ).toThrow(/no Machine Learning workspace or endpoint/);
  });

  it("the emulator lists them per collection, paged with nextLink, and 404s a missing parent", async () => {
    const { built, ws } = tenant();
    const arm = createArmHandler(new TenantState(built), { polls: 1, retryAfterSeconds: 0, pageSize: 1 });
    const get = async (url: string) => {
      const response = await arm.handle(
        { method: "GET", url: new URL(url), headers: {}, body: undefined },
        { principal: { objectId: "tester" }, now: Date.now() },
      );
      return {
        status: response.status,
        json: JSON.parse(response.body ?? "{}") as { value?: { name: string }[]; nextLink?: string },
      };
    };
    const first = await get(
      `https://management.azure.com${ws.id}/onlineEndpoints/scoring/deployments?api-version=2024-10-01`,
    );
    expect(first.json.value?.map((d) => d.name)).toEqual(["blue"]);
    const second = await get(first.json.nextLink ?? "");
    expect(second.json).toEqual({ value: [expect.objectContaining({ name: "green" })] });
    const missing = await get(
      `https://management.azure.com${ws.id}/onlineEndpoints/gone/deployments?api-version=2024-10-01`,
    );
    expect(missing.status).toBe(404);
  });
});
