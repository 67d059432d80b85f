import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { handleEvents } from "../../src/app/handleEvents.js";
import type { KeyVaultKeyEvent } from "../../src/core/events/domainEvents.js";
import type { Job, RotateBatchJob } from "../../src/core/jobs/job.js";
import { rolloutIdFor } from "../../src/core/rollout/rolloutState.js";
import { remediateKey } from "../../src/app/remediate.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";

/** One key with four disk encryption sets and two Azure OpenAI accounts on its first version. */
function fleet(options: { noAccess?: readonly string[] } = {}) {
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
    if (!(options.noAccess ?? []).includes(c.id.split("/").pop() ?? ""))
      b.grantKeyAccess(vault, c.principalId ?? "");
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

/** Every job put on the queue from now on, in order (the wrapper keeps the queue's own behaviour). */
function recordQueue(svc: MemoryService): Job[] {
  const sent: Job[] = [];
  const enqueue = svc.queue.enqueue.bind(svc.queue);
  svc.queue.enqueue = async (jobs, options) => {
    sent.push(...jobs);
    await enqueue(jobs, options);
  };
  return sent;
}

/** The rollout batches sent for one wave, with their consumers. */
const batchesOf = (sent: readonly Job[], wave: number): RotateBatchJob[] =>
  sent.filter((j): j is RotateBatchJob => j.kind === "rotate-batch" && j.wave === wave);
const idsOf = (batches: readonly RotateBatchJob[]): string[] =>
  batches.flatMap((b) => b.consumers.map((c) => c.id));

describe("staged rollout of a new key version, over the fan-out (SDK clients against the emulator)", () => {
  it("the event is answered after O(1) work; plan pages queue one consumer of each type and hold the rest", async () => {
    const f = fleet();
    const svc = createMemoryService(f.tenant);
    const sent = recordQueue(svc);
    const report = await handleEvents([f.event], [], svc.ctx, { preview: false });
    // The answer: one action for the key, one plan message, no rollout yet.
    expect(report.actions).toHaveLength(1);
    expect(sent.map((j) => j.kind)).toEqual(["plan-key-event"]);
    const rolloutId = rolloutIdFor(f.newKeyId);
    expect(await svc.ctx.ledger.getRollout(rolloutId)).toBeUndefined();

    await svc.drain();
    const first = batchesOf(sent, 0);
    expect(first.flatMap((b) => b.consumers.map((c) => c.type)).sort()).toEqual([
      "Microsoft.CognitiveServices/accounts",
      "Microsoft.Compute/diskEncryptionSets",
    ]);
    expect(first.every((b) => b.rollout === rolloutId)).toBe(true);
    expect(idsOf(batchesOf(sent, 1))).toHaveLength(4);
    expect(new Set([...idsOf(first), ...idsOf(batchesOf(sent, 1))]).size).toBe(6);
    // Only once the first wave read back the new version did the second wave reach the queue.
    const keys = await currentKeys(svc, f);
    expect(moved(keys, f.event.version)).toHaveLength(6);
    const rotations = svc.workerActions.filter((a) => a.action === "rotate-key" && a.status === "applied");
    expect(rotations).toHaveLength(6);
    const firstWave = new Set(idsOf(first));
    expect(rotations.slice(0, 2).every((a) => firstWave.has(a.resourceId))).toBe(true);
    expect(rotations.slice(2).every((a) => !firstWave.has(a.resourceId))).toBe(true);
    expect((await svc.ctx.ledger.getRollout(rolloutId))?.rollout).toMatchObject({
      state: "done",
      wave: 1,
      sentWave: 1,
      planned: true,
      assigned: [2, 4, 0],
      ok: [2, 0, 0],
    });
  });

  it("a first-wave write that fails stops the rest and opens one ticket for the key version", async () => {
    const f = fleet();
    const svc = createMemoryService(f.tenant);
    const sent = recordQueue(svc);
    // Every write to a disk encryption set fails: the first wave's set retries, then gives up.
    for (const method of ["PATCH", "PUT"])
      svc.emulator.injectFault({
        status: 503,
        method,
        url: `diskEncryptionSets/des-\\d\\?`,
        retryAfterSeconds: 0,
      });
    await handleEvents([f.event], [], svc.ctx, { preview: false });

    const result = await svc.drain();
    expect(result.poisoned).toBe(1);
    const firstSet = idsOf(batchesOf(sent, 0)).find((id) => id.includes("diskEncryptionSets"))!;
    const keys = await currentKeys(svc, f);
    // The other first-wave consumer (the account) moved; no second-wave consumer was queued or touched.
    expect(moved(keys, f.event.version)).toHaveLength(1);
    expect(batchesOf(sent, 1)).toEqual([]);
    const rollout = (await svc.ctx.ledger.getRollout(rolloutIdFor(f.newKeyId)))?.rollout;
    expect(rollout).toMatchObject({ state: "halted", wave: 0, failed: [1, 0, 0] });
    expect(rollout?.reason).toContain(firstSet);
    const tickets = (await svc.ctx.ledger.listTicketRequests()).filter(
      (t) => t.findingCode === "RolloutHalted",
    );
    expect(tickets).toHaveLength(1);
    expect(tickets[0]?.resourceId).toBe(f.newKeyId.toLowerCase());
    expect(tickets[0]?.body).toContain("4 consumer(s) of later waves were not touched");
    expect(tickets[0]?.body).toContain(firstSet);

    // The sweep's catch-up does not move anyone to the halted version.
    const held = f.accounts.find(
      (id) => !keys.get(id)!.toLowerCase().endsWith(f.event.version.toLowerCase()),
    )!;
    await svc.ctx.queue.enqueue([
      {
        v: 1,
        kind: "rotate",
        jobId: "sweep-catch-up",
        dedupeKey: "sweep|rotate|test",
        claimGroup: "sweep|test",
        resourceId: held,
        resourceType: "Microsoft.CognitiveServices/accounts",
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
    expect(
      (await svc.ctx.ledger.listTicketRequests()).filter((t) => t.findingCode === "RolloutHalted"),
    ).toHaveLength(1);
  });

  it("a refusal by the proof is not a wave failure: the next wave is released", async () => {
    // Accounts whose identity cannot reach the key: the proof refuses them (a ticket, not a failure).
    const f = fleet({ noAccess: ["aoai-1", "aoai-2"] });
    const svc = createMemoryService(f.tenant, { env: { CMKR_ROLLOUT_WAVES: "per-type,*" } });
    const sent = recordQueue(svc);
    await handleEvents([f.event], [], svc.ctx, { preview: false });
    await svc.drain();
    const firstAccount = idsOf(batchesOf(sent, 0)).find((id) => id.includes("accounts"))!;
    const refused = svc.workerActions.filter((a) => a.resourceId === firstAccount);
    expect(refused[0]?.action).toBe("refuse");
    expect(idsOf(batchesOf(sent, 1))).toHaveLength(4);
    expect(moved(await currentKeys(svc, f), f.event.version)).toHaveLength(4);
    expect((await svc.ctx.ledger.getRollout(rolloutIdFor(f.newKeyId)))?.rollout).toMatchObject({
      state: "done",
    });
  });

  it("redelivered messages and a redelivered event queue nothing twice", async () => {
    const f = fleet();
    const svc = createMemoryService(f.tenant);
    const sent = recordQueue(svc);
    await handleEvents([f.event], [], svc.ctx, { preview: false });
    const again = await handleEvents([f.event], [], svc.ctx, { preview: false });
    expect(again.actions.every((a) => a.status === "skipped")).toBe(true);
    // Every message delivered twice: the plan page (assigns nothing again) and each batch.
    const enqueue = svc.queue.enqueue.bind(svc.queue);
    svc.queue.enqueue = async (jobs, options) => {
      await enqueue(jobs, options);
      for (const job of jobs) svc.queue.send(JSON.stringify(job));
    };
    for (const text of svc.queue.peekTexts()) svc.queue.send(text);
    await svc.drain({ concurrency: 4 });
    // The second wave was released once: its four consumers, each in one message.
    expect(idsOf(batchesOf(sent, 1)).sort()).toEqual([...new Set(idsOf(batchesOf(sent, 1)))].sort());
    expect(idsOf(batchesOf(sent, 1))).toHaveLength(4);
    const applied = svc.workerActions.filter((a) => a.status === "applied" && a.action === "rotate-key");
    expect(applied).toHaveLength(6);
    expect(new Set(applied.map((a) => a.resourceId)).size).toBe(6);
    expect((await svc.ctx.ledger.getRollout(rolloutIdFor(f.newKeyId)))?.rollout).toMatchObject({
      state: "done",
      ok: [2, 0, 0],
      assigned: [2, 4, 0],
    });
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

  it("stages over several plan pages (pages of 2, run concurrently): each wave released in order", async () => {
    const f = fleet();
    const svc = createMemoryService(f.tenant, { pageSize: 2, env: { CMKR_ROLLOUT_WAVES: "1,2,*" } });
    const sent = recordQueue(svc);
    await handleEvents([f.event], [], svc.ctx, { preview: false });
    await svc.drain({ concurrency: 8 });
    expect(sent.filter((j) => j.kind === "plan-key-event")).toHaveLength(3);
    const waves = [0, 1, 2].map((w) => idsOf(batchesOf(sent, w)));
    expect(waves.map((w) => w.length)).toEqual([1, 2, 3]);
    expect(new Set(waves.flat()).size).toBe(6);
    // Completion order follows the waves: nobody of a wave before everybody of the one before it.
    const order = svc.workerActions
      .filter((a) => a.action === "rotate-key" && a.status === "applied")
      .map((a) => waves.findIndex((w) => w.includes(a.resourceId)));
    expect(order).toEqual([0, 1, 1, 2, 2, 2]);
    expect(moved(await currentKeys(svc, f), f.event.version)).toHaveLength(6);
    expect((await svc.ctx.ledger.getRollout(rolloutIdFor(f.newKeyId)))?.rollout).toMatchObject({
      state: "done",
      wave: 2,
      pagesStored: 3,
      lastPage: 3,
      assigned: [1, 2, 3],
    });
  });

  it("waves `*` alone stage nothing: the consumers go out at once, with no rollout record", async () => {
    const f = fleet();
    const svc = createMemoryService(f.tenant, { env: { CMKR_ROLLOUT_WAVES: "*" } });
    const sent = recordQueue(svc);
    await handleEvents([f.event], [], svc.ctx, { preview: false });
    await svc.drain();
    const batches = sent.filter((j): j is RotateBatchJob => j.kind === "rotate-batch");
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((j) => j.rollout === undefined)).toBe(true);
    expect(await svc.ctx.ledger.getRollout(rolloutIdFor(f.newKeyId))).toBeUndefined();
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
