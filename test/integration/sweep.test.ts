import { InvocationContext, type Timer } from "@azure/functions";
import { describe, expect, inject, it } from "vitest";
import { createSweepHandler } from "../../src/runtime/triggers/sweepHandler.js";
import { runSweep, type SweepProgress } from "../../src/app/sweep.js";
import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { createServiceHarness, testNow } from "../support/serviceHarness.js";

const HOUR = 3_600_000;

function tenant() {
  const b = new TenantBuilder({ seed: "sweep-scenarios" });
  const prod = b.subscription(b.ids.guid("subscription"), "prod");
  const dev = b.subscription(b.ids.guid("subscription"), "dev");
  const vault = b.vault({ subscriptionId: prod, resourceGroup: "rg-keys", name: "kv-sweep-cmk" });
  const key = b.key(vault, "cmk", [
    { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2027-06-01T00:00:00Z" },
    { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2027-12-01T00:00:00Z" },
  ]);
  const [oldKey = "", newKey = ""] = key.versionIds;
  const autoSet = b.diskEncryptionSet({
    subscriptionId: prod,
    resourceGroup: "rg-des",
    name: "des-auto",
    keyUrl: oldKey,
    sourceVaultId: vault.id,
    autoRotation: true,
  });
  const failingSet = b.diskEncryptionSet({
    subscriptionId: prod,
    resourceGroup: "rg-des",
    name: "des-failing",
    keyUrl: newKey,
    sourceVaultId: vault.id,
    autoRotation: true,
    autoKeyRotationError: { code: "KeyVaultAccessDenied", message: "the identity lost access" },
  });
  for (const s of [autoSet, failingSet]) b.grantKeyAccess(vault, s.principalId ?? "");
  const account = b.aiServicesAccount({
    subscriptionId: prod,
    resourceGroup: "rg-ai",
    name: "aoai-mmk",
    kind: "OpenAI",
  });
  // Ready for its key: once switched to it, nothing puts it at risk.
  b.grantKeyAccess(vault, account.principalId ?? "");
  const disk = b.disk({
    subscriptionId: dev,
    resourceGroup: "rg-data",
    name: "disk-pmk",
    encryption: "platform",
  });
  return { tenant: b.build(), prod, dev, vault, oldKey, newKey, autoSet, failingSet, account, disk };
}

function timer(): Timer {
  return {
    isPastDue: false,
    schedule: { adjustForDST: true },
    scheduleStatus: {
      last: testNow.toISOString(),
      next: testNow.toISOString(),
      lastUpdated: testNow.toISOString(),
    },
  };
}

function context(id: string): InvocationContext {
  return new InvocationContext({ functionName: "sweepTimer", invocationId: id, logHandler: () => undefined });
}

describe("sweep (timer handler, real SDK clients against the emulator and Azurite)", () => {
  it("a run that overlaps another does nothing; a later run queues nothing already claimed", async () => {
    const t = tenant();
    const h = await createServiceHarness(t.tenant, inject("azuriteConnectionString"));
    const handler = createSweepHandler(() => Promise.resolve(h.runtime));
    const [a, b] = await Promise.all([
      handler(timer(), context("run-a")),
      handler(timer(), context("run-b")),
    ]);
    expect([a.status, b.status].sort()).toEqual(["busy", "completed"]);
    const done = a.status === "completed" ? a : b;
    // The Microsoft-managed account, the platform-key disk, the erroring set (findings) and the
    // lagging auto-rotating set (an expectation to record): nothing else.
    expect(done.jobsEnqueued).toBe(4);
    expect(done.resourcesSeen).toBe(5);
    const later = await handler(timer(), context("run-c"));
    expect(later).toMatchObject({ status: "completed", jobsEnqueued: 0, resourcesSeen: 5 });
  });

  it("resolves tickets whose finding is gone: fixed resources, and deleted ones in a covered subscription only", async () => {
    const t = tenant();
    const h = await createServiceHarness(t.tenant, inject("azuriteConnectionString"));
    const { ctx } = h.runtime;
    const progress: SweepProgress[] = [];
    await runSweep(ctx, { mode: "act", onProgress: (p) => progress.push(p) });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)?.resourcesSeen).toBe(5);
    await h.drain();
    const open = async () =>
      (await ctx.ledger.listTicketRequests())
        .filter((r) => r.state === "requested" || r.state === "open")
        .map((r) => `${r.resourceId.split("/").pop() ?? ""}:${r.findingCode}`)
        .sort();
    expect(await open()).toEqual([
      "aoai-mmk:AiServicesMicrosoftManagedKey",
      "des-failing:DesAutoRotationError",
      "disk-pmk:DiskPlatformKey",
    ]);

    // Someone fixes the account, and deletes the disk.
    const account = h.emulator.state.getResource(t.account.id)?.body;
    if (account === undefined) throw new Error("account missing");
    h.emulator.state.putResource({
      ...account,
      properties: {
        ...account.properties,
        encryption: {
          keySource: "Microsoft.KeyVault",
          keyVaultProperties: {
            keyVaultUri: `${t.vault.url}/`,
            keyName: "cmk",
            keyVersion: t.newKey.split("/").pop(),
          },
        },
      },
    });
    h.emulator.state.deleteResource(t.disk.id);

    // A sweep of the prod subscription alone does not cover the dev one: the disk's ticket stays.
    const prodOnly = await runSweep(ctx, { mode: "act", subscriptions: [t.prod] });
    expect(prodOnly.goneQueued).toBe(0);
    await h.drain();
    expect(await open()).toEqual(["des-failing:DesAutoRotationError", "disk-pmk:DiskPlatformKey"]);

    const all = await runSweep(ctx, { mode: "act" });
    expect(all.goneQueued).toBe(1);
    await h.drain();
    expect(await open()).toEqual(["des-failing:DesAutoRotationError"]);
  });

  it("tickets an auto-rotating set still on the old version past the grace period, and resolves it once moved", async () => {
    const t = tenant();
    const h = await createServiceHarness(t.tenant, inject("azuriteConnectionString"));
    const { ctx } = h.runtime;
    const stalled = async () =>
      (await ctx.ledger.listTicketRequests()).filter((r) => r.findingCode === "DesAutoRotationStalled");

    // First sweep: no expectation yet, so the rotation engine records one (no write: the platform rotates).
    h.emulator.log.clear();
    await runSweep(ctx, { mode: "act" });
    await h.drain();
    expect(h.emulator.log.count({ method: "PATCH" })).toBe(0);
    const expectations = (await ctx.ledger.listActions(t.autoSet.id)).filter((a) =>
      a.codes.includes("AwaitingAutoRotation"),
    );
    expect(expectations).toEqual([expect.objectContaining({ from: t.oldKey, to: t.newKey })]);

    ctx.now = () => new Date(testNow.getTime() + HOUR / 2);
    expect(await runSweep(ctx, { mode: "act" })).toMatchObject({ ticketsRequested: 0, jobsEnqueued: 0 });
    expect(await stalled()).toEqual([]);

    ctx.now = () => new Date(testNow.getTime() + 2 * HOUR);
    expect(await runSweep(ctx, { mode: "act" })).toMatchObject({ ticketsRequested: 1 });
    const [ticket] = await stalled();
    expect(ticket).toMatchObject({ resourceId: t.autoSet.id, severity: "high", state: "requested" });
    expect(ticket?.body).toContain(t.oldKey);
    expect(ticket?.body).toContain("az disk-encryption-set update");

    // The scan shows it as a finding too, without writing anything.
    const codes: string[] = [];
    await runSweep(ctx, {
      mode: "scan",
      onEvaluation: (e) => codes.push(...e.findings.map((f) => f.code)),
    });
    expect(codes).toContain("DesAutoRotationStalled");

    // The platform catches up: the next sweep resolves the ticket.
    const set = h.emulator.state.getResource(t.autoSet.id)?.body;
    if (set === undefined) throw new Error("set missing");
    h.emulator.state.putResource({
      ...set,
      properties: { ...set.properties, activeKey: { sourceVault: { id: t.vault.id }, keyUrl: t.newKey } },
    });
    expect(await runSweep(ctx, { mode: "act" })).toMatchObject({ ticketsResolved: 1 });
    expect((await stalled()).map((s) => s.state)).toEqual(["closed"]);
  });

  it("does not take an excluded resource with an open ticket for a deleted one", async () => {
    const t = tenant();
    const h = await createServiceHarness(t.tenant, inject("azuriteConnectionString"));
    const { ctx } = h.runtime;
    await runSweep(ctx, { mode: "act" });
    await h.drain();
    const account = h.emulator.state.getResource(t.account.id)?.body;
    if (account === undefined) throw new Error("account missing");
    h.emulator.state.putResource({ ...account, tags: { "cmk-remediation": "exclude" } });
    expect(await runSweep(ctx, { mode: "act" })).toMatchObject({ goneQueued: 0, jobsEnqueued: 0 });
  });

  it("scan mode reads only: nothing queued, no ledger write, no ARM write", async () => {
    const t = tenant();
    const h = await createServiceHarness(t.tenant, inject("azuriteConnectionString"));
    h.emulator.log.clear();
    const result = await runSweep(h.runtime.ctx, { mode: "scan" });
    expect(result).toMatchObject({ resourcesSeen: 5, jobsEnqueued: 0, nonCompliant: 3 });
    expect(
      h.emulator.log.entries().filter((e) => e.method !== "GET" && !e.url.includes("ResourceGraph")),
    ).toEqual([]);
    expect(await h.runtime.ctx.ledger.listActions()).toEqual([]);
    expect((await h.runtime.jobQueue.getProperties()).approximateMessagesCount).toBe(0);
  });
});
