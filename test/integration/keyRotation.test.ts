import { describe, expect, inject, it } from "vitest";
import { handleEvents } from "../../src/app/handleEvents.js";
import { runJob } from "../../src/app/runJob.js";
import { decodeJob } from "../../src/core/jobs/job.js";
import { decodeJobMessage } from "../../src/adapters/storage/storageJobQueue.js";
import type { Report } from "../../src/core/report/report.js";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import { stringField } from "../../src/core/arm/armResource.js";
import { createServiceHarness, type ServiceHarness } from "../support/serviceHarness.js";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";
import { keyEventDelivery } from "../support/keyEvents.js";

const { v1: V1, v2: V2, v3: V3 } = SINGLE_KEY.versions;
const { keyId, keyName: KEY, vaultUrl: VAULT_URL } = SINGLE_KEY;

const storage = (): string => inject("azuriteConnectionString");

/** Plans one delivery the way the Event Grid trigger does (queue, no inline evaluation). */
async function deliver(h: ServiceHarness, delivery: unknown): Promise<Report> {
  const { events, errors } = decodeDelivery(delivery);
  expect(errors).toEqual([]);
  return handleEvents(events, errors, h.runtime.ctx, { preview: false });
}

function resource(h: ServiceHarness, id: string): Record<string, unknown> {
  const r = h.emulator.state.getResource(id);
  if (r === undefined) throw new Error(`missing ${id}`);
  return r.body;
}

/** The key version a consumer uses now, read from the emulator's state. */
function versionOf(h: ServiceHarness, id: string): string | undefined {
  const body = resource(h, id);
  const uri =
    stringField(body, "properties", "activeKey", "keyUrl") ??
    stringField(body, "properties", "encryption", "keyVaultProperties", "keyIdentifier");
  return (
    uri?.split("/").pop() ?? stringField(body, "properties", "encryption", "keyVaultProperties", "keyVersion")
  );
}

const patches = (h: ServiceHarness, id?: string): number =>
  h.emulator.log.count({
    method: "PATCH",
    ...(id === undefined ? {} : { url: new RegExp(id.split("/").pop() ?? "", "i") }),
    status: 202,
  }) +
  h.emulator.log.count({
    method: "PATCH",
    ...(id === undefined ? {} : { url: new RegExp(id.split("/").pop() ?? "", "i") }),
    status: 200,
  });

const twoVersions = [
  { version: V1, createdOn: "2026-01-01T00:00:00Z" },
  { version: V2, createdOn: "2026-11-20T00:00:00Z" },
];

describe("key rotation end to end (emulator + Azurite, real SDK clients)", () => {
  it("rotates OpenAI and AIServices accounts, a DES through its LRO and a CMK ML workspace; leaves an auto-rotating DES alone", async () => {
    const b = new SingleKeyTenant({ versions: twoVersions });
    const openai = b.aiServicesAccount("aoai-prod", "OpenAI").id;
    const aiservices = b.aiServicesAccount("ais-prod", "AIServices").id;
    const des = b.diskEncryptionSet("des-prod").id;
    const desAuto = b.diskEncryptionSet("des-auto", { autoRotation: true }).id;
    const ml = b.mlWorkspace("mlw-prod").id;
    const h = await createServiceHarness(b.build(), storage(), {
      emulator: { lro: { polls: 2, retryAfterSeconds: 0 } },
    });

    // The event answers with its fan-out queued; the worker plans and rotates every consumer.
    const planned = await deliver(h, keyEventDelivery(V2));
    expect(planned.actions).toEqual([expect.objectContaining({ action: "rotate-key", status: "planned" })]);
    await h.drain();
    expect(new Set(h.workerActions.map((a) => a.resourceId))).toEqual(
      new Set([openai, aiservices, des, desAuto, ml]),
    );

    for (const id of [openai, aiservices, des, ml]) expect(versionOf(h, id)).toBe(V2);
    expect(versionOf(h, desAuto)).toBe(V1);
    expect(resource(h, des)).toMatchObject({
      properties: { provisioningState: "Succeeded", activeKey: { keyUrl: keyId(V2) } },
    });
    // One write per rotated consumer, none for the auto-rotating set; the DES write was polled.
    for (const id of [openai, aiservices, des, ml]) expect(patches(h, id)).toBe(1);
    expect(patches(h, desAuto)).toBe(0);
    // Each write's operation was followed to its end: its result URL polled until it answered the resource.
    expect(h.emulator.log.count({ method: "GET", url: /operationResults/, status: 202 })).toBe(8);
    expect(h.emulator.log.count({ method: "GET", url: /operationResults/, status: 200 })).toBe(4);

    const byId = new Map(h.workerActions.map((a) => [a.resourceId, a]));
    expect(byId.get(openai)).toMatchObject({
      action: "rotate-key",
      status: "applied",
      from: keyId(V1),
      to: keyId(V2),
    });
    expect(byId.get(desAuto)).toMatchObject({
      action: "rotate-key",
      status: "skipped",
      codes: ["AwaitingAutoRotation"],
    });
    const ledger = await h.runtime.ctx.ledger.listActions(des);
    expect(
      ledger.some(
        (a) =>
          a.status === "applied" && a.to === keyId(V2) && a.before !== undefined && a.after !== undefined,
      ),
    ).toBe(true);
  });

  const refusals: {
    name: string;
    setup: () => { b: SingleKeyTenant; id: string };
    /** Changes the consumer's body in the built tenant (shapes the builder does not make). */
    mutate?: (body: Record<string, unknown>) => void;
    code: string;
  }[] = [
    {
      name: "vault without purge protection",
      setup: () => {
        const b = new SingleKeyTenant({ versions: twoVersions, vault: { purgeProtection: false } });
        return { b, id: b.diskEncryptionSet("des-1").id };
      },
      code: "VaultPurgeProtectionDisabled",
    },
    {
      name: "3072-bit version for an AI services account",
      setup: () => {
        const b = new SingleKeyTenant({
          versions: [
            { version: V1, createdOn: "2026-01-01T00:00:00Z" },
            { version: V2, createdOn: "2026-11-20T00:00:00Z", keySize: 3072 },
          ],
        });
        return { b, id: b.aiServicesAccount("aoai-1", "OpenAI").id };
      },
      code: "KeySizeNotAllowed",
    },
    {
      name: "disabled version",
      setup: () => {
        const b = new SingleKeyTenant({
          versions: [
            { version: V1, createdOn: "2026-01-01T00:00:00Z" },
            { version: V2, createdOn: "2026-11-20T00:00:00Z", enabled: false },
          ],
        });
        return { b, id: b.diskEncryptionSet("des-1").id };
      },
      code: "KeyDisabled",
    },
    {
      name: "expired version",
      setup: () => {
        const b = new SingleKeyTenant({
          versions: [
            { version: V1, createdOn: "2026-01-01T00:00:00Z" },
            { version: V2, createdOn: "2026-11-20T00:00:00Z", expiresOn: "2026-11-21T00:00:00Z" },
          ],
        });
        return { b, id: b.mlWorkspace("mlw-1").id };
      },
      code: "KeyExpired",
    },
    {
      name: "version expiring inside the 30-day margin",
      setup: () => {
        const b = new SingleKeyTenant({
          versions: [
            { version: V1, createdOn: "2026-01-01T00:00:00Z" },
            { version: V2, createdOn: "2026-11-20T00:00:00Z", expiresOn: "2026-12-10T00:00:00Z" },
          ],
        });
        return { b, id: b.diskEncryptionSet("des-1").id };
      },
      code: "KeyExpiresWithinMargin",
    },
    {
      name: "identity without unwrapKey",
      setup: () => {
        const b = new SingleKeyTenant({ versions: twoVersions });
        return { b, id: b.aiServicesAccount("aoai-1", "OpenAI", { access: ["get", "wrapKey"] }).id };
      },
      code: "IdentityLacksKeyPermissions",
    },
    {
      // DiskRP autoKeyRotationError: the platform stops rotating the set until the error is fixed.
      name: "disk encryption set reporting an automatic rotation error",
      setup: () => {
        const b = new SingleKeyTenant({ versions: twoVersions });
        return { b, id: b.diskEncryptionSet("des-1").id };
      },
      mutate: (set: Record<string, unknown>) => {
        (set.properties as Record<string, unknown>).autoKeyRotationError = {
          code: "KeyVaultKeyNotFound",
          message: "the key could not be read",
        };
      },
      code: "DesAutoRotationError",
    },
  ];

  it.each(refusals)("refuses with no write: $name", async (refusal) => {
    const { setup, code } = refusal;
    const { b, id } = setup();
    const tenant = b.build();
    const body = tenant.resources.find((r) => r.id === id);
    if (body !== undefined) refusal.mutate?.(body);
    const h = await createServiceHarness(tenant, storage());
    await deliver(h, keyEventDelivery(V2));
    await h.drain();

    expect(versionOf(h, id)).toBe(V1);
    expect(patches(h)).toBe(0);
    const action = h.workerActions.find((a) => a.resourceId === id);
    expect(action).toMatchObject({ action: "refuse", from: keyId(V1) });
    expect(action?.codes).toContain(code);
    const tickets = await h.runtime.ctx.ledger.listTicketRequests();
    expect(tickets.filter((t) => t.resourceId === id)).toHaveLength(1);
    expect(tickets[0]?.body).toContain(code);
  });

  it("rotates a DES in an RBAC vault when its identity holds a Key Vault crypto role", async () => {
    const b = new SingleKeyTenant({ versions: twoVersions, vault: { rbac: true } });
    // On an RBAC vault the set's identity gets the Key Vault Crypto Service Encryption User role.
    const des = b.diskEncryptionSet("des-rbac").id;
    const h = await createServiceHarness(b.build(), storage());
    await deliver(h, keyEventDelivery(V2));
    await h.drain();
    expect(versionOf(h, des)).toBe(V2);
    expect(h.emulator.log.count({ method: "GET", url: /roleAssignments/ })).toBeGreaterThan(0);
  });

  it("never rolls back: an event for an older version after a newer one writes nothing", async () => {
    const b = new SingleKeyTenant({
      versions: [
        { version: V1, createdOn: "2026-01-01T00:00:00Z" },
        { version: V2, createdOn: "2026-11-01T00:00:00Z" },
        { version: V3, createdOn: "2026-11-20T00:00:00Z" },
      ],
    });
    const des = b.diskEncryptionSet("des-1").id;
    const ai = b.aiServicesAccount("aoai-1", "OpenAI").id;
    const h = await createServiceHarness(b.build(), storage());
    await deliver(h, keyEventDelivery(V3));
    await h.drain();
    expect(versionOf(h, des)).toBe(V3);
    expect(versionOf(h, ai)).toBe(V3);
    const writes = patches(h);

    await deliver(h, keyEventDelivery(V2)); // arrives late
    await h.drain();
    expect(versionOf(h, des)).toBe(V3);
    expect(versionOf(h, ai)).toBe(V3);
    expect(patches(h)).toBe(writes);
  });

  it("targets the newest usable version when the event's version is not the newest", async () => {
    const b = new SingleKeyTenant({
      versions: [
        { version: V1, createdOn: "2026-01-01T00:00:00Z" },
        { version: V2, createdOn: "2026-11-01T00:00:00Z" },
        { version: V3, createdOn: "2026-11-20T00:00:00Z" },
      ],
    });
    const des = b.diskEncryptionSet("des-1").id;
    const h = await createServiceHarness(b.build(), storage());
    await deliver(h, keyEventDelivery(V2));
    await h.drain();
    expect(versionOf(h, des)).toBe(V3);
  });

  it("the same event delivered three times gives exactly one PATCH per consumer", async () => {
    const b = new SingleKeyTenant({ versions: twoVersions });
    const ids = [
      b.diskEncryptionSet("des-1").id,
      b.aiServicesAccount("aoai-1", "OpenAI").id,
      b.mlWorkspace("mlw-1").id,
    ];
    const h = await createServiceHarness(b.build(), storage());
    const first = await deliver(h, keyEventDelivery(V2, { id: "same-event" }));
    const second = await deliver(h, keyEventDelivery(V2, { id: "same-event" }));
    await h.drain();
    const third = await deliver(h, keyEventDelivery(V2, { id: "same-event" }));
    await h.drain();
    expect(first.actions.every((a) => a.status === "planned")).toBe(true);
    expect(
      [...second.actions, ...third.actions].every((a) => a.action === "none" && a.status === "skipped"),
    ).toBe(true);
    for (const id of ids) {
      expect(versionOf(h, id)).toBe(V2);
      expect(patches(h, id)).toBe(1);
    }
  });

  it("duplicated queue messages of one job cause no second write", async () => {
    const b = new SingleKeyTenant({ versions: twoVersions });
    const des = b.diskEncryptionSet("des-1").id;
    const h = await createServiceHarness(b.build(), storage());
    await deliver(h, keyEventDelivery(V2));
    // The worker plans the event's page first; its consumer batch is then on the queue.
    const plan = await h.runtime.jobQueue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 30 });
    for (const m of plan.receivedMessageItems) {
      await runJob(decodeJob(decodeJobMessage(m.messageText)), h.runtime.ctx);
      await h.runtime.jobQueue.deleteMessage(m.messageId, m.popReceipt);
    }
    // Duplicate every queued message, as at-least-once delivery may.
    const peeked = await h.runtime.jobQueue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 1 });
    for (const m of peeked.receivedMessageItems) await h.runtime.jobQueue.sendMessage(m.messageText);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await h.drain();
    expect(versionOf(h, des)).toBe(V2);
    expect(patches(h, des)).toBe(1);
    expect(h.workerActions.filter((a) => a.resourceId === des && a.status === "skipped")).toHaveLength(1);
  });

  it("a 429 storm and 503s: every consumer still ends on the new version", async () => {
    const b = new SingleKeyTenant({ versions: twoVersions });
    const ids = [
      b.diskEncryptionSet("des-1").id,
      b.diskEncryptionSet("des-2").id,
      b.aiServicesAccount("aoai-1", "OpenAI").id,
      b.mlWorkspace("mlw-1").id,
    ];
    const h = await createServiceHarness(b.build(), storage());
    h.emulator.injectFault({ status: 429, url: "management\\.azure\\.com", rate: 0.3, retryAfterSeconds: 0 });
    h.emulator.injectFault({
      status: 503,
      url: "vault\\.azure\\.net|management\\.azure\\.com",
      rate: 0.1,
      retryAfterSeconds: 0,
    });
    await deliver(h, keyEventDelivery(V2));
    await h.drain();
    for (const id of ids) expect(versionOf(h, id)).toBe(V2);
    expect(h.emulator.faults.injected).toBeGreaterThan(5);
    for (const id of ids) expect(patches(h, id)).toBe(1);
  });

  it("a failed long-running operation is retried, then becomes a poison job with a ticket request", async () => {
    const b = new SingleKeyTenant({ versions: twoVersions });
    const broken = b.diskEncryptionSet("des-broken").id;
    const fine = b.diskEncryptionSet("des-fine").id;
    // One wave: this case is about one job's retries and poison. Staged, des-broken would be the first
    // wave and hold des-fine back (stagedRollout.test.ts shows that).
    const h = await createServiceHarness(b.build(), storage(), { env: { CMKR_ROLLOUT_WAVES: "*" } });
    h.emulator.failOperations({
      method: "PATCH",
      resourceIdPattern: "des-broken",
      code: "InternalDiskEncryptionSetError",
    });
    await deliver(h, keyEventDelivery(V2));
    const result = await h.drain({ maxAttempts: 3 });

    expect(versionOf(h, fine)).toBe(V2);
    expect(versionOf(h, broken)).toBe(V1);
    expect(result.poisoned).toBe(1);
    // The first write failed and left the set Failed: the retries never write over it.
    expect(patches(h, broken)).toBe(1);
    expect(await h.runtime.poisonQueue.getProperties()).toMatchObject({ approximateMessagesCount: 1 });
    const tickets = await h.runtime.ctx.ledger.listTicketRequests();
    expect(tickets).toEqual([
      expect.objectContaining({ resourceId: broken, findingCode: "RotationFailed", state: "requested" }),
    ]);
    expect(h.workerActions.find((a) => a.resourceId === broken && a.status === "failed")?.reason).toMatch(
      /last operation ended Failed/,
    );
  });

  it("200 consumers across 20 subscriptions: all rotated, Resource Graph paged", async () => {
    const b = new SingleKeyTenant({ versions: twoVersions });
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const sub = (i % 20) + 1;
      ids.push(
        i % 2 === 0
          ? b.diskEncryptionSet(`des-${i}`, { sub }).id
          : b.aiServicesAccount(`aoai-${i}`, "OpenAI", { sub }).id,
      );
    }
    const h = await createServiceHarness(b.build(), storage(), { pageSize: 50 });
    const planned = await deliver(h, keyEventDelivery(V2));
    // One answer for the key whatever the consumer count (the fan-out is planned by the worker).
    expect(planned.actions).toHaveLength(1);
    await h.drain({ concurrency: 32 });
    for (const id of ids) expect(versionOf(h, id)).toBe(V2);
    // Four pages of 50 consumers, plus at most one look-up of the vault by its URI (cached for the fan-out).
    const graphQueries = h.emulator.log.count({ method: "POST", url: /Microsoft\.ResourceGraph\/resources/ });
    expect(graphQueries).toBeGreaterThanOrEqual(4);
    expect(graphQueries).toBeLessThanOrEqual(5);
    expect(h.emulator.log.count({ status: 429 })).toBe(0);
    expect(h.emulator.log.count({ method: "GET", url: /vaults\/kv-cmk\?/ })).toBe(1);
    expect(patches(h)).toBe(200);
  });

  it("KeyNearExpiry and KeyExpired ticket consumers still on that version with no newer usable one", async () => {
    const b = new SingleKeyTenant({
      versions: [{ version: V1, createdOn: "2026-01-01T00:00:00Z", expiresOn: "2026-11-22T00:00:00Z" }],
    });
    const des = b.diskEncryptionSet("des-1").id;
    const ai = b.aiServicesAccount("aoai-1", "OpenAI").id;
    const h = await createServiceHarness(b.build(), storage());
    await deliver(h, keyEventDelivery(V1, { kind: "KeyExpired" }));
    await h.drain();
    const tickets = await h.runtime.ctx.ledger.listTicketRequests();
    expect(tickets.map((t) => [t.resourceId, t.findingCode, t.severity]).sort()).toEqual(
      [
        [ai, "KeyExpired", "urgent"],
        [des, "KeyExpired", "urgent"],
      ].sort(),
    );
    expect(tickets.find((t) => t.resourceId === des)?.body).toMatch(/virtual machines .* shut down/);
    expect(patches(h)).toBe(0);
  });

  it("a brand-new key has no consumers: nothing to do", async () => {
    const b = new SingleKeyTenant({ versions: twoVersions });
    b.diskEncryptionSet("des-1");
    const h = await createServiceHarness(b.build(), storage());
    const delivery = keyEventDelivery(V2) as { data: Record<string, unknown>; subject: string }[];
    const event = delivery[0]!;
    event.subject = "brand-new";
    event.data = { ...event.data, Id: `${VAULT_URL}/keys/brand-new/${V2}`, ObjectName: "brand-new" };
    const report = await deliver(h, delivery);
    expect(report.actions).toEqual([expect.objectContaining({ status: "planned" })]);
    await h.drain();
    expect(h.workerActions).toEqual([]);
    expect(KEY).toBe("cmk");
  });
});
