import type { HttpClient } from "@azure/core-rest-pipeline";
import type { AzureEmulator } from "@cmkr/azure-emulator";
import {
  CVM_RELEASE_POLICY,
  SINGLE_KEY,
  SingleKeyTenant,
  type PowerState,
} from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { remediateKey, remediateResource } from "../../src/app/remediate.js";
import { stringField } from "../../src/core/arm/armResource.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";

/*
 * The write protocol end to end, through the real SDK clients against the emulator: every PATCH
 * carries If-Match with the ETag of the read it was built from; a change a person makes between
 * that read and the write is never written over (the emulator answers 412 as ARM does, and the
 * service reads again and decides again); a confidential VM set only changes key while every VM
 * using it is deallocated (docs/restrictions.md S1).
 */

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;

interface Patch {
  url: string;
  ifMatch: string | undefined;
}

/** Records every PATCH with its If-Match header; `beforePatch` runs before the first one is sent. */
function patchRecorder(beforePatch?: (emulator: AzureEmulator) => void) {
  const patches: Patch[] = [];
  let emulator: AzureEmulator | undefined;
  let fired = false;
  const wrapHttpClient = (client: HttpClient): HttpClient => ({
    sendRequest: (request) => {
      if (request.method === "PATCH") {
        patches.push({ url: request.url, ifMatch: request.headers.get("if-match") });
        if (!fired && beforePatch !== undefined && emulator !== undefined) {
          fired = true;
          beforePatch(emulator);
        }
      }
      return client.sendRequest(request);
    },
  });
  return {
    patches,
    wrapHttpClient,
    bind(svc: MemoryService) {
      emulator = svc.emulator;
    },
  };
}

const versions = [
  { version: V1, createdOn: "2026-01-01T00:00:00Z" },
  { version: V2, createdOn: "2026-11-20T00:00:00Z" },
];

describe("a person's change between the service's read and its write is never written over", () => {
  it("412 on the stale ETag, then a new read, a new decision and a write that keeps the person's change", async () => {
    const t = new SingleKeyTenant({ versions });
    const account = t.consumer("openAI", "aoai-edited");
    const recorder = patchRecorder((emulator) => {
      // Someone turns public network access off on the account just before the service's PATCH.
      const stored = emulator.state.getResource(account.id)!;
      const body = structuredClone(stored.body) as { properties: Record<string, unknown> };
      body.properties.publicNetworkAccess = "Disabled";
      emulator.state.putResource(body as typeof stored.body);
    });
    const svc = createMemoryService(t.build(), { wrapHttpClient: recorder.wrapHttpClient });
    recorder.bind(svc);

    const report = await remediateResource(account.id, svc.ctx, { apply: true });
    expect(report.actions).toEqual([
      expect.objectContaining({ resourceId: account.id, action: "rotate-key", status: "applied" }),
    ]);
    // Two conditional PATCHes: the first on the ETag of the first read (refused), the second on the
    // ETag of the read made after the person's change.
    expect(recorder.patches).toHaveLength(2);
    expect(recorder.patches.every((p) => p.ifMatch !== undefined && p.ifMatch !== "*")).toBe(true);
    expect(recorder.patches[0]?.ifMatch).not.toBe(recorder.patches[1]?.ifMatch);
    const answered = svc.emulator.log.entries().filter((e) => e.method === "PATCH");
    expect(answered.map((e) => e.status)).toEqual([412, expect.any(Number)]);
    expect(answered[1]?.status).toBeLessThan(300);

    const after = svc.emulator.state.getResource(account.id)!.body;
    expect(stringField(after, "properties", "publicNetworkAccess")).toBe("Disabled");
    expect(stringField(after, "properties", "encryption", "keyVaultProperties", "keyVersion")).toBe(V2);
  });

  it("a resource that keeps changing is left alone after the bounded attempts, with the reason", async () => {
    const t = new SingleKeyTenant({ versions });
    const set = t.consumer("diskEncryptionSet", "des-busy");
    const svc = createMemoryService(t.build(), {
      wrapHttpClient: (client) => ({
        sendRequest: (request) => {
          if (request.method === "PATCH") {
            // Every write finds the set changed since it was read.
            const stored = svcRef.emulator.state.getResource(set.id)!;
            svcRef.emulator.state.putResource(structuredClone(stored.body));
          }
          return client.sendRequest(request);
        },
      }),
    });
    const svcRef = svc;
    const report = await remediateResource(set.id, svc.ctx, { apply: true });
    expect(report.actions).toEqual([
      expect.objectContaining({
        resourceId: set.id,
        status: "failed",
        codes: expect.arrayContaining(["WriteConflict"]) as unknown,
      }),
    ]);
    expect(
      svc.emulator.log
        .entries()
        .filter((e) => e.method === "PATCH")
        .map((e) => e.status),
    ).toEqual([412, 412, 412]);
    expect(
      stringField(svc.emulator.state.getResource(set.id)!.body, "properties", "activeKey", "keyUrl"),
    ).toMatch(new RegExp(`${V1}$`));
  });
});

describe("confidential VM disk encryption sets change key offline only (S1)", () => {
  /** A premium vault with a confidential VM key (RSA-HSM, exportable, release policy), a set on v1, a VM using it. */
  function cvmTenant(powerState: PowerState) {
    const cvmKey = {
      kty: "RSA-HSM" as const,
      keySize: 3072,
      exportable: true,
      releasePolicy: CVM_RELEASE_POLICY,
    };
    const t = new SingleKeyTenant({
      vault: { sku: "premium" },
      versions: versions.map((v) => ({ ...v, ...cvmKey })),
    });
    const b = t.builder;
    const placement = { subscriptionId: t.subscription(1), resourceGroup: "rg-cvm" };
    const set = b.diskEncryptionSet({
      ...placement,
      name: "des-cvm",
      keyUrl: t.key.versionIds[0] ?? "",
      sourceVaultId: t.vault.id,
      encryptionType: "ConfidentialVmEncryptedWithCustomerKey",
    });
    b.grantKeyAccess(t.vault, set.principalId ?? "");
    const vm = b.virtualMachine({ ...placement, name: "cvm-01", powerState });
    b.disk({
      ...placement,
      name: "cvm-01-os",
      osType: "Linux",
      managedBy: vm.id,
      encryption: "platform",
      securityProfile: {
        securityType: "ConfidentialVM_DiskEncryptedWithCustomerKey",
        secureVMDiskEncryptionSetId: set.id,
      },
    });
    return { tenant: b.build(), set, vm };
  }

  it("refuses while a VM using the set runs, tickets the documented offline steps, writes nothing", async () => {
    const { tenant, set, vm } = cvmTenant("running");
    const svc = createMemoryService(tenant);
    const report = await remediateKey(`${SINGLE_KEY.vaultUrl}/keys/${SINGLE_KEY.keyName}`, svc.ctx, {
      apply: true,
    });
    const action = report.actions.find((a) => a.resourceId === set.id);
    expect(action).toMatchObject({
      action: "refuse",
      codes: expect.arrayContaining(["DesConfidentialRotationOffline"]) as unknown,
    });
    expect(action?.reason).toContain(`${vm.id} is running`);
    expect(svc.emulator.log.entries().filter((e) => e.method === "PATCH")).toEqual([]);
    const tickets = await svc.ctx.ledger.listTicketRequests();
    const ticket = tickets.find((k) => k.resourceId === set.id);
    expect(ticket?.body).toMatch(/deallocate/i);
  });

  it("rotates once every VM using the set is deallocated, and the emulator agrees the key is valid", async () => {
    const { tenant, set } = cvmTenant("deallocated");
    const svc = createMemoryService(tenant);
    const report = await remediateKey(`${SINGLE_KEY.vaultUrl}/keys/${SINGLE_KEY.keyName}`, svc.ctx, {
      apply: true,
    });
    expect(report.actions.find((a) => a.resourceId === set.id)).toMatchObject({
      action: "rotate-key",
      status: "applied",
    });
    expect(
      stringField(svc.emulator.state.getResource(set.id)!.body, "properties", "activeKey", "keyUrl"),
    ).toMatch(new RegExp(`${V2}$`));
  });
});
