import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { evaluateJob } from "../../src/app/evaluateJob.js";
import { handleEvents } from "../../src/app/handleEvents.js";
import { remediateKey, remediateResource } from "../../src/app/remediate.js";
import { runSweep } from "../../src/app/sweep.js";
import type { KeyVaultKeyEvent } from "../../src/core/events/domainEvents.js";
import type { EvaluateJob } from "../../src/core/jobs/job.js";
import { resourceWriteJob } from "../support/resourceWriteJob.js";
import type { ReportAction } from "../../src/core/report/report.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";

/**
 * One tenant with a write waiting on every write path: a set on an old key version (rotation), an
 * Azure OpenAI account without a customer-managed key (enable CMK), an unattached disk with a
 * platform key (attach the set), and a set without automatic rotation (turn it on).
 */
function tenant() {
  const b = new TenantBuilder({ seed: "write-controls" });
  const sub = b.subscription(b.ids.guid("subscription"), "prod");
  const vault = b.vault({ subscriptionId: sub, resourceGroup: "rg-keys", name: "kv-controls" });
  const key = b.key(vault, "cmk", [
    { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
    { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-06-01T00:00:00Z" },
  ]);
  const newest = key.versionIds[1]!;
  const setOld = b.diskEncryptionSet({
    subscriptionId: sub,
    resourceGroup: "rg-compute",
    name: "des-old",
    keyUrl: key.versionIds[0]!,
    sourceVaultId: vault.id,
    autoRotation: false,
  });
  const setManual = b.diskEncryptionSet({
    subscriptionId: sub,
    resourceGroup: "rg-compute",
    name: "des-manual",
    keyUrl: newest,
    sourceVaultId: vault.id,
    autoRotation: false,
  });
  const account = b.aiServicesAccount({
    subscriptionId: sub,
    resourceGroup: "rg-ai",
    name: "aoai-plain",
    kind: "OpenAI",
  });
  const disk = b.disk({
    subscriptionId: sub,
    resourceGroup: "rg-compute",
    name: "data-loose",
    encryption: "platform",
  });
  for (const c of [setOld, setManual, account]) b.grantKeyAccess(vault, c.principalId ?? "");
  const version = key.versions[1]!;
  const event: KeyVaultKeyEvent = {
    kind: "KeyNewVersionCreated",
    eventId: "evt-controls",
    eventTime: new Date("2026-11-22T11:59:00Z"),
    schema: "EventGrid",
    vaultArmId: vault.id,
    vaultName: vault.name,
    vaultUrl: key.vaultUrl,
    keyName: key.name,
    version,
    keyId: newest,
    subject: key.name,
  };
  return {
    tenant: b.build(),
    ids: { setOld: setOld.id, setManual: setManual.id, account: account.id, disk: disk.id },
    keyId: key.id,
    event,
    env: {
      CMKR_AI_SERVICES_MODE: "enforce",
      CMKR_ENFORCE_KEYS: `westeurope=${newest}`,
      CMKR_DISK_MODE: "enforce",
      CMKR_ENFORCE_DISK_ENCRYPTION_SETS: `westeurope=${setManual.id}`,
      CMKR_DES_AUTO_ROTATION: "enable",
    },
  };
}

type Fixture = ReturnType<typeof tenant>;

function evaluation(resourceId: string, resourceType: string): EvaluateJob {
  return resourceWriteJob(resourceId, resourceType, { jobId: `job-${resourceId.split("/").pop() ?? ""}` });
}

/** Each write path, run to the end; returns every action it produced. */
const paths: { name: string; run: (svc: MemoryService, f: Fixture) => Promise<ReportAction[]> }[] = [
  {
    name: "rotation on a key event (queue worker)",
    run: async (svc, f) => {
      await handleEvents([f.event], [], svc.ctx, { preview: false });
      await svc.drain();
      return svc.workerActions;
    },
  },
  {
    name: "enable CMK on an AI services account",
    run: (svc, f) => evaluateJob(evaluation(f.ids.account, "Microsoft.CognitiveServices/accounts"), svc.ctx),
  },
  {
    name: "attach a disk encryption set to a disk",
    run: (svc, f) => evaluateJob(evaluation(f.ids.disk, "Microsoft.Compute/disks"), svc.ctx),
  },
  {
    name: "turn on automatic key rotation",
    run: (svc, f) =>
      evaluateJob(evaluation(f.ids.setManual, "Microsoft.Compute/diskEncryptionSets"), svc.ctx),
  },
  {
    name: "manual remediation of a resource (HTTP and CLI)",
    run: async (svc, f) => (await remediateResource(f.ids.disk, svc.ctx, { apply: true })).actions,
  },
  {
    name: "manual remediation of a key (HTTP and CLI)",
    run: async (svc, f) => (await remediateKey(f.keyId, svc.ctx, { apply: true })).actions,
  },
  {
    name: "the sweep (its jobs through the queue worker)",
    run: async (svc) => {
      await runSweep(svc.ctx, { mode: "act" });
      await svc.drain();
      return svc.workerActions;
    },
  },
];

const armWrites = (svc: MemoryService): number =>
  svc.emulator.log.entries().filter((e) => e.method === "PATCH" || e.method === "PUT").length;

const controls: {
  name: string;
  code: string;
  /** What sets the control, besides `env`. */
  setUp?: (svc: MemoryService) => Promise<void>;
  env: Record<string, string>;
}[] = [
  {
    name: "the kill switch (cmkr writes pause)",
    code: "WritesPaused",
    env: {},
    setUp: async (svc) => {
      await svc.ctx.ledger.pauseWrites({
        pausedAt: "2026-11-22T11:00:00.000Z",
        by: "ops@contoso",
        reason: "incident 42",
      });
    },
  },
  {
    name: "the kill switch (CMKR_WRITES_PAUSED)",
    code: "WritesPaused",
    env: { CMKR_WRITES_PAUSED: "true" },
  },
  {
    name: "a spent write budget",
    code: "WriteBudgetExhausted",
    env: { CMKR_WRITE_BUDGET_PER_HOUR: "0" },
  },
];

describe("write budget and kill switch stop every write path (SDK clients against the emulator)", () => {
  for (const control of controls) {
    it.each(paths)(
      `${control.name}: $name writes nothing, plans it, and opens one ticket`,
      async ({ run }) => {
        const f = tenant();
        const svc = createMemoryService(f.tenant, { env: { ...f.env, ...control.env } });
        await control.setUp?.(svc);
        const actions = await run(svc, f);
        expect(armWrites(svc)).toBe(0);
        const held = actions.filter((a) => a.codes?.includes(control.code) === true);
        expect(held.length).toBeGreaterThan(0);
        for (const a of held) expect(a.status).toBe("planned");
        expect(
          actions.filter(
            (a) => a.status === "applied" && a.action !== "open-ticket" && a.action !== "update-ticket",
          ),
        ).toEqual([]);
        const tickets = (await svc.ctx.ledger.listTicketRequests()).filter(
          (t) => t.findingCode === control.code,
        );
        expect(tickets).toHaveLength(1);
      },
    );
  }

  it("without either, the same paths write (the tests above can fail)", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant, { env: f.env });
    await runSweep(svc.ctx, { mode: "act" });
    await svc.drain();
    expect(armWrites(svc)).toBeGreaterThanOrEqual(4);
    expect(svc.workerActions.filter((a) => a.status === "applied").length).toBeGreaterThanOrEqual(4);
  });

  it("the budget is shared: past it every write of the hour is planned, under one ticket", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant, { env: { ...f.env, CMKR_WRITE_BUDGET_PER_HOUR: "2" } });
    await runSweep(svc.ctx, { mode: "act" });
    await svc.drain();
    expect(armWrites(svc)).toBe(2);
    const held = svc.workerActions.filter((a) => a.codes?.includes("WriteBudgetExhausted") === true);
    expect(held.length).toBeGreaterThanOrEqual(2);
    const tickets = (await svc.ctx.ledger.listTicketRequests()).filter(
      (t) => t.findingCode === "WriteBudgetExhausted",
    );
    expect(tickets).toHaveLength(1);
    expect(tickets[0]?.count).toBe(held.length);
    expect(await svc.ctx.ledger.writesCounted("2026-11-22T12")).toBe(2);
  });

  it("a pause takes effect at the next write and a resume lets writes through again", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant, { env: f.env });
    const paused = await svc.ctx.ledger.pauseWrites({
      pausedAt: "2026-11-22T11:00:00.000Z",
      by: "ops",
      reason: "",
    });
    const first = await remediateResource(f.ids.disk, svc.ctx, { apply: true });
    expect(first.actions).toContainEqual(
      expect.objectContaining({ status: "planned", codes: ["DiskPlatformKey", "WritesPaused"] }),
    );
    expect(await svc.ctx.ledger.resumeWrites()).toEqual(paused);
    const second = await remediateResource(f.ids.disk, svc.ctx, { apply: true });
    expect(second.actions).toContainEqual(
      expect.objectContaining({ action: "enable-cmk", status: "applied" }),
    );
    expect(armWrites(svc)).toBe(1);
  });
});
