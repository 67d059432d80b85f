import { describe, expect, inject, it } from "vitest";
import { sweepBenchTenant, sweepNewVersion, sweepOldVersion } from "../../bench/sweepTenant.js";
import type { RequestLog } from "@cmkr/azure-emulator";
import { runSweep } from "../../src/app/sweep.js";
import type { Evaluation } from "../../src/core/findings/finding.js";
import { createServiceHarness, testNow } from "../support/serviceHarness.js";

const RESOURCES = Number(process.env.CMKR_SWEEP_TEST_RESOURCES ?? 10_000);

/** ARM writes: anything but reads, Resource Graph queries and the Key Vault data plane. */
function armWrites(log: RequestLog): number {
  return log
    .entries()
    .filter(
      (e) =>
        e.method !== "GET" &&
        e.method !== "HEAD" &&
        !/\/providers\/microsoft\.resourcegraph\//i.test(e.url) &&
        !/\.vault\.azure\.net\//i.test(e.url),
    ).length;
}

describe(`sweep over an emulated tenant of ${RESOURCES.toLocaleString("en")} resources`, () => {
  it("converges: every finding fixed or ticketed, and a later sweep writes nothing to ARM", async () => {
    const { tenant, counts, enforceSetId } = sweepBenchTenant(RESOURCES);
    const h = await createServiceHarness(tenant, inject("azuriteConnectionString"), {
      emulator: { throttling: false },
      pageSize: 1000,
      env: {
        CMKR_DISK_MODE: "enforce",
        CMKR_ENFORCE_DISK_ENCRYPTION_SETS: `westeurope=${enforceSetId}`,
      },
    });
    const { ctx } = h.runtime;

    const first = await runSweep(ctx, { mode: "act" });
    expect(first.status).toBe("completed");
    expect(first.resourcesSeen).toBe(counts.inScope);
    const expectedJobs =
      counts.unattachedPlatformDisks +
      counts.attachedPlatformDisks +
      counts.microsoftManagedAccounts +
      counts.workspacesWithoutCmk +
      counts.laggingSets +
      counts.laggingAutoRotatingSets;
    // Only resources that need something are queued, never the compliant majority.
    expect(first.jobsEnqueued).toBe(expectedJobs);
    expect(first.jobsEnqueued).toBeLessThan(counts.inScope / 20);
    const drained = await h.drain({ concurrency: 16 });
    expect(drained.poisoned).toBe(0);

    // Fixed in place: unattached platform-key disks got the enforce set, lagging sets the new version.
    const resources = h.emulator.state.toTenantFile().resources;
    const disks = resources.filter((r) => r.type === "Microsoft.Compute/disks");
    expect(
      disks.filter((d) => JSON.stringify(d.properties).includes("EncryptionAtRestWithPlatformKey")),
    ).toHaveLength(counts.attachedPlatformDisks);
    const sets = resources.filter((r) => r.type === "Microsoft.Compute/diskEncryptionSets");
    const onOld = sets.filter((s) => JSON.stringify(s.properties).includes(sweepOldVersion));
    expect(onOld).toHaveLength(counts.laggingAutoRotatingSets);
    expect(sets.length - onOld.length).toBeGreaterThan(0);
    expect(JSON.stringify(onOld)).not.toContain(sweepNewVersion);

    // Everything still found has a ticket request for exactly that finding.
    const evaluations: Evaluation[] = [];
    const scan = await runSweep(ctx, { mode: "scan", onEvaluation: (e) => evaluations.push(e) });
    expect(scan.resourcesSeen).toBe(counts.inScope);
    const tickets = new Set(
      (await ctx.ledger.listTicketRequests()).map((t) => `${t.resourceId.toLowerCase()}|${t.findingCode}`),
    );
    const findings = evaluations.flatMap((e) => e.findings);
    expect(findings).toHaveLength(
      counts.attachedPlatformDisks + counts.microsoftManagedAccounts + counts.workspacesWithoutCmk,
    );
    for (const f of findings) expect(tickets).toContain(`${f.resourceId.toLowerCase()}|${f.code}`);
    // The auto-rotating sets are the platform's to move: the service recorded what it expects.
    const waiting = (await ctx.ledger.listActions()).filter((a) => a.codes.includes("AwaitingAutoRotation"));
    expect(new Set(waiting.map((a) => a.resourceId)).size).toBe(counts.laggingAutoRotatingSets);

    // The same day, a second sweep finds all its work claimed already, except the workspaces to
    // re-create: their tickets follow what they hold, which the sweep cannot see, so each run hands them
    // to the worker again (reads only). Nothing is written.
    h.emulator.log.clear();
    const again = await runSweep(ctx, { mode: "act" });
    expect(again.jobsEnqueued).toBe(counts.workspacesWithoutCmk);
    expect((await h.drain({ concurrency: 16 })).poisoned).toBe(0);
    expect(armWrites(h.emulator.log)).toBe(0);

    // A day later the sweep re-checks standing findings through the worker: still no ARM write,
    // and the sets the platform did not move past the grace period are ticketed.
    ctx.now = () => new Date(testNow.getTime() + 24 * 3_600_000);
    h.emulator.log.clear();
    const nextDay = await runSweep(ctx, { mode: "act" });
    expect(nextDay.jobsEnqueued).toBe(findings.length);
    expect(nextDay.ticketsRequested).toBe(counts.laggingAutoRotatingSets);
    expect((await h.drain({ concurrency: 16 })).poisoned).toBe(0);
    expect(armWrites(h.emulator.log)).toBe(0);
    const stalled = (await ctx.ledger.listTicketRequests()).filter(
      (t) => t.findingCode === "DesAutoRotationStalled",
    );
    expect(stalled).toHaveLength(counts.laggingAutoRotatingSets);
  }, 300_000);
});
