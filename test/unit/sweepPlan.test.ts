import { describe, expect, it } from "vitest";
import type { KeyVersionSummary } from "../../src/core/ports/rotationPort.js";
import { factKey, PageFacts, type FactRequest } from "../../src/core/sweep/pageFacts.js";
import { planSweepPage, resourceFingerprint } from "../../src/core/sweep/sweepPlan.js";
import { sweepResourcesQuery } from "../../src/core/queries/sweepQuery.js";
import { sweepResourceFromRow } from "../../src/core/sweep/sweepRow.js";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { judgeAutoRotation } from "../../src/core/consumers/diskEncryptionSet/desAutoRotationStalled.js";
import { runKql, resourceGraphColumns } from "@cmkr/azure-emulator";
import {
  aiAccount,
  context,
  des,
  KEY_V1,
  keyFacts,
  NOW,
  SUB,
  V1,
  V2,
  VAULT_URL,
  vaultFacts,
} from "./findingsFixtures.js";

const KEY = "cmk-aoai";
const KEY_V2 = `${VAULT_URL}/keys/${KEY}/${V2}`;
const settings = context().settings;

function versions(...list: [string, string][]): KeyVersionSummary[] {
  return list.map(([version, createdOn]) => ({
    keyId: `${VAULT_URL}/keys/${KEY}/${version}`,
    version,
    enabled: true,
    createdOn: new Date(createdOn),
  }));
}

function facts(list: KeyVersionSummary[], failing?: FactRequest): PageFacts {
  const entries: [FactRequest, unknown][] = [
    [{ kind: "vault", vaultUrl: VAULT_URL }, vaultFacts()],
    [{ kind: "keyVersions", vaultUrl: VAULT_URL, keyName: KEY }, list],
    [{ kind: "keyVersion", vaultUrl: VAULT_URL, keyName: KEY, version: V1 }, keyFacts(KEY)],
    [
      { kind: "keyVersion", vaultUrl: VAULT_URL, keyName: KEY, version: V2 },
      keyFacts(KEY, { version: V2, keyId: KEY_V2 }),
    ],
  ];
  const outcomes = new Map(entries.map(([r, value]) => [factKey(r), { ok: true as const, value }]));
  if (failing !== undefined) outcomes.set(factKey(failing), { ok: false, error: "403 Forbidden" } as never);
  return new PageFacts(outcomes);
}

const bothVersions = versions([V1, "2026-01-01T00:00:00Z"], [V2, "2026-05-01T00:00:00Z"]);

function plan(resource: ArmResourceJson, options: { tickets?: string[]; facts?: PageFacts } = {}) {
  const [p] = planSweepPage([{ resource, subscriptionId: SUB }], {
    facts: options.facts ?? facts(bothVersions),
    settings,
    now: NOW,
    unresolvedTickets: () => options.tickets,
  });
  if (p === undefined) throw new Error("no plan");
  return p;
}

describe("planSweepPage (pure)", () => {
  it("leaves a compliant consumer on its key's newest version alone", () => {
    expect(plan(des({ activeKey: { keyUrl: KEY_V2 } })).steps).toEqual([]);
    expect(plan(des(), { facts: facts(versions([V1, "2026-01-01T00:00:00Z"])) }).steps).toEqual([]);
  });

  it("hands a consumer behind its key's newest version to the worker's catch-up rotation", () => {
    expect(plan(des()).steps).toEqual([{ kind: "evaluate", reason: "catch-up" }]);
  });

  it("checks an auto-rotating set behind the newest version against the recorded expectation instead", () => {
    expect(plan(des({ rotationToLatestKeyVersionEnabled: true })).steps).toEqual([
      { kind: "check-auto-rotation", keyId: `${VAULT_URL}/keys/${KEY}` },
    ]);
  });

  it("resolves a stalled-rotation ticket once the set is on the newest version", () => {
    const caughtUp = des({ rotationToLatestKeyVersionEnabled: true, activeKey: { keyUrl: KEY_V2 } });
    expect(plan(caughtUp, { tickets: ["DesAutoRotationStalled"] }).steps).toEqual([
      { kind: "resolve-stalled" },
    ]);
  });

  it("queues resources with findings, and compliant ones only while a finding's ticket is unresolved", () => {
    const account = plan(aiAccount());
    expect(account.evaluation.findings.map((f) => f.code)).toContain("AiServicesMicrosoftManagedKey");
    expect(account.steps).toEqual([{ kind: "evaluate", reason: "findings" }]);
    const current = des({ activeKey: { keyUrl: KEY_V2 } });
    expect(plan(current, { tickets: ["CmkKeyExpiresSoon"] }).steps).toEqual([
      { kind: "evaluate", reason: "resolve" },
    ]);
    // Tickets the rules do not decide (a refused rotation) are not the evaluation's to resolve.
    expect(plan(current, { tickets: ["RotationRefused"] }).steps).toEqual([]);
  });

  it("hands a resource whose facts could not be read to the worker, as undetermined", () => {
    const p = plan(des(), { facts: facts(bothVersions, { kind: "vault", vaultUrl: VAULT_URL }) });
    expect(p.steps).toEqual([{ kind: "evaluate", reason: "facts-unavailable" }]);
    expect(p.evaluation.undetermined?.reason).toContain("403 Forbidden");
    expect(p.evaluation.compliant).toBe(false);
  });

  it("finds a deleted key urgent, queues it, and gives it a new fingerprint so it is queued at once", () => {
    const gone = new PageFacts(
      new Map([
        [factKey({ kind: "vault", vaultUrl: VAULT_URL }), { ok: true as const, value: vaultFacts() }],
        [
          factKey({ kind: "keyVersions", vaultUrl: VAULT_URL, keyName: KEY }),
          { ok: true as const, value: undefined },
        ],
        [
          factKey({ kind: "deletedKey", vaultUrl: VAULT_URL, keyName: KEY }),
          { ok: true as const, value: undefined },
        ],
      ]),
    );
    const p = plan(des(), { facts: gone });
    expect(p.evaluation.findings.map((f) => [f.code, f.severity])).toEqual([["CmkKeyDeleted", "urgent"]]);
    expect(p.steps).toEqual([{ kind: "evaluate", reason: "findings" }]);
    expect(p.fingerprint).not.toBe(plan(des()).fingerprint);
    expect(p.fingerprint.startsWith(resourceFingerprint(des()))).toBe(true);
  });

  it("leaves a consumer whose vault is out of sight undetermined without queueing it: nothing failed to read", () => {
    const outOfSight = new PageFacts(
      new Map([
        [factKey({ kind: "vault", vaultUrl: VAULT_URL }), { ok: true as const, value: undefined }],
        [
          factKey({ kind: "keyVersions", vaultUrl: VAULT_URL, keyName: KEY }),
          { ok: true as const, value: bothVersions },
        ],
        [
          factKey({ kind: "keyVersion", vaultUrl: VAULT_URL, keyName: KEY, version: V1 }),
          { ok: true as const, value: keyFacts(KEY) },
        ],
      ]),
    );
    const p = plan(des(), { facts: outOfSight });
    expect(p.evaluation.undetermined?.reason).toMatch(/not visible to the service/);
    expect(p.steps).toEqual([]);
  });

  it("queues a consumer at risk (its next rotation would be refused) for its ticket", () => {
    const noAccess = new PageFacts(
      new Map(
        [...facts(bothVersions).entries()].map(([k, o]) =>
          k === factKey({ kind: "vault", vaultUrl: VAULT_URL })
            ? [k, { ok: true as const, value: vaultFacts({ accessPolicies: [] }) }]
            : [k, o],
        ),
      ),
    );
    const p = plan(des({ activeKey: { keyUrl: KEY_V2 } }), { facts: noAccess });
    expect(p.evaluation.findings.map((f) => f.code)).toEqual(["CmkNextRotationRefused"]);
    expect(p.steps).toEqual([{ kind: "evaluate", reason: "findings" }]);
  });

  it("judges a page whose resources include one the rules cannot read: it is undetermined, the others planned", () => {
    const odd = { ...aiAccount(), kind: 42 } as unknown as ArmResourceJson;
    const [bad, good] = planSweepPage(
      [
        { resource: odd, subscriptionId: SUB },
        { resource: aiAccount(), subscriptionId: SUB },
      ],
      { facts: facts(bothVersions), settings, now: NOW, unresolvedTickets: () => undefined },
    );
    expect(bad?.evaluation.undetermined?.reason).toMatch(/the rules could not judge .*aoai-prod/);
    expect(bad?.steps).toEqual([]);
    expect(good?.steps).toEqual([{ kind: "evaluate", reason: "findings" }]);
  });

  it("leaves excluded resources alone, tickets or not", () => {
    const excluded = aiAccount({ tags: { "cmk-remediation": "exclude" } });
    const p = plan(excluded, { tickets: ["AiServicesMicrosoftManagedKey"] });
    expect(p.evaluation.excluded).toBeDefined();
    expect(p.steps).toEqual([]);
  });

  it("fingerprints what the rules read: stable for the same resource, new when it changes", () => {
    expect(resourceFingerprint(des())).toBe(resourceFingerprint(des()));
    expect(resourceFingerprint(des({ activeKey: { keyUrl: KEY_V2 } }))).not.toBe(resourceFingerprint(des()));
  });
});

describe("judgeAutoRotation (pure)", () => {
  const expectation = { from: KEY_V1, to: KEY_V2, at: new Date(NOW.getTime() - 30 * 60_000) };
  const set = des({ rotationToLatestKeyVersionEnabled: true });

  it("waits within the grace period, and finds a stall past it", () => {
    expect(judgeAutoRotation(set, expectation, { now: NOW, graceMs: 3_600_000, settings }).kind).toBe(
      "waiting",
    );
    const late = judgeAutoRotation(set, expectation, { now: NOW, graceMs: 10 * 60_000, settings });
    expect(late.kind).toBe("stalled");
    if (late.kind !== "stalled") return;
    expect(late.finding).toMatchObject({
      code: "DesAutoRotationStalled",
      severity: "high",
      resourceId: set.id,
    });
    expect(late.finding.body).toContain(KEY_V2);
    expect(late.finding.body).toContain("Finding code: `DesAutoRotationStalled`");
  });

  it("says moved once the set is off the expected old version", () => {
    const moved = des({ rotationToLatestKeyVersionEnabled: true, activeKey: { keyUrl: KEY_V2 } });
    expect(judgeAutoRotation(moved, expectation, { now: NOW, graceMs: 0, settings }).kind).toBe("moved");
  });
});

describe("sweep query and rows", () => {
  it("reads Resource Graph rows back into the ARM shape the rules read", () => {
    const item = sweepResourceFromRow({
      id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/d1`,
      name: "d1",
      type: "microsoft.compute/disks",
      kind: "",
      location: "westeurope",
      managedBy: "",
      subscriptionId: SUB,
      identity: null,
      tags: null,
      properties: { diskState: "Unattached" },
    });
    expect(item).toEqual({
      subscriptionId: SUB,
      resource: {
        id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/disks/d1`,
        name: "d1",
        type: "Microsoft.Compute/disks",
        location: "westeurope",
        properties: { diskState: "Unattached" },
      },
    });
    expect(sweepResourceFromRow({ name: "no id" })).toBeUndefined();
  });

  it("is a query of the emulator's KQL subset that selects the in-scope types in id order", () => {
    const row = (id: string, type: string) => ({ id, type, name: id, properties: {} });
    const result = runKql(
      sweepResourcesQuery(),
      new Map([
        [
          "resources",
          {
            columns: resourceGraphColumns,
            rows: [
              row("/b", "microsoft.compute/disks"),
              row("/a", "microsoft.keyvault/vaults"),
              row("/c", "microsoft.storage/storageaccounts"),
            ],
          },
        ],
      ]),
    );
    expect(result.rows.map((r) => r.id)).toEqual(["/a", "/b"]);
    expect(result.limited).toBe(false);
  });
});
