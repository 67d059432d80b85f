import { describe, expect, it } from "vitest";
import type { LedgerAction } from "../../src/core/ports/actionStore.js";
import type { TicketRequest } from "../../src/core/ports/ticketRequestStore.js";
import type { ComplianceCounts } from "../../src/report/complianceReport.js";
import {
  ComplianceReportBuilderError,
  createComplianceReportBuilder,
} from "../../src/report/complianceReportBuilder.js";
import { evaluationOf } from "../../src/core/findings/finding.js";
import { buildReportTenant, NOW, SUB_DEV, SUB_PROD, SUB_SHARED } from "./reportFixtures.js";

const scope = { subscriptions: [], managementGroups: [] };

/** Counts recomputed independently from the evaluations, to compare against the builder. */
function expectedCounts(evaluations: ReturnType<typeof buildReportTenant>["judged"]): ComplianceCounts {
  const c = { resources: 0, compliant: 0, nonCompliant: 0, excluded: 0, undetermined: 0, atRisk: 0 };
  for (const { evaluation: e } of evaluations) {
    c.resources++;
    if (e.excluded) c.excluded++;
    else if (e.findings.length > 0 && e.findings.every((f) => f.code === "CmkNextRotationRefused"))
      c.atRisk++;
    else if (e.findings.length > 0) c.nonCompliant++;
    else if (e.undetermined) c.undetermined++;
    else c.compliant++;
  }
  return c;
}

describe("createComplianceReportBuilder", () => {
  const { judged, subscriptionNames } = buildReportTenant();

  it("lists every excluded resource with the exclusion that took it out, not just a count", () => {
    const builder = createComplianceReportBuilder({ scope, now: NOW, subscriptionNames });
    for (const j of judged) builder.add(j.evaluation, j.subscriptionId);
    const report = builder.build();
    const excluded = judged.filter((j) => j.evaluation.excluded !== undefined);
    expect(report.excluded).toHaveLength(report.totals.excluded);
    expect(report.excluded).toEqual(
      excluded
        .map((j) => ({
          resourceId: j.resource.id,
          resourceType: j.resource.type,
          subscriptionId: j.subscriptionId,
          reason: j.evaluation.excluded?.reason,
        }))
        .sort((a, b) => (a.resourceId.toLowerCase() < b.resourceId.toLowerCase() ? -1 : 1)),
    );
    expect(report.excluded.map((e) => e.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^excluded by (tag|id pattern) /)]),
    );
  });

  it("spells each resource type the registry's way, whatever casing Resource Graph or the ledger used", () => {
    const builder = createComplianceReportBuilder({ scope, now: NOW });
    for (const j of judged) {
      const lower = j.evaluation.resourceType.toLowerCase();
      builder.add(
        {
          ...j.evaluation,
          resourceType: lower,
          findings: j.evaluation.findings.map((f) => ({ ...f, resourceType: lower })),
        },
        j.subscriptionId,
      );
    }
    const report = builder.build();
    expect(report.byResourceType.map((g) => g.key)).toContain("Microsoft.Compute/diskEncryptionSets");
    const types = [
      ...report.byResourceType.map((g) => g.key),
      ...report.findings.map((f) => f.resourceType),
      ...report.excluded.map((e) => e.resourceType),
    ];
    expect(types.filter((t) => t === t.toLowerCase())).toEqual([]);
  });

  it("counts real evaluations per resource type, per subscription and in total", () => {
    const builder = createComplianceReportBuilder({ scope, now: NOW, subscriptionNames });
    for (const j of judged) builder.add(j.evaluation, j.subscriptionId);
    builder.addGraphPages(2);
    builder.addGraphPages(1);
    const report = builder.build();

    expect(report.generatedAt).toBe("2026-12-01T12:00:00.000Z");
    expect(report.graphPages).toBe(3);
    expect(report.totals).toEqual(expectedCounts(judged));
    // The fixture holds every outcome, so every counter is exercised.
    expect(report.totals).toEqual({
      resources: 20,
      compliant: 4,
      nonCompliant: 11,
      excluded: 2,
      undetermined: 2,
      atRisk: 1,
    });
    // The five outcomes partition the resources, in every group.
    for (const c of [report.totals, ...report.byResourceType.map((g) => g.counts)])
      expect(c.compliant + c.nonCompliant + c.atRisk + c.excluded + c.undetermined).toBe(c.resources);
    // Every resource not fully judged is listed with its reason, and the field when that was the cause.
    expect(report.undeterminedResources.map((u) => [u.resourceId.split("/").pop(), u.field])).toEqual([
      ["des-odd", "identity.principalId"],
      ["proj-dev", undefined],
    ]);
    expect(report.undeterminedResources[1]?.reason).toMatch(/hub .* was not provided/);

    expect(report.byResourceType.map((g) => g.key)).toEqual([
      "Microsoft.CognitiveServices/accounts",
      "Microsoft.Compute/diskEncryptionSets",
      "Microsoft.Compute/disks",
      "Microsoft.KeyVault/vaults",
      "Microsoft.MachineLearningServices/workspaces",
    ]);
    for (const g of report.byResourceType) {
      expect(g.counts).toEqual(expectedCounts(judged.filter((j) => j.resource.type === g.key)));
    }
    expect(report.bySubscription.map((g) => [g.key, g.label])).toEqual([
      [SUB_PROD, "prod"],
      [SUB_DEV, "dev & test"],
      [SUB_SHARED, "shared-keys"],
    ]);
    for (const g of report.bySubscription) {
      expect(g.counts).toEqual(expectedCounts(judged.filter((j) => j.subscriptionId === g.key)));
    }
    for (const groups of [report.byResourceType, report.bySubscription]) {
      const sum = groups.reduce((n, g) => n + g.counts.resources, 0);
      expect(sum).toBe(report.totals.resources);
    }
  });

  it("keeps every finding, urgent first, then by resource id and code, with self-remediation marked", () => {
    const builder = createComplianceReportBuilder({ scope, now: NOW });
    for (const j of [...judged].reverse()) builder.add(j.evaluation, j.subscriptionId);
    const { findings } = builder.build();
    const all = judged.flatMap((j) => j.evaluation.findings);
    expect(findings).toHaveLength(all.length);
    expect(findings.map((f) => f.severity)).toEqual(
      [...findings.map((f) => f.severity)].sort(
        (a, b) =>
          ["urgent", "high", "medium", "low"].indexOf(a) - ["urgent", "high", "medium", "low"].indexOf(b),
      ),
    );
    expect(findings.slice(0, 2)).toEqual([
      expect.objectContaining({ code: "CmkKeyExpired", severity: "urgent", subscriptionId: SUB_PROD }),
      expect.objectContaining({ code: "CmkKeyDeleted", severity: "urgent", subscriptionId: SUB_PROD }),
    ]);
    const high = findings.filter((f) => f.severity === "high").map((f) => f.resourceId.toLowerCase());
    expect(high).toEqual([...high].sort());
    const selfRemediable = findings.filter((f) => f.selfRemediable).map((f) => f.code);
    expect(selfRemediable).toEqual(all.filter((f) => f.remediation !== undefined).map((f) => f.code));
    expect(selfRemediable).toContain("DesAutoRotationOff");
    expect(findings.find((f) => f.code === "DiskPlatformKey")?.body).toContain("## How to fix");
  });

  it("groups types and subscriptions case-insensitively, keeping the first spelling", () => {
    const builder = createComplianceReportBuilder({
      scope,
      now: NOW,
      subscriptionNames: new Map([[SUB_PROD.toUpperCase(), "prod"]]),
    });
    const id = `/subscriptions/${SUB_PROD}/resourceGroups/rg/providers/Microsoft.Compute/disks/d`;
    builder.add(evaluationOf({ id: `${id}1`, type: "Microsoft.Compute/disks" }, {}), SUB_PROD);
    builder.add(evaluationOf({ id: `${id}2`, type: "microsoft.compute/disks" }, {}), SUB_PROD.toUpperCase());
    const report = builder.build();
    expect(report.byResourceType).toEqual([
      {
        key: "Microsoft.Compute/disks",
        counts: { resources: 2, compliant: 2, nonCompliant: 0, excluded: 0, undetermined: 0, atRisk: 0 },
      },
    ]);
    expect(report.bySubscription).toHaveLength(1);
    expect(report.bySubscription[0]?.label).toBe("prod");
  });

  it("maps the ledger without before/after snapshots, actions newest first, open tickets first", () => {
    const builder = createComplianceReportBuilder({ scope, now: NOW });
    const disk = `/subscriptions/${SUB_PROD}/resourceGroups/rg/providers/Microsoft.Compute/disks/d1`;
    const action = (at: string, extra: Partial<LedgerAction> = {}): LedgerAction => ({
      resourceId: disk,
      resourceType: "Microsoft.Compute/disks",
      action: "open-ticket",
      status: "applied",
      reason: "platform key",
      codes: ["DiskPlatformKey"],
      dryRun: false,
      at,
      before: '{"properties":{}}',
      after: '{"properties":{}}',
      eventId: "e1",
      ...extra,
    });
    const ticket = (findingCode: string, state: TicketRequest["state"], lastSeen: string): TicketRequest => ({
      resourceId: disk,
      resourceType: "Microsoft.Compute/disks",
      findingCode,
      title: `t ${findingCode}`,
      body: "long body",
      severity: "medium",
      state,
      count: 2,
      firstSeen: "2026-11-01T00:00:00.000Z",
      lastSeen,
      ...(state === "open"
        ? { sinkRef: { sink: "github", externalId: "7", url: "https://github.com/contoso/infra/issues/7" } }
        : {}),
    });
    builder.setLedger(
      [
        action("2026-11-01T00:00:00.000Z"),
        action("2026-11-30T00:00:00.000Z", { from: "a", to: "b", action: "rotate-key" }),
      ],
      [
        ticket("A", "closed", "2026-11-30T00:00:00.000Z"),
        ticket("B", "requested", "2026-11-02T00:00:00.000Z"),
        ticket("C", "open", "2026-11-03T00:00:00.000Z"),
      ],
    );
    const report = builder.build();
    expect(report.actions).toEqual([
      {
        at: "2026-11-30T00:00:00.000Z",
        resourceId: disk,
        resourceType: "Microsoft.Compute/disks",
        action: "rotate-key",
        status: "applied",
        reason: "platform key",
        from: "a",
        to: "b",
        dryRun: false,
      },
      {
        at: "2026-11-01T00:00:00.000Z",
        resourceId: disk,
        resourceType: "Microsoft.Compute/disks",
        action: "open-ticket",
        status: "applied",
        reason: "platform key",
        dryRun: false,
      },
    ]);
    expect(report.tickets.map((t) => [t.findingCode, t.state, t.url])).toEqual([
      ["C", "open", "https://github.com/contoso/infra/issues/7"],
      ["B", "requested", undefined],
      ["A", "closed", undefined],
    ]);
    expect(report.tickets[0]).not.toHaveProperty("body");
  });

  it("build() can be called again and returns independent copies", () => {
    const builder = createComplianceReportBuilder({ scope, now: NOW });
    const first = judged[3];
    if (first === undefined) throw new Error("fixture too small");
    builder.add(first.evaluation, first.subscriptionId);
    const a = builder.build();
    a.totals.resources = 99;
    builder.add(first.evaluation, first.subscriptionId);
    expect(builder.build().totals.resources).toBe(2);
  });

  it("rejects inputs it cannot count, naming the field", () => {
    const builder = createComplianceReportBuilder({ scope, now: NOW });
    expect(() => {
      builder.addGraphPages(-1);
    }).toThrow(ComplianceReportBuilderError);
    expect(() => {
      builder.addGraphPages(1.5);
    }).toThrow(/graphPages/);
    expect(() => {
      builder.add(evaluationOf({ id: "/x", type: "t" }, {}), "");
    }).toThrow(/subscriptionId/);
    expect(() => createComplianceReportBuilder({ scope, now: new Date("nope") })).toThrow(/now/);
  });
});
