import { describe, expect, it } from "vitest";
import { mlRecreationKitFor } from "../../src/app/mlRecreation/mlRecreationKitFor.js";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { mlRecreationTemplate } from "../../src/core/consumers/mlWorkspace/recreation/mlRecreationTemplate.js";
import { buildExampleTenant, EXAMPLE_SUBSCRIPTIONS } from "../fixtures/exampleTenant.js";
import { requestBody, TemplateEvaluator, text } from "../support/armTemplateEval.js";
import { createMemoryService } from "../support/memoryService.js";
import { testNow } from "../support/serviceWiring.js";
import { workspacePutProblems } from "../support/workspaceSchema.js";

const ML = "Microsoft.MachineLearningServices/workspaces";

interface Template {
  parameters: Record<string, { defaultValue?: unknown }>;
  variables: Record<string, unknown>;
  resources: (Record<string, unknown> & {
    type: string;
    name: string;
    apiVersion: string;
    dependsOn?: string[];
  })[];
  outputs: Record<string, { value: unknown }>;
}

async function exampleKit(sub: string, rg: string, name: string) {
  const svc = createMemoryService(buildExampleTenant());
  return mlRecreationKitFor(`/subscriptions/${sub}/resourceGroups/${rg}/providers/${ML}/${name}`, {
    port: svc.ctx.port,
    scope: svc.ctx.scope,
    expiryMarginDays: 30,
    now: () => testNow,
  });
}

/** The workspace request bodies of a template, and checks that its references resolve. */
function workspaceBodies(
  template: Template,
  given: Record<string, string | boolean>,
  scope: { subscriptionId: string; resourceGroup: string },
) {
  const evaluator = new TemplateEvaluator(template, given, scope);
  const ids = new Set(
    template.resources.map((r) =>
      text(
        evaluator.value(
          r.type === "Microsoft.Resources/deployments"
            ? `[resourceId(variables('keyVaultSubscriptionId'), variables('keyVaultResourceGroup'), '${r.type}', ${r.name.slice(1, -1)})]`
            : r.name.startsWith("[")
              ? `[resourceId('${r.type}', ${r.name.slice(1, -1)})]`
              : `[resourceId('${r.type}', '${r.name}')]`,
        ),
      ).toLowerCase(),
    ),
  );
  for (const r of template.resources) {
    expect(r.apiVersion, r.type).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const d of r.dependsOn ?? [])
      expect(ids.has(text(evaluator.value(d)).toLowerCase()), `${r.name} dependsOn ${d}`).toBe(true);
  }
  for (const o of Object.values(template.outputs)) {
    if (typeof o.value === "string" && o.value.startsWith("[resourceId(")) evaluator.value(o.value);
  }
  return template.resources.filter((r) => r.type === ML).map((r) => requestBody(r, evaluator));
}

describe("the replacement's template against the Machine Learning Workspace PUT schema (2025-09-01)", () => {
  it("the example hub and its two projects: every workspace body is a valid PUT body", async () => {
    const kit = await exampleKit(EXAMPLE_SUBSCRIPTIONS.prod, "rg-ml-prod", "mlh-research");
    const bodies = workspaceBodies(
      kit.template as unknown as Template,
      {},
      {
        subscriptionId: EXAMPLE_SUBSCRIPTIONS.prod,
        resourceGroup: "rg-ml-prod",
      },
    );
    expect(bodies.map((b) => b.kind)).toEqual(["Hub", "Project", "Project"]);
    for (const body of bodies) expect(workspacePutProblems(body)).toEqual([]);
    const hub = bodies[0] as { identity: unknown; properties: { encryption: unknown } };
    const identityId = `/subscriptions/${EXAMPLE_SUBSCRIPTIONS.prod}/resourceGroups/rg-ml-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-mlh-research-cmk`;
    expect(hub.identity).toEqual({
      type: "SystemAssigned,UserAssigned",
      userAssignedIdentities: { [identityId]: {} },
    });
    expect(hub.properties.encryption).toEqual({
      status: "Enabled",
      identity: { userAssignedIdentity: identityId },
      keyVaultProperties: {
        keyVaultArmId: `/subscriptions/${EXAMPLE_SUBSCRIPTIONS.prod}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-cmk-prod`,
        keyIdentifier: expect.stringMatching(
          /^https:\/\/kv-cmk-prod\.vault\.azure\.net\/keys\/cmk-large\/[0-9a-f]{32}$/,
        ) as string,
      },
    });
    expect((bodies[1] as { properties: { hubResourceId: string } }).properties.hubResourceId).toMatch(
      /\/workspaces\/mlh-research-cmk$/,
    );
  });

  it("the plain workspace with the vault and key given as parameters: a valid PUT body", async () => {
    const kit = await exampleKit(EXAMPLE_SUBSCRIPTIONS.dev, "rg-ml-dev", "mlw-experiments");
    const template = kit.template as unknown as Template;
    expect(() => workspaceBodies(template, {}, { subscriptionId: "s", resourceGroup: "rg" })).toThrow(
      /parameter keyVaultId has no value/,
    );
    const vault = `/subscriptions/${EXAMPLE_SUBSCRIPTIONS.dev}/resourceGroups/rg-keys-dev/providers/Microsoft.KeyVault/vaults/kv-new`;
    const [body] = workspaceBodies(
      template,
      {
        keyVaultId: vault,
        keyIdentifier: "https://kv-new.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef",
        keyVaultUsesRbac: true,
      },
      { subscriptionId: EXAMPLE_SUBSCRIPTIONS.dev, resourceGroup: "rg-ml-dev" },
    );
    expect(workspacePutProblems(body)).toEqual([]);
    expect(body).toMatchObject({
      kind: "Default",
      properties: { encryption: { keyVaultProperties: { keyVaultArmId: vault } } },
    });
  });

  it("a workspace with every setting the template copies (managed network, serverless subnet, own identities) stays valid", () => {
    const sub = "0b1f6471-1bf0-4dda-aec3-999999999999";
    const rg = `/subscriptions/${sub}/resourceGroups/rg-ml`;
    const uai = `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-ml`;
    const old: ArmResourceJson = {
      id: `${rg}/providers/${ML}/mlw-locked`,
      name: "mlw-locked",
      type: ML,
      kind: "Default",
      location: "swedencentral",
      sku: { name: "Basic", tier: "Basic" },
      tags: { team: "risk", "cmk-remediation-replaces": "stale" },
      identity: {
        type: "SystemAssigned,UserAssigned",
        userAssignedIdentities: { [uai]: { principalId: "p", clientId: "c" } },
      },
      properties: {
        friendlyName: "Locked",
        description: "locked down",
        storageAccount: `${rg}/providers/Microsoft.Storage/storageAccounts/stml`,
        containerRegistry: `${rg}/providers/Microsoft.ContainerRegistry/registries/crml`,
        applicationInsights: `${rg}/providers/Microsoft.insights/components/appiml`,
        keyVault: `${rg}/providers/Microsoft.KeyVault/vaults/kvml`,
        hbiWorkspace: true,
        publicNetworkAccess: "Disabled",
        allowPublicAccessWhenBehindVnet: false,
        systemDatastoresAuthMode: "Identity",
        primaryUserAssignedIdentity: uai,
        enableDataIsolation: true,
        v1LegacyMode: false,
        serverlessComputeSettings: {
          serverlessComputeCustomSubnet: `${rg}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/ml`,
          serverlessComputeNoPublicIP: true,
        },
        managedNetwork: {
          isolationMode: "AllowOnlyApprovedOutbound",
          firewallSku: "Standard",
          networkId: "read-only",
          status: { status: "Active", sparkReady: false },
          outboundRules: {
            pypi: { type: "FQDN", category: "UserDefined", destination: "pypi.org", status: "Active" },
            __SYS_ST: {
              type: "PrivateEndpoint",
              category: "Required",
              destination: { serviceResourceId: "x" },
            },
          },
        },
        // Read-only fields ARM returns on GET: none may reach the PUT body.
        workspaceId: "9f8e7d6c-0000-4000-8000-000000000001",
        provisioningState: "Succeeded",
        tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        mlFlowTrackingUri: "azureml://x",
        privateLinkCount: 1,
        privateEndpointConnections: [],
        storageHnsEnabled: false,
        discoveryUrl: "https://swedencentral.api.azureml.ms/discovery",
      },
    };
    const template = mlRecreationTemplate({
      old,
      projects: [],
      newName: "mlw-locked-cmk",
    }) as unknown as Template;
    const [body] = workspaceBodies(
      template,
      {
        keyVaultId: `${rg}/providers/Microsoft.KeyVault/vaults/kv-cmk`,
        keyIdentifier: "https://kv-cmk.vault.azure.net/keys/k/0123456789abcdef0123456789abcdef",
        keyVaultUsesRbac: false,
      },
      { subscriptionId: sub, resourceGroup: "rg-ml" },
    );
    expect(workspacePutProblems(body)).toEqual([]);
    expect(body).toMatchObject({
      tags: { team: "risk", "cmk-remediation-replaces": old.id },
      properties: {
        managedNetwork: {
          isolationMode: "AllowOnlyApprovedOutbound",
          firewallSku: "Standard",
          outboundRules: { pypi: { type: "FQDN", category: "UserDefined", destination: "pypi.org" } },
        },
        primaryUserAssignedIdentity: uai,
        serverlessComputeSettings: { serverlessComputeNoPublicIP: true },
      },
    });
    expect(
      Object.keys((body as { identity: { userAssignedIdentities: object } }).identity.userAssignedIdentities),
    ).toHaveLength(2);
  });
});

describe("the schema check itself (it must be able to fail)", () => {
  const valid = {
    location: "westeurope",
    kind: "Default",
    identity: { type: "SystemAssigned" },
    properties: {
      encryption: {
        status: "Enabled",
        keyVaultProperties: {
          keyVaultArmId: "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/v",
          keyIdentifier: "https://v.vault.azure.net/keys/k/1",
        },
      },
    },
  };
  it("accepts a minimal body", () => {
    expect(workspacePutProblems(valid)).toEqual([]);
  });
  it.each([
    [
      "an unknown encryption status",
      { properties: { encryption: { ...valid.properties.encryption, status: "On" } } },
      /status must be equal to one of the allowed values/,
    ],
    [
      "a missing keyVaultArmId",
      { properties: { encryption: { status: "Enabled", keyVaultProperties: { keyIdentifier: "k" } } } },
      /must have required property 'keyVaultArmId'/,
    ],
    [
      "the identity type with a space",
      { identity: { type: "SystemAssigned, UserAssigned" } },
      /identity\/type must be equal to one of the allowed values/,
    ],
    [
      "a misspelt property",
      { properties: { ...valid.properties, keyVaultArmID: "x" } },
      /\$\.properties\.keyVaultArmID is not a property/,
    ],
    [
      "a read-only property",
      { properties: { ...valid.properties, workspaceId: "9f8e7d6c-0000-4000-8000-000000000001" } },
      /\$\.properties\.workspaceId is read-only/,
    ],
    [
      "hbiWorkspace as a string",
      { properties: { ...valid.properties, hbiWorkspace: "true" } },
      /hbiWorkspace must be boolean/,
    ],
  ])("refuses %s", (_what, change, problem) => {
    expect(workspacePutProblems({ ...valid, ...change }).join("\n")).toMatch(problem);
  });
});
