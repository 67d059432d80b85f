import { TenantBuilder, type VaultRef } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { evaluateJob } from "../../src/app/evaluateJob.js";
import { handleEvents } from "../../src/app/handleEvents.js";
import { keyEventJob } from "../../src/app/planKeyEvent.js";
import { rotateConsumer } from "../../src/app/rotateConsumer.js";
import { runSweep } from "../../src/app/sweep.js";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import type { KeyVaultKeyEvent } from "../../src/core/events/domainEvents.js";
import type { EvaluateJob } from "../../src/core/jobs/job.js";
import { resourceWriteJob } from "../support/resourceWriteJob.js";
import { createComplianceReportBuilder } from "../../src/report/complianceReportBuilder.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";
import { testNow } from "../support/serviceWiring.js";

/**
 * Consumers of Managed HSM keys, rotated and judged with the real SDK clients against the emulator:
 * the HSM's soft delete and purge protection come from its `managedHSMs` resource, the key from its
 * data plane, and the identity's access from its local RBAC role assignments.
 */

/** The principal the emulator's default credential presents: the service's own identity. */
const SERVICE = "00000000-0000-0000-0000-0000000000e1";

const versions = [
  { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z", kty: "RSA-HSM" as const },
  { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-06-01T00:00:00Z", kty: "RSA-HSM" as const },
];

interface Options {
  /** The set's identity holds "Managed HSM Crypto Service Encryption User" on the key (default true). */
  desRole?: boolean;
  /** The service holds "Managed HSM Crypto Auditor" on / (default true). */
  serviceReader?: boolean;
  purgeProtection?: boolean;
}

function tenant(options: Options = {}) {
  const b = new TenantBuilder({ seed: "managed-hsm" });
  const sub = b.subscription(b.ids.guid("subscription"), "prod");
  const at = { subscriptionId: sub };
  const hsm = b.managedHsm({
    ...at,
    resourceGroup: "rg-keys",
    name: "hsm-cmk",
    ...(options.purgeProtection === undefined ? {} : { purgeProtection: options.purgeProtection }),
  });
  const key = b.key(hsm, "cmk", versions);
  const des = b.diskEncryptionSet({
    ...at,
    resourceGroup: "rg-des",
    name: "des-hsm",
    keyUrl: key.versionIds[0] ?? "",
  });
  if (options.desRole !== false)
    b.hsmRoleAssignment(hsm, {
      principalId: des.principalId ?? "",
      role: "Managed HSM Crypto Service Encryption User",
      scope: "/keys/cmk",
    });
  if (options.serviceReader !== false)
    b.hsmRoleAssignment(hsm, { principalId: SERVICE, role: "Managed HSM Crypto Auditor", scope: "/" });
  const openai = b.aiServicesAccount({
    ...at,
    resourceGroup: "rg-ai",
    name: "oai-hsm",
    kind: "OpenAI",
    cmk: { vaultUrl: hsm.url, keyName: "cmk", keyVersion: key.versions[0] ?? "" },
  });
  b.hsmRoleAssignment(hsm, {
    principalId: openai.principalId ?? "",
    role: "Managed HSM Crypto Service Encryption User",
    scope: "/keys/cmk",
  });
  return { tenant: b.build(), sub, hsm, key, des, openai };
}

function hsmKeyEvent(hsm: VaultRef, keyId: string): KeyVaultKeyEvent {
  const version = keyId.split("/").pop() ?? "";
  return {
    kind: "KeyNewVersionCreated",
    eventId: `evt-hsm-${version.slice(-6)}`,
    eventTime: new Date("2026-11-22T11:59:00Z"),
    schema: "EventGrid",
    vaultArmId: hsm.id,
    vaultName: hsm.name,
    vaultUrl: hsm.url,
    keyName: "cmk",
    version,
    keyId,
    subject: "cmk",
  };
}

async function rotate(
  svc: MemoryService,
  t: ReturnType<typeof tenant>,
  consumer: { id: string; type: string },
) {
  const job = keyEventJob(
    hsmKeyEvent(t.hsm, t.key.versionIds[1] ?? ""),
    consumer,
    "corr-hsm",
    testNow,
    false,
  );
  return rotateConsumer(job, svc.ctx);
}

function activeKeyUrl(svc: MemoryService, id: string): unknown {
  const des = svc.emulator.toTenantFile().resources.find((r) => r.id === id);
  return (des?.properties as { activeKey?: { keyUrl?: unknown } } | undefined)?.activeKey?.keyUrl;
}

describe("disk encryption sets on Managed HSM keys", () => {
  it("rotates when the set's identity holds a key-use role in the HSM's local RBAC", async () => {
    const t = tenant();
    const svc = createMemoryService(t.tenant);
    const action = await rotate(svc, t, t.des);
    expect(action).toMatchObject({
      action: "rotate-key",
      status: "applied",
      from: t.key.versionIds[0],
      to: t.key.versionIds[1],
    });
    expect(activeKeyUrl(svc, t.des.id)).toBe(t.key.versionIds[1]);
    // The HSM's settings came from ARM and its role assignments from its own data plane.
    const paths = svc.emulator.log.entries().map((e) => `${e.method} ${e.url}`);
    expect(paths.some((p) => /GET .*\/managedHSMs\/hsm-cmk\?api-version=2024-11-01/i.test(p))).toBe(true);
    expect(
      paths.some((p) =>
        /GET https:\/\/hsm-cmk\.managedhsm\.azure\.net\/+keys\/cmk\/providers\/Microsoft\.Authorization\/roleAssignments/i.test(
          p,
        ),
      ),
    ).toBe(true);
  });

  it("is refused, with the role to grant, when the set's identity holds none", async () => {
    const t = tenant({ desRole: false });
    const svc = createMemoryService(t.tenant);
    const action = await rotate(svc, t, t.des);
    expect(action).toMatchObject({
      action: "refuse",
      status: "skipped",
      codes: ["IdentityLacksKeyPermissions"],
    });
    expect(action.reason).toContain(
      `The system-assigned identity ${t.des.principalId ?? ""} of disk encryption set ${t.des.id} has no local RBAC role on Managed HSM hsm-cmk.managedhsm.azure.net at /keys/cmk, /keys or / that allows get, wrapKey and unwrapKey. Assign it "Managed HSM Crypto Service Encryption User" on /keys/cmk (az keyvault role assignment create --hsm-name hsm-cmk --role "Managed HSM Crypto Service Encryption User" --assignee-object-id ${t.des.principalId ?? ""} --assignee-principal-type ServicePrincipal --scope /keys/cmk).`,
    );
    expect(activeKeyUrl(svc, t.des.id)).toBe(t.key.versionIds[0]);
    const tickets = await svc.ctx.ledger.listTicketRequests();
    expect(tickets.map((r) => [r.findingCode, r.severity])).toEqual([["RotationRefused", "high"]]);
  });

  it("is refused with HsmRoleAssignmentsUnreadable, never 'not found', when the HSM will not show its role assignments", async () => {
    const t = tenant({ serviceReader: false });
    const svc = createMemoryService(t.tenant);
    const action = await rotate(svc, t, t.des);
    expect(action).toMatchObject({
      action: "refuse",
      status: "skipped",
      codes: ["HsmRoleAssignmentsUnreadable"],
    });
    expect(action.reason).toMatch(
      /^the local RBAC role assignments of the Managed HSM https:\/\/hsm-cmk\.managedhsm\.azure\.net cannot be read by the service \(Forbidden: Caller is not authorized to perform action on resource\..*\), so whether the resource's identity may use the key cannot be proven\. Grant the service's identity "Managed HSM Crypto Auditor" on the HSM \(scope \/\)\.$/s,
    );
    expect(action.reason).not.toMatch(/not found/i);
    expect(activeKeyUrl(svc, t.des.id)).toBe(t.key.versionIds[0]);
    expect(svc.emulator.log.entries().filter((e) => e.method === "PATCH")).toEqual([]);
  });

  it("is refused when the HSM has no purge protection, read from its managedHSMs resource", async () => {
    const t = tenant({ purgeProtection: false });
    const svc = createMemoryService(t.tenant);
    const action = await rotate(svc, t, t.des);
    expect(action).toMatchObject({ action: "refuse", codes: ["VaultPurgeProtectionDisabled"] });
    expect(action.reason).toContain(
      `Managed HSM ${t.hsm.id} has purge protection off; disk encryption set ${t.des.id} requires it. Enable purge protection (az keyvault update-hsm --hsm-name hsm-cmk --resource-group rg-keys --enable-purge-protection true).`,
    );
  });
});

describe("AI services on Managed HSM keys", () => {
  it("stay refused with KeyStoreNotSupported, even with the role granted", async () => {
    const t = tenant();
    const svc = createMemoryService(t.tenant);
    const action = await rotate(svc, t, t.openai);
    expect(action).toMatchObject({ action: "refuse", status: "skipped", codes: ["KeyStoreNotSupported"] });
    expect(svc.emulator.log.entries().filter((e) => e.method === "PATCH")).toEqual([]);
  });
});

describe("scan over Managed HSM consumers", () => {
  async function scan(t: ReturnType<typeof tenant>) {
    const svc = createMemoryService(t.tenant);
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
    return builder.build();
  }
  const countsOf = (report: Awaited<ReturnType<typeof scan>>, type: string) =>
    report.byResourceType.find((g) => g.key === type)?.counts;

  it("judges them from the HSM's facts: compliant set, at-risk AI account", async () => {
    const report = await scan(tenant());
    expect(countsOf(report, "Microsoft.Compute/diskEncryptionSets")).toMatchObject({
      resources: 1,
      compliant: 1,
      undetermined: 0,
    });
    expect(countsOf(report, "Microsoft.CognitiveServices/accounts")).toMatchObject({
      resources: 1,
      atRisk: 1,
      undetermined: 0,
    });
    expect(report.findings.map((f) => [f.resourceId.split("/").pop(), f.code])).toEqual([
      ["oai-hsm", "CmkNextRotationRefused"],
    ]);
  });

  it("reports a set whose identity lacks the HSM role at risk", async () => {
    const report = await scan(tenant({ desRole: false }));
    expect(countsOf(report, "Microsoft.Compute/diskEncryptionSets")).toMatchObject({
      atRisk: 1,
      undetermined: 0,
    });
  });

  it("reports it undetermined, naming HsmRoleAssignmentsUnreadable, when the HSM will not show its role assignments", async () => {
    const report = await scan(tenant({ serviceReader: false }));
    expect(countsOf(report, "Microsoft.Compute/diskEncryptionSets")).toMatchObject({
      undetermined: 1,
      compliant: 0,
    });
    expect(JSON.stringify(report)).toContain("HsmRoleAssignmentsUnreadable");
  });
});

describe("replaying a Managed HSM key event", () => {
  function delivery(t: ReturnType<typeof tenant>): unknown[] {
    const version = t.key.versions[1] ?? "";
    return [
      {
        id: "evt-hsm-new-version",
        topic: t.hsm.id,
        subject: "cmk",
        eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
        eventTime: "2026-11-22T11:59:00Z",
        dataVersion: "1",
        metadataVersion: "1",
        data: {
          Id: t.key.versionIds[1],
          VaultName: t.hsm.name,
          ObjectType: "Key",
          ObjectName: "cmk",
          Version: version,
        },
      },
    ];
  }

  async function replay(t: ReturnType<typeof tenant>) {
    const svc = createMemoryService(t.tenant);
    const { events, errors } = decodeDelivery(delivery(t), { filterByScope: false });
    expect(errors).toEqual([]);
    const planned = await handleEvents(events, errors, svc.ctx, { preview: false });
    const drained = await svc.drain();
    return { svc, planned, drained };
  }

  it("plans and applies it: every consumer judged, the set moved, nothing retried or poisoned", async () => {
    const t = tenant();
    const { svc, planned, drained } = await replay(t);
    expect(planned.errors).toEqual([]);
    expect(drained).toMatchObject({ failedAttempts: 0, poisoned: 0 });
    const byName = Object.fromEntries(
      svc.workerActions.map((a): [string, unknown[]] => [
        a.resourceId.split("/").pop() ?? "",
        [a.action, a.status, a.codes ?? []],
      ]),
    );
    expect(byName).toEqual({
      "des-hsm": ["rotate-key", "applied", []],
      "oai-hsm": ["refuse", "skipped", ["KeyStoreNotSupported"]],
    });
    expect(activeKeyUrl(svc, t.des.id)).toBe(t.key.versionIds[1]);
  });

  it("refuses once with a ticket when the HSM hides its role assignments: no retries, no poison", async () => {
    const t = tenant({ serviceReader: false });
    const { svc, drained } = await replay(t);
    expect(drained).toMatchObject({ failedAttempts: 0, poisoned: 0 });
    const des = svc.workerActions.find((a) => a.resourceId === t.des.id);
    expect(des).toMatchObject({
      action: "refuse",
      status: "skipped",
      codes: ["HsmRoleAssignmentsUnreadable"],
    });
  });
});

describe("turning on automatic rotation of a set on a Managed HSM key (CMKR_DES_AUTO_ROTATION=enable)", () => {
  const evaluate = (id: string): EvaluateJob =>
    resourceWriteJob(id, "Microsoft.Compute/diskEncryptionSets", {
      jobId: "job-hsm-auto",
      eventId: "evt-hsm-auto",
      correlationId: "corr-hsm-auto",
    });
  const autoRotation = (svc: MemoryService, id: string): unknown =>
    (
      svc.emulator.toTenantFile().resources.find((r) => r.id === id)?.properties as
        { rotationToLatestKeyVersionEnabled?: unknown } | undefined
    )?.rotationToLatestKeyVersionEnabled;

  it("is written when the newest version passes the proof, access read from the HSM's local RBAC", async () => {
    const t = tenant();
    const svc = createMemoryService(t.tenant, { env: { CMKR_DES_AUTO_ROTATION: "enable" } });
    await evaluateJob(evaluate(t.des.id), svc.ctx);
    expect(autoRotation(svc, t.des.id)).toBe(true);
  });

  it("is not written when the HSM will not show its role assignments, and the reason says so", async () => {
    const t = tenant({ serviceReader: false });
    const svc = createMemoryService(t.tenant, { env: { CMKR_DES_AUTO_ROTATION: "enable" } });
    const actions = await evaluateJob(evaluate(t.des.id), svc.ctx);
    expect(autoRotation(svc, t.des.id)).toBe(false);
    expect(JSON.stringify(actions)).toContain("HsmRoleAssignmentsUnreadable");
    expect(JSON.stringify(actions)).not.toMatch(/was not found/);
  });
});
