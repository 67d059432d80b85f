import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import type { ArmResource } from "@cmkr/azure-emulator";
import { describe, expect, it } from "vitest";
import { handleEvents } from "../../src/app/handleEvents.js";
import { planKeyEvent } from "../../src/app/planKeyEvent.js";
import { decodeJob } from "../../src/core/jobs/job.js";
import { runJob } from "../../src/app/runJob.js";
import { remediateKey, remediateResource } from "../../src/app/remediate.js";
import { runSweep } from "../../src/app/sweep.js";
import type { Evaluation } from "../../src/core/findings/finding.js";
import type { KeyVaultKeyEvent } from "../../src/core/events/domainEvents.js";
import type { ConsumerRow, RotationPort } from "../../src/core/ports/rotationPort.js";
import type { ReportAction } from "../../src/core/report/report.js";
import { createMemoryService } from "../support/memoryService.js";

/*
 * One resource of an unexpected shape never aborts a run nor loses the others' results: it becomes
 * a failed action naming the resource and the field (or, in the scan, an undetermined resource
 * naming the field). Each case feeds malformed resources among good ones, through the real SDK
 * clients against the emulator and the in-memory ledger and queue.
 */

const versions = [
  { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
  { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-06-01T00:00:00Z" },
];

function tenant() {
  const b = new TenantBuilder({ seed: "isolation" });
  const sub = b.subscription(b.ids.guid("subscription"), "prod");
  const vault = b.vault({ subscriptionId: sub, resourceGroup: "rg-keys", name: "kv-iso" });
  const key = b.key(vault, "cmk", versions);
  const oddVault = b.vault({ subscriptionId: sub, resourceGroup: "rg-keys", name: "kv-odd" });
  const oddKey = b.key(oddVault, "cmk-odd", versions);
  const des = (name: string, k = key, v = vault) => {
    const set = b.diskEncryptionSet({
      subscriptionId: sub,
      resourceGroup: "rg-des",
      name,
      keyUrl: k.versionIds[0] ?? "",
      sourceVaultId: v.id,
      autoRotation: false,
    });
    b.grantKeyAccess(v, set.principalId ?? "");
    return set;
  };
  const good = des("des-good");
  const oddIdentity = des("des-odd-identity");
  const oddKeyUrl = des("des-odd-keyurl");
  const onOddVault = des("des-on-odd-vault", oddKey, oddVault);
  const account = b.aiServicesAccount({
    subscriptionId: sub,
    resourceGroup: "rg-ai",
    name: "aoai-good",
    kind: "OpenAI",
    cmk: { vaultUrl: vault.url, keyName: "cmk", keyVersion: key.versions[0] ?? "" },
  });
  b.grantKeyAccess(vault, account.principalId ?? "");
  const oddEncryption = b.aiServicesAccount({
    subscriptionId: sub,
    resourceGroup: "rg-ai",
    name: "aoai-odd-encryption",
    kind: "OpenAI",
  });
  const built = b.build();
  const body = (id: string): ArmResource => {
    const found = built.resources.find((r) => r.id === id);
    if (found === undefined) throw new Error(`no ${id}`);
    return found;
  };
  // Shapes ARM never writes.
  body(oddIdentity.id).identity = { type: "SystemAssigned", principalId: 42 };
  (body(oddKeyUrl.id).properties as { activeKey: Record<string, unknown> }).activeKey.keyUrl = 42;
  (body(oddEncryption.id).properties as Record<string, unknown>).encryption = "x";
  (body(oddVault.id).properties as Record<string, unknown>).networkAcls = { defaultAction: "Sometimes" };
  return {
    tenant: built,
    sub,
    vault,
    key,
    oddVault,
    oddKey,
    good,
    oddIdentity,
    oddKeyUrl,
    onOddVault,
    account,
    oddEncryption,
  };
}

type T = ReturnType<typeof tenant>;

function keyEvent(t: T, which: "good" | "odd"): KeyVaultKeyEvent {
  const key = which === "good" ? t.key : t.oddKey;
  const vault = which === "good" ? t.vault : t.oddVault;
  const version = key.versions[1] ?? "";
  return {
    kind: "KeyNewVersionCreated",
    eventId: `evt-${which}`,
    eventTime: new Date("2026-11-22T11:59:00Z"),
    schema: "EventGrid",
    vaultArmId: vault.id,
    vaultName: vault.name,
    vaultUrl: key.vaultUrl,
    keyName: key.name,
    version,
    keyId: `${key.id}/${version}`,
    subject: key.name,
  };
}

/** The real Azure adapter, with one row of a shape Resource Graph should never return added to each page. */
function withOddRow(port: RotationPort, sub: string): RotationPort {
  return {
    ...port,
    async *findConsumers(key, scope) {
      for await (const page of port.findConsumers(key, scope))
        yield [
          ...page,
          {
            id: 42,
            type: "Microsoft.Compute/diskEncryptionSets",
            subscriptionId: sub,
          } as unknown as ConsumerRow,
        ];
    },
    async findConsumersPage(key, scope, skipToken) {
      const page = await port.findConsumersPage(key, scope, skipToken);
      return {
        ...page,
        rows: [
          ...page.rows,
          {
            id: 42,
            type: "Microsoft.Compute/diskEncryptionSets",
            subscriptionId: sub,
          } as unknown as ConsumerRow,
        ],
      };
    },
  };
}

const byName = (actions: readonly ReportAction[]) =>
  Object.fromEntries(actions.map((a) => [a.resourceId.split("/").pop() ?? a.resourceId, a]));

describe("isolation: a resource of an unexpected shape among good ones", () => {
  it("the sweep judges every resource; the odd ones are undetermined or found, naming the field", async () => {
    const t = tenant();
    const svc = createMemoryService(t.tenant);
    const seen = new Map<string, Evaluation>();
    const result = await runSweep(svc.ctx, {
      mode: "scan",
      onEvaluation: (e) => seen.set(e.resourceId.split("/").pop() ?? "", e),
    });
    expect(result.resourcesSeen).toBe(
      t.tenant.resources.filter((r) => !r.type.includes("roleAssignments")).length,
    );
    expect(seen.get("des-good")?.compliant).toBe(true);
    expect(seen.get("aoai-good")?.compliant).toBe(true);
    expect(seen.get("des-odd-identity")?.undetermined).toEqual({
      reason: expect.stringContaining("des-odd-identity: field identity.principalId") as unknown,
      field: "identity.principalId",
    });
    const keyUrl = seen.get("des-odd-keyurl")?.findings[0];
    expect(keyUrl?.code).toBe("CmkKeyReferenceInvalid");
    expect(keyUrl?.body).toContain("`properties.activeKey.keyUrl` (42)");
    expect(seen.get("aoai-odd-encryption")?.findings.map((f) => f.code)).toEqual([
      "AiServicesMicrosoftManagedKey",
    ]);
    expect(seen.get("des-on-odd-vault")?.undetermined?.reason).toMatch(
      /kv-odd\.vault\.azure\.net could not be read: ArmFactsInvalid: .*kv-odd: properties\.networkAcls\.defaultAction/,
    );
  });

  it("the key-event planner queues the good consumers and reports the odd row; the worker fails only the odd resource", async () => {
    const t = tenant();
    // Unstaged: the plan page queues every good consumer at once (staging holds later waves back,
    // stagedRollout.test.ts).
    const svc = createMemoryService(t.tenant, { env: { CMKR_ROLLOUT_WAVES: "*" } });
    const planned = await planKeyEvent(keyEvent(t, "good"), svc.ctx);
    expect(planned.actions).toEqual([expect.objectContaining({ status: "planned" })]);
    // The event's plan page, run by the worker while Resource Graph returns an odd row.
    const plan = decodeJob(svc.queue.peekTexts()[0] ?? "");
    const pageActions = await runJob(plan, { ...svc.ctx, port: withOddRow(svc.ctx.port, t.sub) });
    const odd = pageActions.find((a) => a.status === "failed");
    expect(odd).toMatchObject({
      resourceId: "42",
      reason: expect.stringMatching(/field id: expected a non-empty string, got 42/) as unknown,
      codes: ["ArmFactsInvalid"],
    });
    expect(
      svc.queue
        .peekTexts()
        .map((text) => decodeJob(text))
        .flatMap((j) => (j.kind === "rotate-batch" ? j.consumers.map((c) => c.id.split("/").pop()) : []))
        .sort(),
    ).toEqual(["aoai-good", "des-good", "des-odd-identity"]);
    // The odd vault's consumer, through its own key event: the worker cannot read the vault.
    await planKeyEvent(keyEvent(t, "odd"), svc.ctx);
    const result = await svc.drain();
    expect(result.poisoned).toBe(0);
    const done = byName(svc.workerActions);
    expect(done["des-good"]).toMatchObject({ action: "rotate-key", status: "applied" });
    expect(done["aoai-good"]).toMatchObject({ action: "rotate-key", status: "applied" });
    expect(done["des-odd-identity"]).toMatchObject({
      action: "refuse",
      reason: expect.stringContaining("identity.principalId") as unknown,
    });
    expect(done["des-on-odd-vault"]).toMatchObject({
      action: "none",
      status: "failed",
      codes: ["ArmFactsInvalid"],
      reason: expect.stringMatching(
        /vaults\/kv-odd: field properties\.networkAcls\.defaultAction/,
      ) as unknown,
    });
    // Recorded once, not retried into the poison queue: no "failed repeatedly" ticket.
    const recorded = await svc.ctx.ledger.listActions(t.onOddVault.id);
    expect(recorded).toEqual([expect.objectContaining({ status: "failed", codes: ["ArmFactsInvalid"] })]);
    expect((await svc.ctx.ledger.listTicketRequests()).map((r) => r.findingCode)).not.toContain(
      "RotationFailed",
    );
  });

  it("a replayed batch (preview) keeps every event's results: the odd vault's consumer is one failed action", async () => {
    const t = tenant();
    const svc = createMemoryService(t.tenant);
    const report = await handleEvents([keyEvent(t, "odd"), keyEvent(t, "good")], [], svc.ctx, {
      preview: true,
    });
    const done = byName(report.actions);
    expect(done["des-on-odd-vault"]).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("field properties.networkAcls.defaultAction") as unknown,
    });
    expect(done["des-good"]).toMatchObject({ action: "rotate-key", status: "planned" });
    expect(done["aoai-good"]).toMatchObject({ action: "rotate-key", status: "planned" });
  });

  it("remediate by key moves the good consumers, reports the odd row, and records the odd vault's consumer as failed", async () => {
    const t = tenant();
    const svc = createMemoryService(t.tenant);
    const report = await remediateKey(
      t.key.id,
      { ...svc.ctx, port: withOddRow(svc.ctx.port, t.sub) },
      { apply: true },
    );
    const done = byName(report.actions);
    expect(done["42"]).toMatchObject({ status: "failed", codes: ["ArmFactsInvalid"] });
    expect(done["des-good"]).toMatchObject({ action: "rotate-key", status: "applied" });
    expect(done["aoai-good"]).toMatchObject({ action: "rotate-key", status: "applied" });
    const odd = await remediateKey(t.oddKey.id, svc.ctx, { apply: true });
    expect(odd.actions).toEqual([
      expect.objectContaining({
        resourceId: t.onOddVault.id,
        status: "failed",
        reason: expect.stringContaining("field properties.networkAcls.defaultAction") as unknown,
      }),
    ]);
    expect(await svc.ctx.ledger.listActions(t.onOddVault.id)).toEqual([
      expect.objectContaining({ status: "failed", codes: ["ArmFactsInvalid"] }),
    ]);
  });

  it("remediating one resource of an unexpected shape in enforce mode is a failed action naming the field", async () => {
    const t = tenant();
    const svc = createMemoryService(t.tenant, {
      env: { CMKR_AI_SERVICES_MODE: "enforce", CMKR_ENFORCE_KEYS: `westeurope=${t.key.versionIds[1] ?? ""}` },
    });
    const report = await remediateResource(t.oddEncryption.id, svc.ctx, { apply: true });
    expect(report.actions).toEqual([
      expect.objectContaining({
        resourceId: t.oddEncryption.id,
        action: "none",
        status: "failed",
        codes: ["ArmFactsInvalid"],
        reason: `${t.oddEncryption.id}: field properties.encryption: Invalid input: expected object, received string`,
      }),
    ]);
  });
});
