import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { evaluateJob } from "../../src/app/evaluateJob.js";
import { field, stringField } from "../../src/core/arm/armResource.js";
import type { EvaluateJob } from "../../src/core/jobs/job.js";
import { resourceWriteJob } from "../support/resourceWriteJob.js";
import { createMemoryService } from "../support/memoryService.js";

/*
 * Chaos finding (issue 13, seed 2): in enforce mode the service attached a disk encryption set to a
 * disk whose incremental snapshot is on the platform key. The pure proof refuses that
 * (writeProofs.test.ts), but the Azure adapter listed the snapshots from the Compute client's
 * deserialized models, whose `properties` are flattened away, so the proof saw no incremental
 * snapshot. Through the real SDK adapter and the emulator: the snapshots arrive as ARM JSON, the
 * attach is refused with a ticket, and nothing is sent to the disk (which the emulator, as Azure,
 * would refuse: S7 in docs/restrictions.md).
 */

function tenant(snapshot: "incremental" | "full" | "none") {
  const b = new TenantBuilder({ seed: "attach-incremental-snapshots" });
  const subscriptionId = b.subscription(b.ids.guid("subscription"), "prod");
  const vault = b.vault({ subscriptionId, resourceGroup: "rg-keys", name: "kv-attach" });
  const key = b.key(vault, "cmk", [{ createdOn: "2026-11-01T00:00:00Z", expiresOn: "2028-06-01T00:00:00Z" }]);
  const set = b.diskEncryptionSet({
    subscriptionId,
    resourceGroup: "rg-compute",
    name: "des-enforce",
    keyUrl: key.versionIds[0]!,
    sourceVaultId: vault.id,
    autoRotation: true,
  });
  b.grantKeyAccess(vault, set.principalId!);
  const disk = b.disk({
    subscriptionId,
    resourceGroup: "rg-compute",
    name: "data-1",
    encryption: "platform",
  });
  if (snapshot !== "none")
    b.snapshot({
      subscriptionId,
      resourceGroup: "rg-compute",
      name: "snap-1",
      source: disk,
      encryption: "platform",
      incremental: snapshot === "incremental",
    });
  return { tenant: b.build(), subscriptionId, set, disk };
}

function job(resourceId: string): EvaluateJob {
  return resourceWriteJob(resourceId, "Microsoft.Compute/disks");
}

function service(t: ReturnType<typeof tenant>) {
  return createMemoryService(t.tenant, {
    env: { CMKR_DISK_MODE: "enforce", CMKR_ENFORCE_DISK_ENCRYPTION_SETS: `westeurope=${t.set.id}` },
  });
}

const diskWrites = (svc: ReturnType<typeof service>, diskId: string): number =>
  svc.emulator.log
    .entries()
    .filter((e) => e.method !== "GET" && e.url.toLowerCase().includes(diskId.toLowerCase())).length;

describe("enforce mode never attaches a set to a disk with incremental snapshots on another key", () => {
  it("the Azure adapter lists snapshots as ARM JSON (properties kept)", async () => {
    const t = tenant("incremental");
    const svc = service(t);
    const snapshots = await svc.ctx.port.listSnapshots(t.subscriptionId);
    expect(snapshots).toHaveLength(1);
    const [snap] = snapshots;
    expect(field(snap, "properties", "incremental")).toBe(true);
    expect(stringField(snap, "properties", "creationData", "sourceResourceId")).toBe(t.disk.id);
    expect(stringField(snap, "properties", "encryption", "type")).toBe("EncryptionAtRestWithPlatformKey");
  });

  it("refuses the attach with a ticket naming the restriction, and writes nothing", async () => {
    const t = tenant("incremental");
    const svc = service(t);
    const actions = await evaluateJob(job(t.disk.id), svc.ctx);
    expect(actions).toEqual([
      expect.objectContaining({
        action: "open-ticket",
        resourceId: t.disk.id,
        reason: expect.stringMatching(/cannot fix it safely: the disk has incremental snapshots/) as unknown,
      }),
    ]);
    expect(actions.some((a) => a.status === "applied" && a.action === "enable-cmk")).toBe(false);
    expect(diskWrites(svc, t.disk.id)).toBe(0);
    const tickets = await svc.ctx.ledger.listTicketRequests();
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ resourceId: t.disk.id, state: "requested" });
    expect(tickets[0]?.body).toMatch(/incremental snapshots/);
    expect(
      stringField(svc.emulator.state.getResource(t.disk.id)!.body, "properties", "encryption", "type"),
    ).toBe("EncryptionAtRestWithPlatformKey");
  });

  it.each(["full", "none"] as const)(
    "attaches the set when the disk's snapshot is %s (nothing incremental binds it)",
    async (snapshot) => {
      const t = tenant(snapshot);
      const svc = service(t);
      const actions = await evaluateJob(job(t.disk.id), svc.ctx);
      expect(actions).toContainEqual(expect.objectContaining({ action: "enable-cmk", status: "applied" }));
      expect(
        stringField(
          svc.emulator.state.getResource(t.disk.id)!.body,
          "properties",
          "encryption",
          "diskEncryptionSetId",
        ),
      ).toBe(t.set.id);
    },
  );
});
