import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { KeyClient } from "@azure/keyvault-keys";
import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { runSweep } from "../../src/app/sweep.js";
import { createComplianceReportBuilder } from "../../src/report/complianceReportBuilder.js";
import { createMemoryService } from "../support/memoryService.js";
import { testNow } from "../support/serviceWiring.js";

/**
 * The sweep and `cmkr scan` over consumers whose key store is gone, unreadable or refuses their next
 * rotation, deleted with the real SDK clients against the emulator, over the in-memory ledger and queue.
 */
function tenant() {
  const b = new TenantBuilder({ seed: "sweep-key-store" });
  const sub = b.subscription(b.ids.guid("subscription"), "prod");
  const at = { subscriptionId: sub };
  const versions = [{ createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" }];
  const vault = b.vault({ ...at, resourceGroup: "rg-keys", name: "kv-keep" });
  const kept = b.key(vault, "cmk", versions);
  const doomedKey = b.key(vault, "cmk-doomed", versions);
  const doomedVault = b.vault({ ...at, resourceGroup: "rg-keys", name: "kv-doomed" });
  const inDoomedVault = b.key(doomedVault, "cmk", versions);
  const set = (name: string, key: typeof kept, v: typeof vault, access = true) => {
    const des = b.diskEncryptionSet({
      ...at,
      resourceGroup: "rg-des",
      name,
      keyUrl: key.versionIds[0] ?? "",
      sourceVaultId: v.id,
      autoRotation: true,
    });
    if (access) b.grantKeyAccess(v, des.principalId ?? "");
    return des;
  };
  const sets = {
    healthy: set("des-healthy", kept, vault),
    keyGone: set("des-key-gone", doomedKey, vault),
    vaultGone: set("des-vault-gone", inDoomedVault, doomedVault),
    atRisk: set("des-at-risk", kept, vault, false),
  };
  return { tenant: b.build(), sub, vault, doomedKey, doomedVault, ...sets };
}

function clients(t: ReturnType<typeof tenant>, svc: ReturnType<typeof createMemoryService>) {
  const http = { httpClient: svc.emulator.httpClient() };
  return {
    keys: new KeyClient(t.vault.url, svc.emulator.credential(), http),
    arm: new KeyVaultManagementClient(svc.emulator.credential(), t.sub, http),
  };
}

async function deleteKey(t: ReturnType<typeof tenant>, svc: ReturnType<typeof createMemoryService>) {
  const { keys } = clients(t, svc);
  await (await keys.beginDeleteKey(t.doomedKey.name, { intervalInMs: 0 })).pollUntilDone();
}

async function deleteVault(t: ReturnType<typeof tenant>, svc: ReturnType<typeof createMemoryService>) {
  await clients(t, svc).arm.vaults.delete("rg-keys", t.doomedVault.name);
}

async function deleteThem(t: ReturnType<typeof tenant>, svc: ReturnType<typeof createMemoryService>) {
  await deleteKey(t, svc);
  await deleteVault(t, svc);
}

describe("the sweep over deleted, unreadable and at-risk key stores", () => {
  it("scan counts none of them compliant: deleted key and vault non-compliant (urgent), at risk apart", async () => {
    const t = tenant();
    const svc = createMemoryService(t.tenant);
    await deleteThem(t, svc);
    const builder = createComplianceReportBuilder({
      scope: { subscriptions: [], managementGroups: [] },
      now: testNow,
    });
    await runSweep(svc.ctx, {
      mode: "scan",
      onEvaluation: (e, sub) => {
        builder.add(e, sub);
      },
    });
    const report = builder.build();
    const desCounts = report.byResourceType.find(
      (g) => g.key === "Microsoft.Compute/diskEncryptionSets",
    )?.counts;
    expect(desCounts).toEqual({
      resources: 4,
      compliant: 1,
      nonCompliant: 2,
      atRisk: 1,
      excluded: 0,
      undetermined: 0,
    });
    const codes = Object.fromEntries(
      report.findings.map((f): [string, string[]] => [
        f.resourceId.split("/").pop() ?? "",
        [f.code, f.severity],
      ]),
    );
    expect(codes).toEqual({
      "des-key-gone": ["CmkKeyDeleted", "urgent"],
      "des-vault-gone": ["CmkVaultDeleted", "urgent"],
      "des-at-risk": ["CmkNextRotationRefused", "high"],
    });
    const vaultGone = report.findings.find((f) => f.code === "CmkVaultDeleted");
    expect(vaultGone?.body).toContain("az keyvault recover --name kv-doomed --location westeurope");
    expect(vaultGone?.body).toMatch(/soft-deleted in westeurope: it can be recovered until /);
    // Read-only: nothing queued, nothing ticketed.
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([]);
  });

  it("act mode queues them at once and the worker requests the urgent tickets", async () => {
    const t = tenant();
    const svc = createMemoryService(t.tenant);
    await deleteVault(t, svc);
    // A first sweep while the key is still in place claims the day's work for its consumer.
    await runSweep(svc.ctx, { mode: "act" });
    await svc.drain();
    await deleteKey(t, svc);
    const second = await runSweep(svc.ctx, { mode: "act", runId: "second" });
    // Its finding is new: queued now, not at tomorrow's re-check.
    expect(second.jobsEnqueued).toBe(1);
    await svc.drain();
    const tickets = (await svc.ctx.ledger.listTicketRequests()).map((r) => [
      r.resourceId.split("/").pop(),
      r.findingCode,
      r.severity,
    ]);
    expect(tickets).toEqual(
      expect.arrayContaining([
        ["des-key-gone", "CmkKeyDeleted", "urgent"],
        ["des-vault-gone", "CmkVaultDeleted", "urgent"],
        ["des-at-risk", "CmkNextRotationRefused", "high"],
      ]),
    );
    expect(tickets.filter(([name]) => name === "des-healthy")).toEqual([]);
  });

  it("a vault that cannot be read leaves its consumers undetermined, handed to the worker to read again", async () => {
    const t = tenant();
    const svc = createMemoryService(t.tenant);
    const body = structuredClone(svc.emulator.state.getResource(t.vault.id)!.body);
    (body.properties as Record<string, unknown>).networkAcls = { defaultAction: "Sometimes" };
    svc.emulator.state.putResource(body);
    const undetermined: string[] = [];
    const result = await runSweep(svc.ctx, {
      mode: "scan",
      onEvaluation: (e) => {
        if (e.undetermined !== undefined) undetermined.push(e.resourceId.split("/").pop() ?? "");
      },
    });
    // The vault itself too: its own rule cannot read its firewall setting.
    expect(undetermined.sort()).toEqual(["des-at-risk", "des-healthy", "des-key-gone", "kv-keep"]);
    expect(result.factsUnavailable).toBe(3);
  });

  it("reads a vault's role assignments once for all its consumers, and finds the one without a role at risk", async () => {
    const b = new TenantBuilder({ seed: "sweep-rbac" });
    const sub = b.subscription(b.ids.guid("subscription"), "prod");
    const vault = b.vault({ subscriptionId: sub, resourceGroup: "rg-keys", name: "kv-rbac", rbac: true });
    const key = b.key(vault, "cmk", [
      { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
    ]);
    for (const name of ["des-a", "des-b", "des-c", "des-no-role"]) {
      const set = b.diskEncryptionSet({
        subscriptionId: sub,
        resourceGroup: "rg-des",
        name,
        keyUrl: key.versionIds[0] ?? "",
        sourceVaultId: vault.id,
        autoRotation: true,
      });
      if (name !== "des-no-role")
        b.roleAssignment({
          scope: vault.id,
          principalId: set.principalId ?? "",
          roleDefinitionName: "Key Vault Crypto Service Encryption User",
        });
    }
    const svc = createMemoryService(b.build());
    const outcome = new Map<string, string[]>();
    await runSweep(svc.ctx, {
      mode: "scan",
      onEvaluation: (e) => {
        outcome.set(
          e.resourceId.split("/").pop() ?? "",
          e.findings.map((f) => f.code),
        );
      },
    });
    expect(Object.fromEntries(outcome)).toMatchObject({
      "des-a": [],
      "des-b": [],
      "des-c": [],
      "des-no-role": ["CmkNextRotationRefused"],
    });
    expect(svc.emulator.log.count({ url: /roleAssignments/ })).toBe(1);
  });
});
