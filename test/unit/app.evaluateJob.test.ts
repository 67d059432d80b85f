import { KeyClient } from "@azure/keyvault-keys";
import type { ArmResource } from "@cmkr/azure-emulator";
import { TenantBuilder, type KeyRef, type VaultRef } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { evaluateJob } from "../../src/app/evaluateJob.js";
import { resourceWriteJob } from "../support/resourceWriteJob.js";
import type { ActionKind, ActionStatus } from "../../src/core/report/report.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";

/** What every case's tenant has: a subscription and a vault with a key of two versions. */
interface Base {
  b: TenantBuilder;
  subscriptionId: string;
  vault: VaultRef;
  key: KeyRef;
}

function base(): Base {
  const b = new TenantBuilder({ seed: "evaluate-job" });
  const subscriptionId = b.subscription(b.ids.guid("subscription"), "prod");
  const vault = b.vault({ subscriptionId, resourceGroup: "rg-keys", name: "kv-evaluate" });
  const key = b.key(vault, "cmk", [
    { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
    { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-06-01T00:00:00Z" },
  ]);
  return { b, subscriptionId, vault, key };
}

/** A disk encryption set on the key's newest version that the disks of a case can use. */
function compliantDes({ b, subscriptionId, vault, key }: Base, autoRotation = true): string {
  const des = b.diskEncryptionSet({
    subscriptionId,
    resourceGroup: "rg-compute",
    name: "des-cmk",
    keyUrl: key.versionIds[1]!,
    sourceVaultId: vault.id,
    autoRotation,
  });
  b.grantKeyAccess(vault, des.principalId!);
  return des.id;
}

const job = resourceWriteJob;

const writes = (svc: MemoryService): number =>
  svc.emulator.log.entries().filter((e) => e.method === "PATCH" || e.method === "PUT").length;

interface Case {
  name: string;
  /** Adds the resource under evaluation; returns its id and type. */
  build: (t: Base) => { id: string; type: string };
  /** Changes the built resource's body, e.g. to give a field a shape ARM never would. */
  mutate?: (body: ArmResource) => void;
  env?: Record<string, string>;
  expected: {
    actions: { action: ActionKind; status: ActionStatus; codes: string[] }[];
    tickets: { findingCode: string; severity: string }[];
    writes: number;
  };
}

const disk = "Microsoft.Compute/disks";
const desType = "Microsoft.Compute/diskEncryptionSets";

const cases: Case[] = [
  {
    name: "a disk with a platform key: a ticket request, nothing written",
    build: ({ b, subscriptionId }) =>
      b.disk({ subscriptionId, resourceGroup: "rg-compute", name: "data-pmk", encryption: "platform" }),
    expected: {
      actions: [{ action: "open-ticket", status: "applied", codes: ["DiskPlatformKey"] }],
      tickets: [{ findingCode: "DiskPlatformKey", severity: "medium" }],
      writes: 0,
    },
  },
  {
    name: "a disk encrypted through a disk encryption set: compliant",
    build: (t) =>
      t.b.disk({
        subscriptionId: t.subscriptionId,
        resourceGroup: "rg-compute",
        name: "data-cmk",
        encryption: { desId: compliantDes(t) },
      }),
    expected: {
      actions: [{ action: "none", status: "skipped", codes: ["Compliant"] }],
      tickets: [],
      writes: 0,
    },
  },
  {
    name: "an OpenAI account on a Microsoft-managed key: a ticket request",
    build: ({ b, subscriptionId }) =>
      b.aiServicesAccount({ subscriptionId, resourceGroup: "rg-ai", name: "aoai-mmk", kind: "OpenAI" }),
    expected: {
      actions: [{ action: "open-ticket", status: "applied", codes: ["AiServicesMicrosoftManagedKey"] }],
      tickets: [{ findingCode: "AiServicesMicrosoftManagedKey", severity: "high" }],
      writes: 0,
    },
  },
  {
    name: "a resource tagged for exclusion: nothing",
    build: ({ b, subscriptionId }) =>
      b.aiServicesAccount({
        subscriptionId,
        resourceGroup: "rg-ai",
        name: "aoai-excluded",
        kind: "OpenAI",
        tags: { "cmk-remediation": "exclude" },
      }),
    expected: {
      actions: [{ action: "none", status: "skipped", codes: ["Excluded"] }],
      tickets: [],
      writes: 0,
    },
  },
  {
    name: "a resource deleted since the event: nothing to evaluate",
    build: ({ subscriptionId }) => ({
      id: `/subscriptions/${subscriptionId}/resourceGroups/rg-compute/providers/Microsoft.Compute/disks/gone`,
      type: disk,
    }),
    expected: { actions: [{ action: "none", status: "skipped", codes: [] }], tickets: [], writes: 0 },
  },
  {
    name: "enforce mode attaches the region's disk encryption set to an unattached disk, verified by reading it back",
    build: (t) => {
      compliantDes(t);
      return t.b.disk({
        subscriptionId: t.subscriptionId,
        resourceGroup: "rg-compute",
        name: "data-enforce",
        encryption: "platform",
      });
    },
    env: { CMKR_DISK_MODE: "enforce" },
    expected: {
      actions: [{ action: "enable-cmk", status: "applied", codes: ["DiskPlatformKey"] }],
      tickets: [],
      writes: 1,
    },
  },
  {
    name: "a disk encryption set without auto-rotation, configured to turn it on",
    build: (t) => ({ id: compliantDes(t, false), type: desType }),
    env: { CMKR_DES_AUTO_ROTATION: "enable" },
    expected: {
      actions: [{ action: "none", status: "applied", codes: ["DesAutoRotationOff"] }],
      tickets: [],
      writes: 1,
    },
  },
  {
    name: "a disk encryption set without auto-rotation, configured to ticket it",
    build: (t) => ({ id: compliantDes(t, false), type: desType }),
    env: { CMKR_DES_AUTO_ROTATION: "ticket" },
    expected: {
      actions: [{ action: "open-ticket", status: "applied", codes: ["DesAutoRotationOff"] }],
      tickets: [{ findingCode: "DesAutoRotationOff", severity: "low" }],
      writes: 0,
    },
  },
  {
    name: "a key consumer behind its key's newest version is caught up",
    build: ({ b, subscriptionId, vault, key }) => {
      const des = b.diskEncryptionSet({
        subscriptionId,
        resourceGroup: "rg-compute",
        name: "des-behind",
        keyUrl: key.versionIds[0]!,
        sourceVaultId: vault.id,
      });
      b.grantKeyAccess(vault, des.principalId!);
      return des;
    },
    expected: { actions: [{ action: "rotate-key", status: "applied", codes: [] }], tickets: [], writes: 1 },
  },
  {
    name: "a disk encryption set whose key was soft-deleted: an urgent CmkKeyDeleted ticket, no rotation",
    build: (t) => {
      const id = compliantDes(t, false);
      t.b.deleteKey(t.key, { deletedDate: "2026-11-22T11:00:00Z" });
      return { id, type: desType };
    },
    env: { CMKR_DES_AUTO_ROTATION: "off" },
    expected: {
      actions: [{ action: "open-ticket", status: "applied", codes: ["CmkKeyDeleted"] }],
      tickets: [{ findingCode: "CmkKeyDeleted", severity: "urgent" }],
      writes: 0,
    },
  },
  {
    name: "an AI services account whose vault was deleted: an urgent CmkVaultDeleted ticket",
    build: ({ b, subscriptionId, vault, key }) => {
      const account = b.aiServicesAccount({
        subscriptionId,
        resourceGroup: "rg-ai",
        name: "aoai-orphan",
        kind: "OpenAI",
        cmk: { vaultUrl: vault.url, keyName: key.name, keyVersion: key.versions[1]! },
      });
      b.grantKeyAccess(vault, account.principalId!);
      b.deleteVault(vault, { deletionDate: "2026-11-22T10:00:00Z" });
      return account;
    },
    expected: {
      actions: [{ action: "open-ticket", status: "applied", codes: ["CmkVaultDeleted"] }],
      tickets: [{ findingCode: "CmkVaultDeleted", severity: "urgent" }],
      writes: 0,
    },
  },
  {
    name: "a disk encryption set whose identity has no access to its key: at risk, a high ticket",
    build: ({ b, subscriptionId, vault, key }) =>
      b.diskEncryptionSet({
        subscriptionId,
        resourceGroup: "rg-compute",
        name: "des-noaccess",
        keyUrl: key.versionIds[1]!,
        sourceVaultId: vault.id,
        autoRotation: true,
      }),
    expected: {
      actions: [{ action: "open-ticket", status: "applied", codes: ["CmkNextRotationRefused"] }],
      tickets: [{ findingCode: "CmkNextRotationRefused", severity: "high" }],
      writes: 0,
    },
  },
  {
    name: "a disk encryption set whose identity field has an unexpected shape: a failed action naming the field",
    build: (t) => ({ id: compliantDes(t), type: desType }),
    mutate: (body) => {
      body.identity = { type: "SystemAssigned", principalId: 42 };
    },
    expected: {
      actions: [{ action: "none", status: "failed", codes: ["Undetermined", "ArmFactsInvalid"] }],
      tickets: [],
      writes: 0,
    },
  },
];

describe("evaluateJob over the in-memory ledger and the emulated tenant (real SDK adapter)", () => {
  it.each(cases)("$name", async ({ build, mutate, env, expected }) => {
    const t = base();
    const { id, type } = build(t);
    const tenant = t.b.build();
    const regionDes = tenant.resources.find((r) => r.type === desType && r.name === "des-cmk")?.id;
    const body = tenant.resources.find((r) => r.id === id);
    if (body !== undefined) mutate?.(body);
    const svc = createMemoryService(tenant, {
      env: {
        ...(env?.CMKR_DISK_MODE === "enforce"
          ? { CMKR_ENFORCE_DISK_ENCRYPTION_SETS: `westeurope=${regionDes ?? "missing"}` }
          : {}),
        ...env,
      },
    });
    const actions = await evaluateJob(job(id, type), svc.ctx);
    expect(actions.map((a) => ({ action: a.action, status: a.status, codes: a.codes ?? [] }))).toEqual(
      expected.actions,
    );
    expect(writes(svc)).toBe(expected.writes);
    const tickets = await svc.ctx.ledger.listTicketRequests();
    expect(tickets.map((x) => ({ findingCode: x.findingCode, severity: x.severity }))).toEqual(
      expected.tickets,
    );
    for (const x of tickets)
      expect(x).toMatchObject({
        resourceId: id,
        state: "requested",
        eventId: "evt-1",
        correlationId: "corr-1",
      });
    // Every action is in the ledger under the event (a catch-up rotation runs as a job of its own,
    // and also records the "already newest" it does not report); a write with its before and after.
    const recorded = await svc.ctx.ledger.listActions(id);
    for (const a of actions)
      expect(recorded).toContainEqual(
        expect.objectContaining({ action: a.action, status: a.status, reason: a.reason }),
      );
    for (const a of recorded)
      expect(a).toMatchObject({ eventId: "evt-1", correlationId: "corr-1", dryRun: false });
    expect(recorded.filter((a) => a.before !== undefined && a.after !== undefined)).toHaveLength(
      expected.writes,
    );
  });

  it("a finding gone since the last evaluation resolves its ticket request", async () => {
    const t = base();
    const desId = compliantDes(t);
    const { id } = t.b.disk({
      subscriptionId: t.subscriptionId,
      resourceGroup: "rg-compute",
      name: "data-fixed",
      encryption: "platform",
    });
    const svc = createMemoryService(t.b.build());
    await evaluateJob(job(id, disk), svc.ctx);
    // Someone attaches the set by hand; the next write event evaluates the disk again.
    const body = structuredClone(svc.emulator.state.getResource(id)!.body);
    (body.properties as Record<string, unknown>).encryption = {
      type: "EncryptionAtRestWithCustomerKey",
      diskEncryptionSetId: desId,
    };
    svc.emulator.state.putResource(body);
    const actions = await evaluateJob({ ...job(id, disk), jobId: "job-2" }, svc.ctx);
    expect(actions).toEqual([
      expect.objectContaining({ action: "update-ticket", status: "applied", codes: ["DiskPlatformKey"] }),
    ]);
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({
        findingCode: "DiskPlatformKey",
        state: "closed",
        closeReason: expect.stringContaining("compliant") as unknown,
      }),
    ]);
  });

  it("a resource deleted since its ticket was requested resolves the ticket", async () => {
    const t = base();
    const { id } = t.b.disk({
      subscriptionId: t.subscriptionId,
      resourceGroup: "rg-compute",
      name: "data-deleted",
      encryption: "platform",
    });
    const svc = createMemoryService(t.b.build());
    await evaluateJob(job(id, disk), svc.ctx);
    svc.emulator.state.deleteResource(id);
    const [action] = await evaluateJob({ ...job(id, disk), jobId: "job-2" }, svc.ctx);
    expect(action).toMatchObject({
      action: "none",
      status: "skipped",
      reason: expect.stringContaining("1 ticket(s) resolved") as unknown,
    });
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([expect.objectContaining({ state: "closed" })]);
  });

  it("a key recovered after its deletion: the urgent ticket is resolved at the next evaluation", async () => {
    const t = base();
    const id = compliantDes(t);
    const svc = createMemoryService(t.b.build());
    // Someone deletes the key with the real SDK; Key Vault keeps it soft-deleted.
    const keys = new KeyClient(t.key.vaultUrl, svc.emulator.credential(), {
      httpClient: svc.emulator.httpClient(),
    });
    await (await keys.beginDeleteKey(t.key.name, { intervalInMs: 0 })).pollUntilDone();
    expect(await evaluateJob(job(id, desType), svc.ctx)).toEqual([
      expect.objectContaining({ action: "open-ticket", codes: ["CmkKeyDeleted"] }),
    ]);
    const [ticket] = await svc.ctx.ledger.listTicketRequests();
    expect(ticket?.body).toContain(`az keyvault key recover --name cmk --vault-name kv-evaluate`);
    await (await keys.beginRecoverDeletedKey(t.key.name, { intervalInMs: 0 })).pollUntilDone();
    const after = await evaluateJob({ ...job(id, desType), jobId: "job-2" }, svc.ctx);
    expect(after).toContainEqual(
      expect.objectContaining({ action: "update-ticket", status: "applied", codes: ["CmkKeyDeleted"] }),
    );
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({ findingCode: "CmkKeyDeleted", state: "closed" }),
    ]);
  });

  it("a vault that cannot be read leaves the resource undetermined and its open ticket unresolved", async () => {
    const t = base();
    const { id } = t.b.aiServicesAccount({
      subscriptionId: t.subscriptionId,
      resourceGroup: "rg-ai",
      name: "aoai-unread",
      kind: "OpenAI",
      cmk: { vaultUrl: t.vault.url, keyName: t.key.name, keyVersion: t.key.versions[1]! },
    });
    const svc = createMemoryService(t.b.build());
    await svc.ctx.ledger.requestTicket({
      resourceId: id,
      resourceType: "Microsoft.CognitiveServices/accounts",
      findingCode: "CmkKeyExpiresSoon",
      severity: "high",
      title: "expires soon",
      body: "b",
    });
    // The vault's firewall setting is of a shape the service does not know: its facts cannot be read.
    const vault = structuredClone(svc.emulator.state.getResource(t.vault.id)!.body);
    (vault.properties as Record<string, unknown>).networkAcls = { defaultAction: "Sometimes" };
    svc.emulator.state.putResource(vault);
    const actions = await evaluateJob(job(id, "Microsoft.CognitiveServices/accounts"), svc.ctx);
    expect(actions).toEqual([
      expect.objectContaining({
        action: "none",
        status: "skipped",
        codes: ["Undetermined"],
        reason: expect.stringMatching(
          /kv-evaluate\.vault\.azure\.net could not be read: ArmFactsInvalid: .*properties\.networkAcls\.defaultAction/,
        ) as unknown,
      }),
    ]);
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({ findingCode: "CmkKeyExpiresSoon", state: "requested" }),
    ]);
  });

  it("in a dry run an enforceable fix is planned: nothing written, nothing ticketed", async () => {
    const t = base();
    const desId = compliantDes(t);
    const { id } = t.b.disk({
      subscriptionId: t.subscriptionId,
      resourceGroup: "rg-compute",
      name: "data-dry",
      encryption: "platform",
    });
    const svc = createMemoryService(t.b.build(), {
      env: {
        CMKR_DRY_RUN: "true",
        CMKR_DISK_MODE: "enforce",
        CMKR_ENFORCE_DISK_ENCRYPTION_SETS: `westeurope=${desId}`,
      },
    });
    expect(await evaluateJob(job(id, disk), svc.ctx)).toEqual([
      expect.objectContaining({ action: "enable-cmk", status: "planned" }),
    ]);
    expect(writes(svc)).toBe(0);
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([]);
  });
});
