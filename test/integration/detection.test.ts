import { describe, expect, inject, it } from "vitest";
import { handleEvents } from "../../src/app/handleEvents.js";
import type { Report } from "../../src/core/report/report.js";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import type { ArmResource, TenantFile } from "@cmkr/azure-emulator";
import { webhookSink } from "../../src/adapters/tickets/webhookSink.js";
import { startLoopbackServer } from "../support/loopbackServer.js";
import { createServiceHarness, type ServiceHarness } from "../support/serviceHarness.js";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;
const { keyId, subscriptionId, location: LOCATION, tenantId: TENANT_ID } = SINGLE_KEY;

const SUB = subscriptionId(1);
const USER = "3c2b1a09-8f7e-4d6c-b5a4-9382716f5e4d";
const SERVICE = "5f4e3d2c-1b0a-4987-8654-3210fedcba98";
const rg = `/subscriptions/${SUB}/resourceGroups/rg-app`;

function writeEvent(
  resourceId: string,
  options: { id?: string; caller?: string; uri?: string; op?: string; kind?: "write" | "delete" } = {},
) {
  const op =
    options.op ??
    `${resourceId.split("/providers/")[1]!.split("/").slice(0, 2).join("/")}/${options.kind ?? "write"}`;
  return [
    {
      id: options.id ?? `evt-${Math.random().toString(16).slice(2)}`,
      topic: `/subscriptions/${SUB}`,
      subject: options.uri ?? resourceId,
      eventType:
        options.kind === "delete"
          ? "Microsoft.Resources.ResourceDeleteSuccess"
          : "Microsoft.Resources.ResourceWriteSuccess",
      eventTime: "2026-11-22T10:00:00Z",
      dataVersion: "2",
      metadataVersion: "1",
      data: {
        authorization: {
          scope: resourceId,
          action: op,
          evidence: { role: "Contributor", principalId: (options.caller ?? USER).replace(/-/g, "") },
        },
        claims: { "http://schemas.microsoft.com/identity/claims/objectidentifier": options.caller ?? USER },
        correlationId: "c0ffee00-0000-4000-8000-000000000001",
        resourceProvider: op.split("/")[0],
        resourceUri: options.uri ?? resourceId,
        operationName: options.op ?? op,
        status: "Succeeded",
        subscriptionId: SUB,
        tenantId: TENANT_ID,
      },
    },
  ];
}

function openAi(name: string, identity: boolean, tags?: Record<string, string>): ArmResource {
  return {
    id: `${rg}/providers/Microsoft.CognitiveServices/accounts/${name}`,
    name,
    type: "Microsoft.CognitiveServices/accounts",
    kind: "OpenAI",
    location: LOCATION,
    sku: { name: "S0" },
    ...(identity
      ? {
          identity: {
            type: "SystemAssigned",
            principalId: "9a1b2c3d-0000-4000-8000-0000000000aa",
            tenantId: TENANT_ID,
          },
        }
      : {}),
    ...(tags === undefined ? {} : { tags }),
    properties: { provisioningState: "Succeeded", encryption: { keySource: "Microsoft.CognitiveServices" } },
  };
}

function disk(name: string, state: string, managedBy?: string): ArmResource {
  return {
    id: `${rg}/providers/Microsoft.Compute/disks/${name}`,
    name,
    type: "Microsoft.Compute/disks",
    location: LOCATION,
    ...(managedBy === undefined ? {} : { managedBy }),
    properties: {
      diskSizeGB: 64,
      diskState: state,
      encryption: { type: "EncryptionAtRestWithPlatformKey" },
      provisioningState: "Succeeded",
    },
  };
}

const vm = (name: string): ArmResource => ({
  id: `${rg}/providers/Microsoft.Compute/virtualMachines/${name}`,
  name,
  type: "Microsoft.Compute/virtualMachines",
  location: LOCATION,
  properties: {
    provisioningState: "Succeeded",
    instanceView: { statuses: [{ code: "PowerState/running" }] },
  },
});

function tenant(extra: ArmResource[], accessFor: string[] = []): { tenant: TenantFile; desId: string } {
  const b = new SingleKeyTenant({
    versions: [
      { version: V1, createdOn: "2026-01-01T00:00:00Z" },
      { version: V2, createdOn: "2026-11-20T00:00:00Z" },
    ],
  });
  const desId = b.diskEncryptionSet("des-enforce").id;
  for (const objectId of accessFor) b.builder.grantKeyAccess(b.vault, objectId);
  const t = b.build();
  t.resources.push(...extra);
  return { tenant: t, desId };
}

async function deliver(h: ServiceHarness, delivery: unknown): Promise<Report> {
  const { events, errors } = decodeDelivery(delivery, { filterByScope: false });
  expect(errors).toEqual([]);
  const report = await handleEvents(events, errors, h.runtime.ctx, { preview: false });
  await h.drain();
  return report;
}

const storage = (): string => inject("azuriteConnectionString");

describe("detection on resource writes (emulator + Azurite)", () => {
  it("three duplicate events give one ticket; a deployment-URI duplicate and the service's own write do nothing", async () => {
    const account = openAi("aoai-new", true);
    const { tenant: t } = tenant([account]);
    const h = await createServiceHarness(t, storage(), { env: { CMKR_SERVICE_PRINCIPAL_ID: SERVICE } });
    for (let i = 0; i < 3; i++) await deliver(h, writeEvent(account.id, { id: "same-write" }));
    const deployment = await deliver(
      h,
      writeEvent(account.id, {
        uri: `${rg}/providers/Microsoft.Resources/deployments/dep-1`,
        op: "Microsoft.Resources/deployments/write",
      }),
    );
    const own = await deliver(h, writeEvent(account.id, { caller: SERVICE }));

    const tickets = await h.runtime.ctx.ledger.listTicketRequests();
    expect(tickets).toEqual([
      expect.objectContaining({
        resourceId: account.id,
        findingCode: "AiServicesMicrosoftManagedKey",
        count: 1,
      }),
    ]);
    expect(tickets[0]?.body).toContain(`https://portal.azure.com/#resource${account.id}`);
    expect(deployment.actions).toEqual([expect.objectContaining({ action: "none", status: "skipped" })]);
    expect(own.actions).toEqual([
      expect.objectContaining({ action: "none", status: "skipped", codes: ["OwnWrite"] }),
    ]);
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(0);
  });

  it("a compliant resource is reported compliant; an excluded tag does nothing", async () => {
    const excluded = openAi("aoai-excluded", true, { "cmk-remediation": "exclude" });
    const b = new SingleKeyTenant({ versions: [{ version: V1, createdOn: "2026-01-01T00:00:00Z" }] });
    const cmk = b.aiServicesAccount("aoai-cmk", "OpenAI").id;
    const t = b.build();
    t.resources.push(excluded);
    const h = await createServiceHarness(t, storage());
    await deliver(h, writeEvent(cmk));
    await deliver(h, writeEvent(excluded.id));
    expect(h.workerActions).toEqual([
      expect.objectContaining({ resourceId: cmk, action: "none", codes: ["Compliant"] }),
      expect.objectContaining({ resourceId: excluded.id, action: "none", codes: ["Excluded"] }),
    ]);
    expect(await h.runtime.ctx.ledger.listTicketRequests()).toEqual([]);
  });

  it("enforce on an unattached disk attaches the DES; on a disk attached to a running VM it opens a ticket", async () => {
    const machine = vm("vm-1");
    const loose = disk("data-loose", "Unattached");
    const attached = disk("os-attached", "Attached", machine.id);
    const { tenant: t, desId } = tenant([machine, loose, attached]);
    const h = await createServiceHarness(t, storage(), {
      env: { CMKR_DISK_MODE: "enforce", CMKR_ENFORCE_DISK_ENCRYPTION_SETS: `${LOCATION}=${desId}` },
    });
    await deliver(h, writeEvent(loose.id));
    await deliver(h, writeEvent(attached.id));
    expect(h.emulator.state.getResource(loose.id)?.body.properties).toMatchObject({
      encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: desId },
    });
    expect(h.emulator.state.getResource(attached.id)?.body.properties).toMatchObject({
      encryption: { type: "EncryptionAtRestWithPlatformKey" },
    });
    expect(h.workerActions).toContainEqual(
      expect.objectContaining({ resourceId: loose.id, action: "enable-cmk", status: "applied" }),
    );
    expect(await h.runtime.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({ resourceId: attached.id, findingCode: "DiskAttachedCannotEnforce" }),
    ]);
    expect(h.emulator.log.count({ method: "PATCH", url: /os-attached/ })).toBe(0);
  });

  it("enforce on an OpenAI account: with an identity that passes preflight it switches CMK on; without identity it opens a ticket, no write", async () => {
    const withIdentity = openAi("aoai-enforce", true);
    const without = openAi("aoai-noidentity", false);
    const { tenant: t } = tenant([withIdentity, without], ["9a1b2c3d-0000-4000-8000-0000000000aa"]);
    const h = await createServiceHarness(t, storage(), {
      env: { CMKR_AI_SERVICES_MODE: "enforce", CMKR_ENFORCE_KEYS: `${LOCATION}=${keyId(V2)}` },
    });
    await deliver(h, writeEvent(withIdentity.id));
    await deliver(h, writeEvent(without.id));
    expect(h.emulator.state.getResource(withIdentity.id)?.body.properties).toMatchObject({
      encryption: { keySource: "Microsoft.KeyVault", keyVaultProperties: { keyName: "cmk", keyVersion: V2 } },
    });
    expect(h.emulator.log.count({ method: "PATCH", url: /aoai-noidentity/ })).toBe(0);
    expect(await h.runtime.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({ resourceId: without.id, findingCode: "AiServicesNoSystemIdentity" }),
    ]);
  });

  it("tickets reach the webhook sink: opened once, updated on a repeat, closed with a comment when the resource is deleted", async () => {
    const server = await startLoopbackServer((r) => ({
      status: 200,
      body: r.body.includes("ticket.opened") ? { id: "T-9", url: "https://tickets.example/T-9" } : {},
    }));
    try {
      const account = openAi("aoai-sink", true);
      const { tenant: t } = tenant([account]);
      const h = await createServiceHarness(t, storage(), {
        tickets: webhookSink({ url: server.url, secret: "0123456789abcdef-secret" }),
      });
      await deliver(h, writeEvent(account.id));
      await deliver(h, writeEvent(account.id));
      h.emulator.state.deleteResource(account.id);
      await deliver(h, writeEvent(account.id, { kind: "delete" }));
      expect(server.received.map((r) => (JSON.parse(r.body) as { event: string }).event)).toEqual([
        "ticket.opened",
        "ticket.updated",
        "ticket.closed",
      ]);
      expect(await h.runtime.ctx.ledger.listTicketRequests()).toEqual([
        expect.objectContaining({ state: "closed", ticketUrl: "https://tickets.example/T-9", count: 2 }),
      ]);
    } finally {
      await server.close();
    }
  });

  it("deleting a ticketed resource resolves its ticket once a fresh read confirms it is gone", async () => {
    const account = openAi("aoai-gone", true);
    const { tenant: t } = tenant([account]);
    const h = await createServiceHarness(t, storage());
    await deliver(h, writeEvent(account.id));
    expect((await h.runtime.ctx.ledger.listTicketRequests())[0]?.state).toBe("requested");
    h.emulator.state.deleteResource(account.id);
    const report = await deliver(h, writeEvent(account.id, { kind: "delete" }));
    // The event only queues the confirmation; the worker's read (404) resolves.
    expect(report.actions).toEqual([expect.objectContaining({ action: "none", status: "planned" })]);
    expect(await h.runtime.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({
        resourceId: account.id,
        state: "closed",
        closeReason: "the resource no longer exists",
      }),
    ]);
  });

  it("a late delete event of a resource that still exists closes nothing", async () => {
    const account = openAi("aoai-back", true);
    const { tenant: t } = tenant([account]);
    const h = await createServiceHarness(t, storage());
    await deliver(h, writeEvent(account.id));
    // A delete event of an earlier incarnation, arriving after the resource was created again.
    await deliver(h, writeEvent(account.id, { kind: "delete", id: "late-delete" }));
    expect(await h.runtime.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({
        resourceId: account.id,
        state: "requested",
        findingCode: "AiServicesMicrosoftManagedKey",
      }),
    ]);
  });
});
