import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { handleEvents } from "../../src/app/handleEvents.js";
import type { KeyVaultKeyEvent } from "../../src/core/events/domainEvents.js";
import { decodeJob } from "../../src/core/jobs/job.js";
import { rolloutIdFor } from "../../src/core/rollout/rolloutState.js";
import { remediateKey } from "../../src/app/remediate.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";

/** One key with four disk encryption sets and two Azure OpenAI accounts on its first version. */
function fleet(options: { noAccess?: string } = {}) {
  const b = new TenantBuilder({ seed: "staged-rollout" });
  const sub = b.subscription(b.ids.guid("subscription"), "prod");
  const vault = b.vault({ subscriptionId: sub, resourceGroup: "rg-keys", name: "kv-waves" });
  const key = b.key(vault, "cmk", [
    { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
    { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-06-01T00:00:00Z" },
  ]);
  const sets = [1, 2, 3, 4].map((n) =>
    b.diskEncryptionSet({
      subscriptionId: sub,
      resourceGroup: "rg-compute",
      name: `des-${n}`,
      keyUrl: key.versionIds[0]!,
      sourceVaultId: vault.id,
    }),
  );
  const accounts = [1, 2].map((n) =>
    b.aiServicesAccount({
      subscriptionId: sub,
      resourceGroup: "rg-ai",
      name: `aoai-${n}`,
      kind: "OpenAI",
      cmk: { vaultUrl: vault.url, keyName: "cmk", keyVersion: key.versions[0]! },
    }),
  );
  for (const c of [...sets, ...accounts])
    if (c.id.split("/").pop() !== options.noAccess) b.grantKeyAccess(vault, c.principalId ?? "");
  const newVersion = key.versions[1]!;
  const event: KeyVaultKeyEvent = {
    kind: "KeyNewVersionCreated",
    eventId: "evt-new-version",
    eventTime: new Date("2026-11-22T11:59:00Z"),
    schema: "EventGrid",
    vaultArmId: vault.id,
    vaultName: vault.name,
    vaultUrl: key.vaultUrl,
    keyName: key.name,
    version: newVersion,
    keyId: `${key.id}/${newVersion}`,
    subject: key.name,
  };
  return {
    tenant: b.build(),
    sets: sets.map((c) => c.id),
    accounts: accounts.map((c) => c.id),
    event,
    newKeyId: `${key.id}/${newVersion}`,
    keyId: key.id,
  };
}

type Fleet = ReturnType<typeof fleet>;

/** The version URI each consumer reads back from ARM now. */
async function currentKeys(svc: MemoryService, f: Fleet): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of [...f.sets, ...f.accounts]) {
    const r = await svc.ctx.port.readResource(id);
    const props = r?.properties ?? {};
    const des = (props.activeKey as { keyUrl?: string } | undefined)?.keyUrl;
    const kv = (props.encryption as { keyVaultProperties?: { keyVersion?: string } } | undefined)
      ?.keyVaultProperties?.keyVersion;
    out.set(id, des ?? kv ?? "");
  }
  return out;
}

const moved = (keys: Map<string, string>, version: string): string[] =>
  [...keys].filter(([, k]) => k.toLowerCase().endsWith(version.toLowerCase())).map(([id]) => id);

describe("staged rollout of a new key version, over the queue (SDK clients against the emulator)", () => {
  it("queues one consumer of each type first and holds the rest in the ledger until they are confirmed", async () => {
    const f = fleet();
    const svc = createMemoryService(f.tenant);
    const report = await handleEvents([f.event], [], svc.ctx, { preview: false });

    const queued = svc.queue.peekTexts().map((t) => decodeJob(t));
    expect(queued.map((j) => j.resourceType).sort()).toEqual([
      "Microsoft.CognitiveServices/accounts",
      "Microsoft.Compute/diskEncryptionSets",
    ]);
    expect(report.actions.filter((a) => a.codes?.includes("RolloutHeld") === true)).toHaveLength(4);
    const rolloutId = rolloutIdFor(f.newKeyId);
    expect(await svc.ctx.ledger.getRollout(rolloutId)).toMatchObject({ state: "running", wave: 0, waves: 2 });
    const members = await svc.ctx.ledger.listRolloutMembers(rolloutId);
    expect(members.filter((m) => m.state === "held")).toHaveLength(4);

    // Only once the first wave reads back the new version does the second wave reach the queue.
    await svc.drain();
    const keys = await currentKeys(svc, f);
    expect(moved(keys, f.event.version)).toHaveLength(6);
    const rotations = svc.workerActions.filter((a) => a.action === "rotate-key" && a.status === "applied");
    expect(rotations).toHaveLength(6);
    const firstWave = new Set(queued.map((j) => j.resourceId));
    // Completion order: both first-wave consumers finished before any second-wave one.
    expect(rotations.slice(0, 2).every((a) => firstWave.has(a.resourceId))).toBe(true);
    expect(rotations.slice(2).every((a) => !firstWave.has(a.resourceId))).toBe(true);
    expect(await svc.ctx.ledger.getRollout(rolloutId)).toMatchObject({ state: "done", wave: 1 });
  });

  it("a first-wave write that fails stops the rest and opens one ticket for the key version", async () => {
    const f = fleet();
    const svc = createMemoryService(f.tenant);
    await handleEvents([f.event], [], svc.ctx, { preview: false });
    const firstSet = svc.queue
      .peekTexts()
      .map((t) => decodeJob(t))
      .find((j) => j.resourceType === "Microsoft.Compute/diskEncryptionSets");
    expect(firstSet).toBeDefined();
    // Every write to that set fails: the job retries, then gives up (poison queue).
    const name = firstSet!.resourceId.split("/").pop()!;
    svc.emulator.injectFault({
      status: 503,
      method: "PATCH",
      url: `diskEncryptionSets/${name}\\?`,
      retryAfterSeconds: 0,
    });
    svc.emulator.injectFault({
      status: 503,
      method: "PUT",
      url: `diskEncryptionSets/${name}\\?`,
      retryAfterSeconds: 0,
    });

    const result = await svc.drain();
    expect(result.poisoned).toBe(1);
    const keys = await currentKeys(svc, f);
    // The other first-wave consumer moved; no second-wave consumer was touched.
    expect(moved(keys, f.event.version)).toHaveLength(1);
    const rollout = await svc.ctx.ledger.getRollout(rolloutIdFor(f.newKeyId));
    expect(rollout).toMatchObject({ state: "halted", wave: 0 });
    expect(rollout?.reason).toContain(firstSet!.resourceId);
    const tickets = (await svc.ctx.ledger.listTicketRequests()).filter(
      (t) => t.findingCode === "RolloutHalted",
    );
    expect(tickets).toHaveLength(1);
    expect(tickets[0]?.resourceId).toBe(f.newKeyId.toLowerCase());
    expect(tickets[0]?.body).toContain("4 consumer(s) of later waves were not touched");

    // The sweep's catch-up does not move anyone to the halted version.
    const held = f.sets.find(
      (id) =>
        !keys.get(id)!.toLowerCase().endsWith(f.event.version.toLowerCase()) && id !== firstSet!.resourceId,
    )!;
    await svc.ctx.queue.enqueue([
      {
        v: 1,
        kind: "rotate",
        jobId: "sweep-catch-up",
        dedupeKey: "sweep|rotate|test",
        claimGroup: "sweep|test",
        resourceId: held,
        resourceType: "Microsoft.Compute/diskEncryptionSets",
        keyId: f.keyId,
        trigger: "Sweep",
        eventId: "sweep-run",
        correlationId: "sweep-run",
        enqueuedAt: "2026-11-22T12:00:00.000Z",
      },
    ]);
    await svc.drain();
    expect(svc.workerActions.at(-1)).toMatchObject({
      resourceId: held,
      status: "planned",
      codes: ["RolloutHalted"],
    });
    expect(moved(await currentKeys(svc, f), f.event.version)).toHaveLength(1);
  });

  it("a refusal by the proof is not a wave failure: the next wave is released", async () => {
    // An account whose identity cannot reach the key: the proof refuses it (a ticket, not a failure).
    const f = fleet({ noAccess: "aoai-1" });
    const svc = createMemoryService(f.tenant, { env: { CMKR_ROLLOUT_WAVES: "1,*" } });
    await handleEvents([f.event], [], svc.ctx, { preview: false });
    const [first] = svc.queue.peekTexts().map((t) => decodeJob(t));
    expect(first).toBeDefined();
    expect(first!.resourceId).toContain("aoai-1");
    await svc.drain();
    const actions = svc.workerActions.filter((a) => a.resourceId === first!.resourceId);
    expect(actions[0]?.action).toBe("refuse");
    expect(moved(await currentKeys(svc, f), f.event.version)).toHaveLength(5);
    expect(await svc.ctx.ledger.getRollout(rolloutIdFor(f.newKeyId))).toMatchObject({ state: "done" });
  });

  it("redelivered messages and a redelivered event queue nothing twice", async () => {
    const f = fleet();
    const svc = createMemoryService(f.tenant);
    await handleEvents([f.event], [], svc.ctx, { preview: false });
    // Every first-wave message delivered twice, and the event delivered again.
    for (const text of svc.queue.peekTexts()) svc.queue.send(text);
    const again = await handleEvents([f.event], [], svc.ctx, { preview: false });
    expect(again.actions.every((a) => a.status === "skipped")).toBe(true);
    const sent: string[] = [];
    const enqueue = svc.queue.enqueue.bind(svc.queue);
    svc.queue.enqueue = async (jobs, options) => {
      sent.push(...jobs.map((j) => j.resourceId));
      await enqueue(jobs, options);
    };
    await svc.drain({ concurrency: 4 });
    // The second wave was released once: four jobs, each once.
    expect(sent.sort()).toEqual([...new Set(sent)].sort());
    expect(sent).toHaveLength(4);
    const applied = svc.workerActions.filter((a) => a.status === "applied" && a.action === "rotate-key");
    expect(applied).toHaveLength(6);
    expect(new Set(applied.map((a) => a.resourceId)).size).toBe(6);
  });

  it("the pause between waves keeps the next wave invisible on the queue", async () => {
    const f = fleet();
    const svc = createMemoryService(f.tenant, { env: { CMKR_ROLLOUT_PAUSE_SECONDS: "1" } });
    await handleEvents([f.event], [], svc.ctx, { preview: false });
    const started = Date.now();
    await svc.drain();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(moved(await currentKeys(svc, f), f.event.version)).toHaveLength(6);
  });

  it("remediate-by-key moves the key's consumers in waves and stops after a failed wave", async () => {
    const f = fleet();
    const svc = createMemoryService(f.tenant, { env: { CMKR_ROLLOUT_WAVES: "per-type,*" } });
    // The first disk encryption set in wave order (by id) cannot be written.
    const first = [...f.sets].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1))[0]!;
    const name = first.split("/").pop()!;
    svc.emulator.injectFault({
      status: 503,
      method: "PATCH",
      url: `diskEncryptionSets/${name}\\?`,
      retryAfterSeconds: 0,
    });
    svc.emulator.injectFault({
      status: 503,
      method: "PUT",
      url: `diskEncryptionSets/${name}\\?`,
      retryAfterSeconds: 0,
    });
    const report = await remediateKey(f.keyId, svc.ctx, { apply: true });
    const byStatus = (status: string) => report.actions.filter((a) => a.status === status);
    expect(byStatus("failed").map((a) => a.resourceId)).toEqual([first]);
    expect(byStatus("applied").map((a) => a.resourceType)).toEqual(["Microsoft.CognitiveServices/accounts"]);
    expect(byStatus("planned")).toHaveLength(4);
    expect(byStatus("planned").every((a) => a.codes?.includes("RolloutHalted") === true)).toBe(true);
    expect(moved(await currentKeys(svc, f), f.event.version)).toHaveLength(1);
    const tickets = (await svc.ctx.ledger.listTicketRequests()).filter(
      (t) => t.findingCode === "RolloutHalted",
    );
    expect(tickets).toHaveLength(1);
  });
});
