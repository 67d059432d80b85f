import { beforeAll, describe, expect, it } from "vitest";
import type { ComplianceReport } from "../../src/report/complianceReport.js";
import { renderJson } from "../../src/report/renderJson.js";
import { buildReportTenant, recordLedger, reportOf } from "./reportFixtures.js";

let report: ComplianceReport;

beforeAll(async () => {
  const tenant = buildReportTenant();
  report = reportOf(tenant, await recordLedger(tenant));
});

/** Rebuilds a value with its object keys in reverse order, as another producer might order them. */
function shuffled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shuffled);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, shuffled(v)]),
    );
  return value;
}

describe("renderJson", () => {
  it("round-trips: parsing the output gives the report back", () => {
    const json = renderJson(report);
    expect(JSON.parse(json)).toEqual(report);
    expect(json.endsWith("}\n")).toBe(true);
    expect(report.actions.length).toBeGreaterThan(0);
    expect(report.tickets.length).toBeGreaterThan(0);
  });

  it("the key order is the contract's, whatever order the input had", () => {
    const json = renderJson(report);
    expect(renderJson(shuffled(report) as ComplianceReport)).toBe(json);
    expect(Object.keys(JSON.parse(json) as object)).toEqual([
      "generatedAt",
      "scope",
      "totals",
      "byResourceType",
      "bySubscription",
      "findings",
      "excluded",
      "actions",
      "tickets",
      "graphPages",
      // Added to the contract later: after every key there was before.
      "undeterminedResources",
    ]);
    const totals = (JSON.parse(json) as ComplianceReport).totals;
    expect(Object.keys(totals)).toEqual([
      "resources",
      "compliant",
      "nonCompliant",
      "excluded",
      "undetermined",
      "atRisk",
    ]);
  });

  it("carries no ledger snapshot or ticket body", () => {
    const parsed = JSON.parse(renderJson(report)) as ComplianceReport;
    for (const a of parsed.actions) {
      expect(a).not.toHaveProperty("before");
      expect(a).not.toHaveProperty("after");
    }
    for (const t of parsed.tickets) expect(t).not.toHaveProperty("body");
  });
});
