import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { KeyClient } from "@azure/keyvault-keys";
import { describe, expect, it } from "vitest";
import { evaluateJob } from "../../src/app/evaluateJob.js";
import { keyEventJob } from "../../src/app/planKeyEvent.js";
import { mlWorkspaceRule } from "../../src/core/consumers/mlWorkspace/mlWorkspaceRule.js";
import { rotateConsumer } from "../../src/app/rotateConsumer.js";
import type { KeyVaultKeyEventKind } from "../../src/core/events/domainEvents.js";
import type { ActionKind, ActionStatus } from "../../src/core/report/report.js";
import {
  keyScenario,
  scenarioKeyEvent,
  twoVersions,
  versionIndexNow,
  type KeyScenarioOptions,
} from "../support/keyScenario.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";
import { testNow } from "../support/serviceWiring.js";

/** The consumer's writes the emulator saw (a rotation is one PATCH). */
const writes = (svc: MemoryService): number =>
  svc.emulator.log.entries().filter((e) => e.method === "PATCH" || e.method === "PUT").length;

interface Case {
  name: string;
  scenario: KeyScenarioOptions;
  trigger?: KeyVaultKeyEventKind;
  /** Index of the version the event names (default the newest). */
  event?: number;
  expected: {
    action: ActionKind;
    status: ActionStatus;
    codes?: string[];
    /** Index of the version the consumer is on afterwards (default where it started). */
    on?: number;
    /** The ticket request left in the ledger, if any. */
    ticket?: { findingCode: string; severity: string };
  };
}

const expiring = { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2026-12-05T00:00:00Z" };
const expired = { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2026-11-01T00:00:00Z" };
const newer = { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-06-01T00:00:00Z" };

const cases: Case[] = [
  ...(["des", "openai", "aiservices", "ml"] as const).map((consumer): Case => ({
    name: `${consumer}: moved to the newest usable version, written once and verified`,
    scenario: { consumer },
    expected: { action: "rotate-key", status: "applied", on: 1 },
  })),
  {
    name: "an unusable newest version is passed over for the newest usable one",
    scenario: {
      consumer: "des",
      versions: [...twoVersions, { createdOn: "2026-11-21T00:00:00Z", enabled: false }],
    },
    expected: { action: "rotate-key", status: "applied", on: 1 },
  },
  {
    name: "refused: the vault has no purge protection",
    scenario: { consumer: "des", vault: { purgeProtection: false } },
    expected: {
      action: "refuse",
      status: "skipped",
      codes: ["VaultPurgeProtectionDisabled"],
      ticket: { findingCode: "RotationRefused", severity: "high" },
    },
  },
  {
    name: "refused: the identity cannot reach the key",
    scenario: { consumer: "openai", access: "none" },
    expected: {
      action: "refuse",
      status: "skipped",
      codes: ["IdentityLacksKeyPermissions"],
      ticket: { findingCode: "RotationRefused", severity: "high" },
    },
  },
  {
    name: "refused: a key size the AI services account cannot use",
    scenario: { consumer: "aiservices", versions: [twoVersions[0]!, { ...newer, keySize: 3072 }] },
    expected: {
      action: "refuse",
      status: "skipped",
      codes: ["KeySizeNotAllowed"],
      ticket: { findingCode: "RotationRefused", severity: "high" },
    },
  },
  {
    name: "refused: the vault firewall keeps trusted services out",
    scenario: { consumer: "des", vault: { networkAcls: { defaultAction: "Deny", bypass: "None" } } },
    expected: {
      action: "refuse",
      status: "skipped",
      codes: ["VaultFirewallBlocksTrustedServices"],
      ticket: { findingCode: "RotationRefused", severity: "high" },
    },
  },
  {
    name: "refused: an ML workspace with service-side encryption cannot rotate",
    scenario: { consumer: "ml", serviceSideEncryption: true },
    expected: {
      action: "refuse",
      status: "skipped",
      codes: ["ServiceSideEncryptionNoRotation"],
      ticket: { findingCode: "RotationRefused", severity: "high" },
    },
  },
  {
    name: "already on the newest version: nothing written, nothing ticketed",
    scenario: { consumer: "des", current: 1 },
    expected: { action: "none", status: "skipped", codes: ["AlreadyNewest"], on: 1 },
  },
  {
    name: "an auto-rotating disk encryption set is left to the platform",
    scenario: { consumer: "des", autoRotation: true },
    expected: { action: "rotate-key", status: "skipped", codes: ["AwaitingAutoRotation"] },
  },
  {
    name: "KeyNearExpiry with nothing newer: a ticket request",
    scenario: { consumer: "des", versions: [expiring] },
    trigger: "KeyNearExpiry",
    expected: {
      action: "open-ticket",
      status: "applied",
      codes: ["KeyNearExpiry"],
      ticket: { findingCode: "KeyNearExpiry", severity: "high" },
    },
  },
  {
    name: "KeyExpired with nothing newer: an urgent ticket request",
    scenario: { consumer: "openai", versions: [expired] },
    trigger: "KeyExpired",
    expected: {
      action: "open-ticket",
      status: "applied",
      codes: ["KeyExpired"],
      ticket: { findingCode: "KeyExpired", severity: "urgent" },
    },
  },
  {
    name: "KeyExpired with only an unusable newer version: an urgent ticket request, no write",
    scenario: { consumer: "des", versions: [expired, { ...newer, enabled: false }] },
    trigger: "KeyExpired",
    event: 0,
    expected: {
      action: "open-ticket",
      status: "applied",
      codes: ["KeyExpired"],
      ticket: { findingCode: "KeyExpired", severity: "urgent" },
    },
  },
  {
    name: "KeyNearExpiry with a newer usable version: moved to it",
    scenario: { consumer: "ml", versions: [expiring, newer] },
    trigger: "KeyNearExpiry",
    event: 0,
    expected: { action: "rotate-key", status: "applied", on: 1 },
  },
];

describe("rotateConsumer over the in-memory ledger and the emulated tenant (real SDK adapter)", () => {
  it.each(cases)("$name", async ({ scenario, trigger, event, expected }) => {
    const s = keyScenario(scenario);
    const svc = createMemoryService(s.tenant);
    const job = keyEventJob(
      scenarioKeyEvent(s, trigger, { ...(event === undefined ? {} : { index: event }) }),
      s.consumer,
      "corr-1",
      testNow,
      false,
    );
    const action = await rotateConsumer(job, svc.ctx);

    expect(action).toMatchObject({
      resourceId: s.consumer.id,
      action: expected.action,
      status: expected.status,
    });
    if (expected.codes !== undefined) expect(action.codes).toEqual(expected.codes);
    const on = expected.on ?? scenario.current ?? 0;
    expect(versionIndexNow(svc.emulator, s)).toBe(on);
    const moved = on !== (scenario.current ?? 0);
    expect(writes(svc)).toBe(moved ? 1 : 0);
    if (moved) expect(action).toMatchObject({ from: s.currentKeyId, to: s.key.versionIds[on] });

    // The ledger holds the action, with before and after snapshots of a write.
    const recorded = await svc.ctx.ledger.listActions(s.consumer.id);
    expect(recorded).toEqual([
      expect.objectContaining({
        action: expected.action,
        status: expected.status,
        jobId: job.jobId,
        eventId: job.eventId,
        correlationId: "corr-1",
        dryRun: false,
      }),
    ]);
    expect(recorded[0]?.before !== undefined && recorded[0].after !== undefined).toBe(moved);
    const tickets = await svc.ctx.ledger.listTicketRequests();
    expect(
      tickets.map((t) => ({
        resourceId: t.resourceId,
        findingCode: t.findingCode,
        severity: t.severity,
        state: t.state,
      })),
    ).toEqual(
      expected.ticket === undefined
        ? []
        : [{ resourceId: s.consumer.id, ...expected.ticket, state: "requested" }],
    );
  });

  it("a repeat of an expiry event updates its ticket request instead of opening another", async () => {
    const s = keyScenario({ consumer: "des", versions: [expired] });
    const svc = createMemoryService(s.tenant);
    const job = keyEventJob(scenarioKeyEvent(s, "KeyExpired"), s.consumer, "corr-1", testNow, false);
    expect(await rotateConsumer(job, svc.ctx)).toMatchObject({ action: "open-ticket" });
    expect(await rotateConsumer({ ...job, jobId: "again" }, svc.ctx)).toMatchObject({
      action: "update-ticket",
    });
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({ findingCode: "KeyExpired", count: 2 }),
    ]);
  });

  it("in a dry run a rotation and a refusal are planned: nothing written, nothing ticketed", async () => {
    for (const scenario of [
      { consumer: "des" },
      { consumer: "des", vault: { purgeProtection: false } },
    ] as const) {
      const s = keyScenario(scenario);
      const svc = createMemoryService(s.tenant, { env: { CMKR_DRY_RUN: "true" } });
      const job = keyEventJob(scenarioKeyEvent(s), s.consumer, "corr-1", testNow, true);
      const action = await rotateConsumer(job, svc.ctx);
      expect(action).toMatchObject({
        status: "planned",
        action: "vault" in scenario ? "refuse" : "rotate-key",
      });
      expect(writes(svc)).toBe(0);
      expect(versionIndexNow(svc.emulator, s)).toBe(0);
      expect(await svc.ctx.ledger.listTicketRequests()).toEqual([]);
      expect(await svc.ctx.ledger.listActions()).toEqual([
        expect.objectContaining({ status: "planned", dryRun: true }),
      ]);
    }
  });

  it("a consumer moved by someone else before the write is not written again", async () => {
    const s = keyScenario({ consumer: "des" });
    const svc = createMemoryService(s.tenant);
    const job = keyEventJob(scenarioKeyEvent(s), s.consumer, "corr-1", testNow, false);
    expect(await rotateConsumer(job, svc.ctx)).toMatchObject({ status: "applied" });
    // A duplicate job that got past the ledger (or a second worker) finds the consumer moved.
    expect(await rotateConsumer({ ...job, jobId: "duplicate" }, svc.ctx)).toMatchObject({
      action: "none",
      status: "skipped",
      codes: ["AlreadyNewest"],
    });
    expect(writes(svc)).toBe(1);
  });
});

describe("rotateConsumer when the consumer's key or vault is gone (deleted with the real SDK clients)", () => {
  const consequences = {
    des: "virtual machines using disks encrypted by this set shut down",
    openai: "fine-tuning, data download and new deployments stop",
    aiservices: "fine-tuning, data download and new deployments stop",
    ml: mlWorkspaceRule.keyLossConsequence,
  } as const;

  it.each(["des", "openai", "aiservices", "ml"] as const)(
    "%s: a soft-deleted key is refused with an urgent CmkKeyDeleted ticket, never skipped",
    async (consumer) => {
      const s = keyScenario({ consumer });
      const svc = createMemoryService(s.tenant);
      const keys = new KeyClient(s.key.vaultUrl, svc.emulator.credential(), {
        httpClient: svc.emulator.httpClient(),
      });
      await (await keys.beginDeleteKey(s.key.name, { intervalInMs: 0 })).pollUntilDone();
      const job = keyEventJob(scenarioKeyEvent(s), s.consumer, "corr-1", testNow, false);
      expect(await rotateConsumer(job, svc.ctx)).toMatchObject({
        action: "refuse",
        status: "skipped",
        from: s.currentKeyId,
        codes: ["CmkKeyDeleted"],
      });
      expect(writes(svc)).toBe(0);
      const [ticket, ...others] = await svc.ctx.ledger.listTicketRequests();
      expect(others).toEqual([]);
      expect(ticket).toMatchObject({
        findingCode: "CmkKeyDeleted",
        severity: "urgent",
        resourceId: s.consumer.id,
      });
      expect(ticket?.body).toContain(`az keyvault key recover --name cmk --vault-name ${s.vault.name}`);
      expect(ticket?.body).toContain(consequences[consumer]);
    },
  );

  it.each(["des", "openai", "ml"] as const)(
    "%s: a vault deleted through ARM is refused with an urgent CmkVaultDeleted ticket",
    async (consumer) => {
      const s = keyScenario({ consumer });
      const svc = createMemoryService(s.tenant);
      const arm = new KeyVaultManagementClient(svc.emulator.credential(), s.subscriptionId, {
        httpClient: svc.emulator.httpClient(),
      });
      await arm.vaults.delete("rg-keys", s.vault.name);
      const job = keyEventJob(scenarioKeyEvent(s), s.consumer, "corr-1", testNow, false);
      expect(await rotateConsumer(job, svc.ctx)).toMatchObject({
        action: "refuse",
        status: "skipped",
        codes: ["CmkVaultDeleted"],
      });
      const [ticket] = await svc.ctx.ledger.listTicketRequests();
      expect(ticket).toMatchObject({ findingCode: "CmkVaultDeleted", severity: "urgent" });
      expect(ticket?.body).toContain(`az keyvault recover --name ${s.vault.name} --location westeurope`);
      expect(ticket?.body).toMatch(/does \*\*not\*\* restore its Azure RBAC role assignments/);
      expect(ticket?.body).toContain(consequences[consumer]);
    },
  );

  it("the sweep's and the rotation's tickets for a deleted key are one ticket with one text", async () => {
    const s = keyScenario({ consumer: "des" });
    const svc = createMemoryService(s.tenant);
    const keys = new KeyClient(s.key.vaultUrl, svc.emulator.credential(), {
      httpClient: svc.emulator.httpClient(),
    });
    await (await keys.beginDeleteKey(s.key.name, { intervalInMs: 0 })).pollUntilDone();
    const job = keyEventJob(scenarioKeyEvent(s), s.consumer, "corr-1", testNow, false);
    await rotateConsumer({ ...job, trigger: "Sweep" }, svc.ctx);
    await svc.ctx.ledger.markTicket(
      { resourceId: s.consumer.id, findingCode: "CmkKeyDeleted" },
      { opened: { sink: "file", externalId: "1", url: "file:///tickets/1" } },
    );
    const evaluation = { ...job, kind: "evaluate" as const, jobId: "evaluate-1", trigger: "Sweep" as const };
    await evaluateJob(evaluation, svc.ctx);
    // Same title, body and severity from both paths: the sweep's repeat is quiet, no new comment.
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({ findingCode: "CmkKeyDeleted", count: 2, state: "open" }),
    ]);
    expect(await svc.ctx.ledger.pendingTickets(s.consumer.id)).toEqual([]);
  });

  it("in a dry run the refusal is planned and nothing is ticketed", async () => {
    const s = keyScenario({ consumer: "des" });
    const svc = createMemoryService(s.tenant, { env: { CMKR_DRY_RUN: "true" } });
    const keys = new KeyClient(s.key.vaultUrl, svc.emulator.credential(), {
      httpClient: svc.emulator.httpClient(),
    });
    await (await keys.beginDeleteKey(s.key.name, { intervalInMs: 0 })).pollUntilDone();
    const job = keyEventJob(scenarioKeyEvent(s), s.consumer, "corr-1", testNow, true);
    expect(await rotateConsumer(job, svc.ctx)).toMatchObject({
      action: "refuse",
      status: "planned",
      codes: ["CmkKeyDeleted"],
    });
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([]);
  });
});
