import { TenantBuilder, type KeyRef, type VaultRef } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { evaluateJob } from "../../src/app/evaluateJob.js";
import type { EvaluateJob } from "../../src/core/jobs/job.js";
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

function job(resourceId: string, resourceType: string): EvaluateJob {
  return {
    v: 1,
    kind: "evaluate",
    jobId: "job-1",
    dedupeKey: `${resourceId.toLowerCase()}|evt-1`,
    claimGroup: "resource-events",
    resourceId,
    resourceType,
    trigger: "ResourceWrite",
    eventId: "evt-1",
    correlationId: "corr-1",
    enqueuedAt: "2026-11-22T11:59:00.000Z",
  };
}

const writes = (svc: MemoryService): number =>
  svc.emulator.log.entries().filter((e) => e.method === "PATCH" || e.method === "PUT").length;

interface Case {
  name: string;
  /** Adds the resource under evaluation; returns its id and type. */
  build: (t: Base) => { id: string; type: string };
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
];

describe("evaluateJob over the in-memory ledger and the emulated tenant (real SDK adapter)", () => {
  it.each(cases)("$name", async ({ build, env, expected }) => {
    const t = base();
    const { id, type } = build(t);
    const tenant = t.b.build();
    const regionDes = tenant.resources.find((r) => r.type === desType && r.name === "des-cmk")?.id;
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
