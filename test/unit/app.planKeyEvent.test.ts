import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { planKeyEvent, type PlannerDeps } from "../../src/app/planKeyEvent.js";
import type { KeyVaultKeyEvent, KeyVaultKeyEventKind } from "../../src/core/events/domainEvents.js";
import { batchJobs } from "../../src/app/keyEventFanOut.js";
import { handlePoisonJob, runJob } from "../../src/app/runJob.js";
import { decodeJob, type RotateBatchJob, type RotateJob } from "../../src/core/jobs/job.js";
import type { ReportAction } from "../../src/core/report/report.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";

/** Three consumers of one key (two subscriptions), and a consumer of another key. */
function tenant() {
  const b = new TenantBuilder({ seed: "plan-key-event" });
  const prod = b.subscription(b.ids.guid("subscription"), "prod");
  const dev = b.subscription(b.ids.guid("subscription"), "dev");
  const vault = b.vault({ subscriptionId: prod, resourceGroup: "rg-keys", name: "kv-plan" });
  const key = b.key(vault, "cmk", [
    { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
    { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-06-01T00:00:00Z" },
    { createdOn: "2026-11-21T00:00:00Z", expiresOn: "2028-09-01T00:00:00Z" },
  ]);
  const other = b.key(vault, "other", [{ createdOn: "2026-01-01T00:00:00Z" }]);
  const des = b.diskEncryptionSet({
    subscriptionId: prod,
    resourceGroup: "rg-compute",
    name: "des-plan",
    keyUrl: key.versionIds[0]!,
    sourceVaultId: vault.id,
  });
  const openai = b.aiServicesAccount({
    subscriptionId: dev,
    resourceGroup: "rg-ai",
    name: "aoai-plan",
    kind: "OpenAI",
    cmk: { vaultUrl: vault.url, keyName: "cmk", keyVersion: key.versions[0]! },
  });
  const ml = b.mlWorkspace({
    subscriptionId: prod,
    resourceGroup: "rg-ml",
    name: "mlw-plan",
    cmk: { vaultId: vault.id, keyId: key.versionIds[1]! },
  });
  b.diskEncryptionSet({
    subscriptionId: prod,
    resourceGroup: "rg-compute",
    name: "des-other-key",
    keyUrl: other.versionIds[0]!,
    sourceVaultId: vault.id,
  });
  return { tenant: b.build(), vault, key, dev, consumers: [des.id, openai.id, ml.id] };
}

type Fixture = ReturnType<typeof tenant>;

function event(f: Fixture, kind: KeyVaultKeyEventKind, index: number, eventId?: string): KeyVaultKeyEvent {
  const version = f.key.versions[index]!;
  return {
    kind,
    eventId: eventId ?? `evt-${kind}-${index}`,
    eventTime: new Date("2026-11-22T11:59:00Z"),
    schema: "EventGrid",
    vaultArmId: f.vault.id,
    vaultName: f.vault.name,
    vaultUrl: f.key.vaultUrl,
    keyName: f.key.name,
    version,
    keyId: `${f.key.id}/${version}`,
    subject: f.key.name,
  };
}

function planner(svc: MemoryService, dryRun = false): PlannerDeps {
  const { ctx } = svc;
  return {
    port: ctx.port,
    ledger: ctx.ledger,
    queue: ctx.queue,
    scope: ctx.scope,
    resolveScope: ctx.resolveScope,
    now: ctx.now,
    dryRun,
  };
}

/**
 * Runs the queued plan pages as the worker would, taking the consumer batches they queue off the
 * queue: what the planning of the deliveries so far queued for the worker to rotate.
 */
async function planQueued(svc: MemoryService) {
  const batches: RotateBatchJob[] = [];
  const pageActions: ReportAction[] = [];
  for (;;) {
    const messages = svc.queue.receive(32, 60_000);
    if (messages.length === 0) break;
    for (const m of messages) {
      const job = decodeJob(m.messageText);
      if (job.kind === "plan-key-event") pageActions.push(...(await runJob(job, svc.ctx)));
      else if (job.kind === "rotate-batch") batches.push(job);
      else throw new Error(`unexpected ${job.kind} job`);
      svc.queue.delete(m);
    }
  }
  const jobs: RotateJob[] = batches.flatMap((b) => batchJobs(b));
  return { batches, jobs, pageActions };
}

interface Step {
  kind: KeyVaultKeyEventKind;
  version: number;
  eventId?: string;
  dryRun?: boolean;
  /** Consumer jobs this delivery's planning queues. */
  queues: number;
}

const sequences: { name: string; steps: Step[] }[] = [
  {
    name: "a new version queues one job per consumer of the key, none for another key's",
    steps: [{ kind: "KeyNewVersionCreated", version: 2, queues: 3 }],
  },
  {
    name: "the same event delivered again queues nothing",
    steps: [
      { kind: "KeyNewVersionCreated", version: 2, queues: 3 },
      { kind: "KeyNewVersionCreated", version: 2, queues: 0 },
    ],
  },
  {
    name: "a redelivery under another event id queues nothing",
    steps: [
      { kind: "KeyNewVersionCreated", version: 2, eventId: "first", queues: 3 },
      { kind: "KeyNewVersionCreated", version: 2, eventId: "second", queues: 0 },
    ],
  },
  {
    name: "an expiry event for the same version is other work",
    steps: [
      { kind: "KeyNewVersionCreated", version: 2, queues: 3 },
      { kind: "KeyNearExpiry", version: 2, queues: 3 },
      { kind: "KeyNearExpiry", version: 2, queues: 0 },
    ],
  },
  {
    name: "a newer version is other work",
    steps: [
      { kind: "KeyNewVersionCreated", version: 1, queues: 3 },
      { kind: "KeyNewVersionCreated", version: 2, queues: 3 },
    ],
  },
  {
    name: "dry-run jobs dedupe apart from live ones, so going live plans again",
    steps: [
      { kind: "KeyNewVersionCreated", version: 2, dryRun: true, queues: 3 },
      { kind: "KeyNewVersionCreated", version: 2, dryRun: true, queues: 0 },
      { kind: "KeyNewVersionCreated", version: 2, queues: 3 },
    ],
  },
];

describe("planKeyEvent over the in-memory ledger and queue, consumers found through Resource Graph", () => {
  // Changed with the background fan-out (issue 17): the event answers with one action for the
  // key (queued or duplicate) and one plan job; the consumers are queued by the worker's plan page.
  it.each(sequences)("$name", async ({ steps }) => {
    const f = tenant();
    const svc = createMemoryService(f.tenant);
    const all: RotateJob[] = [];
    for (const step of steps) {
      const report = await planKeyEvent(
        event(f, step.kind, step.version, step.eventId),
        planner(svc, step.dryRun),
      );
      // The answer is O(1): one plan job, or nothing for a duplicate.
      expect(svc.queue.size).toBe(step.queues === 0 ? 0 : 1);
      expect(report.actions).toEqual([
        expect.objectContaining(
          step.queues === 0
            ? {
                action: "none",
                status: "skipped",
                reason: expect.stringContaining("duplicate event") as unknown,
              }
            : { action: "rotate-key", status: "planned" },
        ),
      ]);
      const { jobs } = await planQueued(svc);
      expect(jobs.map((j) => j.resourceId).sort()).toEqual(step.queues === 0 ? [] : [...f.consumers].sort());
      for (const j of jobs) {
        expect(j).toMatchObject({
          kind: "rotate",
          trigger: step.kind,
          keyId: `${f.key.id}/${f.key.versions[step.version]}`,
        });
        expect(j.dryRun === true).toBe(step.dryRun === true);
      }
      all.push(...jobs);
    }
    // One job per consumer and work item.
    expect(new Set(all.map((j) => j.dedupeKey)).size).toBe(all.length);
  });

  it("spells each consumer's type the registry's way, though Resource Graph answers in lower case", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant);
    await planKeyEvent(event(f, "KeyNewVersionCreated", 2), planner(svc));
    const { jobs } = await planQueued(svc);
    expect(jobs.map((j) => j.resourceType).sort()).toEqual([
      "Microsoft.CognitiveServices/accounts",
      "Microsoft.Compute/diskEncryptionSets",
      "Microsoft.MachineLearningServices/workspaces",
    ]);
  });

  it("two deliveries of one event at once queue its fan-out once", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant);
    const reports = await Promise.all([
      planKeyEvent(event(f, "KeyNewVersionCreated", 2, "a"), planner(svc)),
      planKeyEvent(event(f, "KeyNewVersionCreated", 2, "b"), planner(svc)),
    ]);
    expect(svc.queue.size).toBe(1);
    expect(reports.flatMap((r) => r.actions).filter((a) => a.status === "planned")).toHaveLength(1);
    expect((await planQueued(svc)).jobs).toHaveLength(3);
  });

  it("a consumer that gave up is planned again by the next delivery of its event; those done are not rotated again", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant);
    await planKeyEvent(event(f, "KeyNewVersionCreated", 2), planner(svc));
    const { batches, jobs } = await planQueued(svc);
    const [batch] = batches;
    const [failing, ...done] = jobs;
    if (batch === undefined || failing === undefined) throw new Error("expected a batch");
    for (const j of done) {
      expect(await svc.ctx.ledger.startJob(j.claimGroup, j.dedupeKey, j.resourceId, 60_000)).toBe("started");
      await svc.ctx.ledger.finishJob(j.claimGroup, j.dedupeKey, "done");
    }
    // The batch gave up: only the consumer not done is failed and ticketed.
    await handlePoisonJob(batch, svc.ctx, "boom");
    expect(
      (await svc.ctx.ledger.listJobs(failing.claimGroup)).map((r) => [r.resourceId, r.state]).sort(),
    ).toEqual([[failing.resourceId, "failed"], ...done.map((j) => [j.resourceId, "done"])].sort());
    expect((await svc.ctx.ledger.listTicketRequests()).map((t) => t.resourceId)).toEqual([
      failing.resourceId,
    ]);

    const again = await planKeyEvent(event(f, "KeyNewVersionCreated", 2), planner(svc));
    expect(again.actions).toEqual([expect.objectContaining({ status: "planned" })]);
    await svc.drain();
    const duplicate = (x: ReportAction) => x.reason === "this job was completed before (duplicate message)";
    const ran = svc.workerActions.filter((x) => x.resourceId !== again.actions[0]?.resourceId);
    expect(
      ran
        .filter(duplicate)
        .map((x) => x.resourceId)
        .sort(),
    ).toEqual(done.map((j) => j.resourceId).sort());
    expect(ran.filter((x) => !duplicate(x)).map((x) => x.resourceId)).toEqual([failing.resourceId]);
  });

  it("consumers outside the configured scope are never queued", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant, { env: { CMKR_SCOPE_SUBSCRIPTIONS: f.dev } });
    await planKeyEvent(event(f, "KeyNewVersionCreated", 2), planner(svc));
    const inDev = f.consumers.filter((id) => id.includes(f.dev));
    expect(inDev).toHaveLength(1);
    const { jobs } = await planQueued(svc);
    expect(jobs.map((j) => j.resourceId)).toEqual(inDev);
  });

  it("walks every Resource Graph page, one plan job each, with the consumers in batches of the setting's size", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant, { pageSize: 2 });
    const ctx = { ...svc.ctx, fanOutBatchSize: 2 };
    await planKeyEvent(event(f, "KeyNewVersionCreated", 2), planner(svc));
    const pages: number[] = [];
    const consumers: string[] = [];
    const sizes: number[] = [];
    for (;;) {
      const messages = svc.queue.receive(32, 60_000);
      if (messages.length === 0) break;
      for (const m of messages) {
        const job = decodeJob(m.messageText);
        if (job.kind === "plan-key-event") {
          pages.push(job.page);
          await runJob(job, ctx);
        } else if (job.kind === "rotate-batch") {
          sizes.push(job.consumers.length);
          consumers.push(...job.consumers.map((c) => c.id));
        }
        svc.queue.delete(m);
      }
    }
    expect(pages).toEqual([1, 2]);
    expect(sizes.sort()).toEqual([1, 2]);
    expect(consumers.sort()).toEqual([...f.consumers].sort());
  });
});
