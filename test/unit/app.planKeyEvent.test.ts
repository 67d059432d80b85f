import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { planKeyEvent, type PlannerDeps } from "../../src/app/planKeyEvent.js";
import type { KeyVaultKeyEvent, KeyVaultKeyEventKind } from "../../src/core/events/domainEvents.js";
import { decodeJob } from "../../src/core/jobs/job.js";
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

/** The jobs on the queue, as the worker will decode them. */
const queued = (svc: MemoryService) => svc.queue.peekTexts().map((text) => decodeJob(text));

interface Step {
  kind: KeyVaultKeyEventKind;
  version: number;
  eventId?: string;
  dryRun?: boolean;
  /** Jobs this delivery adds to the queue. */
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
  it.each(sequences)("$name", async ({ steps }) => {
    const f = tenant();
    const svc = createMemoryService(f.tenant);
    let total = 0;
    for (const step of steps) {
      const report = await planKeyEvent(
        event(f, step.kind, step.version, step.eventId),
        planner(svc, step.dryRun),
      );
      total += step.queues;
      expect(svc.queue.size).toBe(total);
      // Every consumer is reported: queued now, or skipped as a duplicate.
      expect(report.actions.map((a) => a.resourceId).sort()).toEqual([...f.consumers].sort());
      expect(report.actions.filter((a) => a.status === "planned")).toHaveLength(step.queues);
      if (step.queues === 0) {
        for (const a of report.actions)
          expect(a).toMatchObject({
            action: "none",
            status: "skipped",
            reason: expect.stringContaining("duplicate event") as unknown,
          });
      }
    }
    const jobs = queued(svc);
    // One job per consumer and work item, each for the event's key version and kind.
    expect(new Set(jobs.map((j) => j.dedupeKey)).size).toBe(jobs.length);
    const first = steps[0]!;
    expect(
      jobs
        .slice(0, first.queues)
        .map((j) => j.resourceId)
        .sort(),
    ).toEqual([...f.consumers].sort());
    for (const j of jobs.slice(0, first.queues)) {
      expect(j).toMatchObject({
        kind: "rotate",
        trigger: first.kind,
        keyId: `${f.key.id}/${f.key.versions[first.version]}`,
      });
    }
  });

  it("spells each consumer's type the registry's way, though Resource Graph answers in lower case", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant);
    const report = await planKeyEvent(event(f, "KeyNewVersionCreated", 2), planner(svc));
    expect(
      queued(svc)
        .map((j) => j.resourceType)
        .sort(),
    ).toEqual([
      "Microsoft.CognitiveServices/accounts",
      "Microsoft.Compute/diskEncryptionSets",
      "Microsoft.MachineLearningServices/workspaces",
    ]);
    expect(report.actions.map((a) => a.resourceType).sort()).toEqual(
      queued(svc)
        .map((j) => j.resourceType)
        .sort(),
    );
  });

  it("two deliveries of one event at once queue each consumer's job once", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant);
    const reports = await Promise.all([
      planKeyEvent(event(f, "KeyNewVersionCreated", 2, "a"), planner(svc)),
      planKeyEvent(event(f, "KeyNewVersionCreated", 2, "b"), planner(svc)),
    ]);
    expect(svc.queue.size).toBe(3);
    expect(reports.flatMap((r) => r.actions).filter((a) => a.status === "planned")).toHaveLength(3);
  });

  it("a job that gave up is planned again by the next delivery of its event", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant);
    await planKeyEvent(event(f, "KeyNewVersionCreated", 2), planner(svc));
    const [job] = queued(svc);
    if (job === undefined) throw new Error("expected a job");
    await svc.ctx.ledger.finishJob(job.claimGroup, job.dedupeKey, "failed");
    const again = await planKeyEvent(event(f, "KeyNewVersionCreated", 2), planner(svc));
    expect(again.actions.filter((a) => a.status === "planned").map((a) => a.resourceId)).toEqual([
      job.resourceId,
    ]);
    expect(svc.queue.size).toBe(4);
  });

  it("consumers outside the configured scope are never queued", async () => {
    const f = tenant();
    const svc = createMemoryService(f.tenant, { env: { CMKR_SCOPE_SUBSCRIPTIONS: f.dev } });
    const report = await planKeyEvent(event(f, "KeyNewVersionCreated", 2), planner(svc));
    const inDev = f.consumers.filter((id) => id.includes(f.dev));
    expect(inDev).toHaveLength(1);
    expect(queued(svc).map((j) => j.resourceId)).toEqual(inDev);
    expect(report.actions.filter((a) => a.status === "planned").map((a) => a.resourceId)).toEqual(inDev);
  });
});
