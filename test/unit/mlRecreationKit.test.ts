import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { evaluateJob } from "../../src/app/evaluateJob.js";
import { MlRecreationInputError, mlRecreationKitFor } from "../../src/app/mlRecreation/mlRecreationKitFor.js";
import { planResourceEvent } from "../../src/app/planResourceEvent.js";
import { runSweep } from "../../src/app/sweep.js";
import type { MlRecreationKit } from "../../src/core/consumers/mlWorkspace/recreation/mlRecreationKit.js";
import type { ResourceDeleteEvent } from "../../src/core/events/domainEvents.js";
import type { EvaluateJob } from "../../src/core/jobs/job.js";
import { resourceWriteJob } from "../support/resourceWriteJob.js";
import {
  buildExampleTenant,
  EXAMPLE_KEY_VERSIONS,
  EXAMPLE_SUBSCRIPTIONS,
} from "../fixtures/exampleTenant.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";
import { testNow } from "../support/serviceWiring.js";

const ML = "Microsoft.MachineLearningServices/workspaces";
const wsId = (sub: string, rg: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/${ML}/${name}`;
const HUB = wsId(EXAMPLE_SUBSCRIPTIONS.prod, "rg-ml-prod", "mlh-research");
const PLAIN = wsId(EXAMPLE_SUBSCRIPTIONS.dev, "rg-ml-dev", "mlw-experiments");

function kitOf(svc: MemoryService, id: string): Promise<MlRecreationKit> {
  return mlRecreationKitFor(id, {
    port: svc.ctx.port,
    scope: svc.ctx.scope,
    expiryMarginDays: 30,
    now: () => testNow,
  });
}

const counts = (kit: MlRecreationKit, which = kit.inventory.inventory) =>
  Object.fromEntries(which.groups.filter((g) => g.count > 0).map((g) => [g.kind, g.count]));

function job(resourceId: string): EvaluateJob {
  return resourceWriteJob(resourceId, ML);
}

describe("the re-creation kit of the example tenant's hub with two projects", () => {
  it("lists what the hub and each project hold, through ARM lists paged two items at a time", async () => {
    const svc = createMemoryService(buildExampleTenant(), { emulator: { pageSize: 2 } });
    const kit = await kitOf(svc, HUB);
    expect(kit.inventory.workspace).toMatchObject({
      name: "mlh-research",
      kind: "Hub",
      location: "westeurope",
    });
    expect(kit.inventory.newName).toBe("mlh-research-cmk");
    expect(counts(kit)).toEqual({
      connections: 1,
      datastores: 1,
      computeClusters: 1,
      privateEndpoints: 1,
      roleAssignments: 1,
    });
    // workspaceblobstore is listed but comes with the new hub.
    const datastores = kit.inventory.inventory.groups.find((g) => g.kind === "datastores");
    expect(datastores?.items.map((i) => [i.name, i.automatic === true])).toEqual([
      ["landing-zone", false],
      ["workspaceblobstore", true],
    ]);
    expect(kit.inventory.projects.map((p) => [p.name, counts(kit, p)])).toEqual([
      [
        "mlp-vision",
        { models: 1, environments: 1, computeInstances: 1, onlineEndpoints: 1, onlineDeployments: 1 },
      ],
      [
        "mlp-forecast",
        { dataAssets: 1, components: 1, batchEndpoints: 1, batchDeployments: 1, schedules: 1 },
      ],
    ]);
    const vision = kit.inventory.projects[0]?.groups.find((g) => g.kind === "onlineDeployments");
    expect(vision?.items).toEqual([
      expect.objectContaining({ name: "defects/blue", detail: "azureml:defect-detector:3" }),
    ]);
    expect(kit.inventory.unreadableProjects).toEqual([]);
    // Read only: ARM and Key Vault GETs, Resource Graph POSTs, nothing written.
    expect(svc.emulator.log.entries().filter((e) => e.method !== "GET" && e.method !== "POST")).toEqual([]);
  });

  it("follows ARM's nextLink through every page of a list", async () => {
    const b = new TenantBuilder({ seed: "ml-paging" });
    const sub = b.subscription(b.ids.guid("subscription"), "prod");
    const ws = b.mlWorkspace({ subscriptionId: sub, resourceGroup: "rg-ml", name: "mlw-many" });
    for (let i = 1; i <= 5; i++) b.mlAsset(ws, { kind: "model", name: `model-${i}` });
    const svc = createMemoryService(b.build(), { emulator: { pageSize: 2 } });
    const kit = await kitOf(svc, ws.id);
    const models = kit.inventory.inventory.groups.find((g) => g.kind === "models");
    expect(models?.items.map((i) => i.name)).toEqual(["model-1", "model-2", "model-3", "model-4", "model-5"]);
    const pages = svc.emulator.log.entries({ method: "GET", url: /\/workspaces\/mlw-many\/models\?/ });
    expect(pages.map((e) => new URL(e.url).searchParams.get("$skipToken"))).toEqual([null, "2", "4"]);
  });

  it("chooses the 3072-bit key of kv-cmk-prod: the only one passing the preflight without warnings", async () => {
    const svc = createMemoryService(buildExampleTenant());
    const kit = await kitOf(svc, HUB);
    const key = kit.inventory.key;
    expect(key?.chosen).toMatchObject({
      keyName: "cmk-large",
      keyId: `https://kv-cmk-prod.vault.azure.net/keys/cmk-large/${EXAMPLE_KEY_VERSIONS.large3072}`,
      keySize: 3072,
      usesRbac: false,
      ok: true,
      reasons: [],
    });
    const verdicts = Object.fromEntries(
      (key?.considered ?? []).map((v) => [
        `${v.vaultId.split("/").pop() ?? ""}/${v.keyName ?? ""}`,
        v.reasons.filter((r) => r.severity === "error").map((r) => r.code),
      ]),
    );
    expect(verdicts).toEqual({
      "kv-cmk-prod/cmk": [],
      "kv-cmk-prod/cmk-large": [],
      "kv-cmk-prod/cmk-old": ["KeyExpiresWithinMargin"],
      "kv-cmk-prod/cmk-archive": ["KeyExpired"],
      "kv-cmk-rbac/cmk-rbac": [],
    });
    // cmk and cmk-rbac pass too, with the 2048-bit warning: the choice prefers no warning.
    const warned = key?.considered.filter((v) => v.reasons.some((r) => r.code === "KeySizeBelowRecommended"));
    expect(warned?.map((v) => v.keyName).sort()).toEqual(["cmk", "cmk-archive", "cmk-old", "cmk-rbac"]);
  });

  it("writes a template that re-creates the hub and both projects with that key, tagged as replacements", async () => {
    const svc = createMemoryService(buildExampleTenant());
    const kit = await kitOf(svc, HUB);
    const t = kit.template as {
      parameters: Record<string, { defaultValue?: unknown }>;
      resources: {
        type: string;
        name: string;
        kind?: string;
        tags?: Record<string, string>;
        properties?: Record<string, unknown>;
      }[];
    };
    expect(t.parameters.keyVaultId?.defaultValue).toMatch(/\/vaults\/kv-cmk-prod$/);
    expect(t.parameters.keyVaultUsesRbac?.defaultValue).toBe(false);
    expect(t.resources.map((r) => [r.type, r.kind ?? "", r.name])).toEqual([
      ["Microsoft.ManagedIdentity/userAssignedIdentities", "", "[parameters('cmkIdentityName')]"],
      ["Microsoft.Resources/deployments", "", "[format('{0}-cmk-key-access', parameters('workspaceName'))]"],
      [ML, "Hub", "[parameters('workspaceName')]"],
      [ML, "Project", "mlp-vision-cmk"],
      [ML, "Project", "mlp-forecast-cmk"],
    ]);
    const hub = t.resources[2];
    expect(hub?.tags).toEqual({ "cmk-remediation-replaces": HUB });
    expect(hub?.properties).toMatchObject({
      hbiWorkspace: true,
      publicNetworkAccess: "Disabled",
      storageAccount: expect.stringMatching(/\/storageAccounts\/stmlhresearch/) as string,
      encryption: { status: "Enabled" },
    });
  });

  it("README gives the steps in order with the hub's names, and the ticket body carries the same kit folded", async () => {
    const svc = createMemoryService(buildExampleTenant());
    const kit = await kitOf(svc, HUB);
    const steps = [...kit.readme.matchAll(/^(\d+)\. (.*)$/gm)].map((m) => m[2] ?? "");
    expect(steps[0]).toMatch(/^Check what the template will create/);
    expect(steps[1]).toMatch(/^Deploy it\. .*`mlh-research-cmk` and its 2 project\(s\)/);
    expect(steps.at(-1)).toMatch(/^When the new hub works, delete the old one/);
    expect(kit.readme).toContain("az ml workspace delete --name mlh-research --resource-group rg-ml-prod");
    expect(kit.readme).toContain(
      "az ml connection create --file <connection>.yml --workspace-name mlh-research-cmk --resource-group rg-ml-prod",
    );

    await evaluateJob(job(HUB), svc.ctx);
    const [ticket] = await svc.ctx.ledger.listTicketRequests();
    expect(ticket?.findingCode).toBe("MlWorkspaceWithoutCmk");
    const body = ticket?.body ?? "";
    expect(body).toContain("### Replacement\nNone yet.");
    const blocks = [
      ...body.matchAll(/<details>\n<summary>(.*)<\/summary>\n\n```json\n([\s\S]*?)\n```\n\n<\/details>/g),
    ];
    expect(blocks.map((b) => b[1])).toEqual(["inventory.json", "template.json (az deployment group create)"]);
    expect(JSON.parse(blocks[0]?.[2] ?? "")).toEqual(JSON.parse(JSON.stringify(kit.inventory)));
    expect(JSON.parse(blocks[1]?.[2] ?? "")).toEqual(kit.template);
  });
});

describe("the re-creation kit of a plain workspace with no usable vault", () => {
  it("takes the vault and key as parameters and says why kv-cmk-dev does not qualify", async () => {
    const svc = createMemoryService(buildExampleTenant());
    const kit = await kitOf(svc, PLAIN);
    expect(counts(kit)).toEqual({
      models: 1,
      dataAssets: 1,
      environments: 1,
      computeInstances: 1,
      onlineEndpoints: 1,
      onlineDeployments: 1,
      schedules: 1,
    });
    expect(kit.inventory.key?.chosen).toBeUndefined();
    expect(
      kit.inventory.key?.considered.map((v) => [
        v.keyName,
        v.reasons.filter((r) => r.severity === "error").map((r) => r.code),
      ]),
    ).toEqual([["cmk-dev", ["VaultPurgeProtectionDisabled"]]]);
    const params = (kit.template as { parameters: Record<string, Record<string, unknown>> }).parameters;
    for (const name of ["keyVaultId", "keyIdentifier", "keyVaultUsesRbac"]) {
      expect(params[name], name).not.toHaveProperty("defaultValue");
    }
    expect(kit.readme).toContain("--parameters keyVaultId=<vault id> keyIdentifier=<key id>");
  });
});

describe("cmkr ml-recreation-kit input", () => {
  it.each([
    [wsId(EXAMPLE_SUBSCRIPTIONS.prod, "rg-ml-prod", "mlp-vision"), "ProjectIsRecreatedWithItsHub"],
    [wsId(EXAMPLE_SUBSCRIPTIONS.prod, "rg-ml-prod", "mlh-platform"), "WorkspaceHasCustomerManagedKey"],
    [wsId(EXAMPLE_SUBSCRIPTIONS.prod, "rg-ml-prod", "mlw-nope"), "WorkspaceNotFound"],
    [
      `/subscriptions/${EXAMPLE_SUBSCRIPTIONS.prod}/resourceGroups/rg/providers/Microsoft.Compute/disks/d`,
      "NotAnMlWorkspaceId",
    ],
    ["not-an-id", "NotAnMlWorkspaceId"],
  ])("%s is refused with %s", async (id, code) => {
    const svc = createMemoryService(buildExampleTenant());
    const error: unknown = await kitOf(svc, id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlRecreationInputError);
    expect((error as MlRecreationInputError).code).toBe(code);
  });
});

/** An old workspace with two models and a replacement tagged for it that holds one of them. */
function replacementTenant(withReplacement: boolean) {
  const b = new TenantBuilder({ seed: "ml-replacement" });
  const sub = b.subscription(b.ids.guid("subscription"), "prod");
  const vault = b.vault({ subscriptionId: sub, resourceGroup: "rg-keys", name: "kv-ml" });
  const key = b.key(vault, "cmk", [{ createdOn: "2026-01-01T00:00:00Z", keySize: 3072 }]);
  const placement = { subscriptionId: sub, resourceGroup: "rg-ml" };
  const old = b.mlWorkspace({ ...placement, name: "mlw-old" });
  b.mlAsset(old, { kind: "model", name: "m1" });
  b.mlAsset(old, { kind: "model", name: "m2" });
  b.mlSchedule(old, { name: "nightly", expression: "0 1 * * *" });
  // Another finding, re-checked once a day as usual.
  const disk = b.disk({
    subscriptionId: sub,
    resourceGroup: "rg-compute",
    name: "disk-1",
    encryption: "platform",
  });
  if (withReplacement) {
    const uai = b.userAssignedIdentity({ ...placement, name: "id-mlw-old-cmk" });
    const fresh = b.mlWorkspace({
      ...placement,
      name: "mlw-old-cmk",
      tags: { "cmk-remediation-replaces": old.id },
      identity: { userAssigned: [uai], systemAssigned: true },
      cmk: { vaultId: vault.id, keyId: key.versionIds[0]!, userAssignedIdentity: uai.id },
    });
    b.grantKeyAccess(vault, uai.principalId);
    b.mlAsset(fresh, { kind: "model", name: "m1" });
  }
  return { tenant: b.build(), oldId: old.id, diskId: disk.id };
}

describe("the ticket follows the replacement and closes on ARM's word", () => {
  it("links the tagged replacement and shows what is still only in the old workspace", async () => {
    const { tenant, oldId } = replacementTenant(true);
    const svc = createMemoryService(tenant);
    await evaluateJob(job(oldId), svc.ctx);
    const [ticket] = await svc.ctx.ledger.listTicketRequests();
    const body = ticket?.body ?? "";
    expect(body).toMatch(
      /### Replacement\n\[mlw-old-cmk\]\(https:\/\/portal\.azure\.com\/#resource\/subscriptions\/.*\/workspaces\/mlw-old-cmk\) .* It is encrypted with a customer-managed key\./,
    );
    expect(body).toContain("Still only in this workspace: 2 item(s).");
    expect(body).toContain("| Models | 2 | 1 | `m2` |");
    expect(body).toContain("| Schedules | 1 | 0 | `nightly` |");
    // Once a replacement exists, neither the key choice nor the template is shown.
    expect(body).not.toContain("template.json");
    expect(body).not.toContain("### Key for the new workspace");
  });

  it("a delete event does not close the ticket while ARM still returns the workspace; a 404 does", async () => {
    const { tenant, oldId } = replacementTenant(true);
    const svc = createMemoryService(tenant);
    await evaluateJob(job(oldId), svc.ctx);
    const deleted: ResourceDeleteEvent = {
      kind: "ResourceDeleteSuccess",
      eventId: "evt-delete",
      eventTime: testNow,
      schema: "EventGrid",
      resourceId: oldId,
      operationName: `${ML}/delete`,
      status: "Succeeded",
      subscriptionId: oldId.split("/")[2] ?? "",
      caller: { objectId: "11111111-2222-3333-4444-555555555555" },
      resourceProvider: "Microsoft.MachineLearningServices",
    };
    // The event only queues a check; the worker reads ARM, which still returns the workspace.
    const early = await planResourceEvent(deleted, svc.ctx, { preview: false });
    expect(early.actions.map((a) => [a.status, a.reason])).toEqual([
      ["planned", "queued: confirm the deletion (ResourceDeleteSuccess) with a fresh read"],
    ]);
    await svc.drain();
    expect((await svc.ctx.ledger.listTicketRequests()).map((t) => t.state)).toEqual(["requested"]);

    svc.emulator.state.deleteResource(oldId);
    await planResourceEvent({ ...deleted, eventId: "evt-delete-2" }, svc.ctx, { preview: false });
    await svc.drain();
    expect((await svc.ctx.ledger.listTicketRequests()).map((t) => [t.state, t.closeReason])).toEqual([
      ["closed", "the resource no longer exists"],
    ]);
  });

  it("the sweep hands a workspace to re-create to the worker at every run, other findings once a day", async () => {
    const { tenant, oldId, diskId } = replacementTenant(false);
    const svc = createMemoryService(tenant);
    for (const runId of ["run-1", "run-2"]) {
      await runSweep(svc.ctx, { mode: "act", runId });
      await svc.drain();
    }
    const actionsOn = (id: string) =>
      svc.workerActions.filter((a) => a.resourceId === id).map((a) => a.action);
    expect(actionsOn(oldId)).toEqual(["open-ticket", "update-ticket"]);
    expect(actionsOn(diskId)).toEqual(["open-ticket"]);
  });
});
