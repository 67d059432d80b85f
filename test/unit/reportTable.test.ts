import { describe, expect, it } from "vitest";
import type { ComplianceReport } from "../../src/report/complianceReport.js";
import { formatCompliancePercent } from "../../src/report/compliancePercent.js";
import { renderTable } from "../../src/report/renderTable.js";
import { buildReportTenant, HOSTILE_NAME, reportOf, SUB_DEV } from "./reportFixtures.js";

const report = reportOf(buildReportTenant());
// eslint-disable-next-line no-control-regex
const ESC = /\u001b/;

/** The cells of the table row whose first cell starts with `label`. */
function rowOf(text: string, label: string): string[] {
  const line = text.split("\n").find((l) => l.startsWith(label));
  if (line === undefined) throw new Error(`no row ${label}`);
  return line.split(/ {2,}/);
}

describe("renderTable", () => {
  const text = renderTable(report, { color: false });

  it("summary line with the totals and the percentage", () => {
    const t = report.totals;
    expect(text).toContain(
      `${t.resources} resources: ${t.compliant} compliant, ${t.nonCompliant} non-compliant, ${t.atRisk} at risk, ${t.excluded} excluded, ${t.undetermined} undetermined; ${formatCompliancePercent(t)} compliant; ${report.findings.length} findings; 2 Resource Graph pages read`,
    );
    expect(text.split("\n")[0]).toBe(
      `CMK compliance report, generated ${report.generatedAt}; scope: all visible subscriptions`,
    );
  });

  it("one row per resource type and per subscription with the report's counts and percentage", () => {
    for (const g of report.byResourceType) {
      const c = g.counts;
      expect(rowOf(text, g.key)).toEqual([
        g.key,
        ...[c.resources, c.compliant, c.nonCompliant, c.atRisk, c.excluded, c.undetermined].map(String),
        formatCompliancePercent(c),
      ]);
    }
    for (const g of report.bySubscription) {
      const c = g.counts;
      expect(rowOf(text, g.label ?? "?")).toEqual([
        g.label,
        g.key,
        ...[c.resources, c.compliant, c.nonCompliant, c.atRisk, c.excluded, c.undetermined].map(String),
        formatCompliancePercent(c),
      ]);
    }
    expect(rowOf(text, "dev & test")[1]).toBe(SUB_DEV);
  });

  it("lists the findings most severe first, up to the limit, and says when it cut", () => {
    const counts = (["urgent", "high", "medium", "low"] as const).map(
      (s) => `${report.findings.filter((f) => f.severity === s).length} ${s}`,
    );
    expect(text).toContain(`Findings: ${counts.join(", ")}\n`);
    const findingRows = text.split("\n").filter((l) => /^(urgent|high|medium|low) {2}/.test(l));
    expect(findingRows).toHaveLength(report.findings.length);
    expect(findingRows[0]).toMatch(/^urgent +CmkKeyExpired +rg-compute\/des-legacy +ticket/);

    const cut = renderTable(report, { color: false, maxFindings: 3 });
    expect(cut.split("\n").filter((l) => /^(urgent|high|medium|low) {2}/.test(l))).toHaveLength(3);
    expect(cut).toContain("(the first 3; --format html or csv lists all with their fixes)");
  });

  it("lists the resources not fully judged with their reasons", () => {
    expect(text).toContain(`Not fully judged: ${report.undeterminedResources.length} resources\n`);
    expect(rowOf(text, "rg-compute/des-odd")[1]).toMatch(/field identity\.principalId/);
    expect(rowOf(text, "rg-ml/proj-dev")[1]).toMatch(/hub .* was not provided/);
    const cut = renderTable(report, { color: false, maxFindings: 1 });
    expect(cut).toContain(
      "Not fully judged: 2 resources (the first 1; --format json, csv or html lists all)",
    );
  });

  it("no escape sequences without color, and none smuggled in through resource text", () => {
    expect(text).not.toMatch(ESC);
    const evil: ComplianceReport = {
      ...report,
      findings: report.findings.map((f, i) =>
        i === 0 ? { ...f, title: "\u001b]8;;https://evil\u0007x" } : f,
      ),
    };
    expect(renderTable(evil, { color: false })).not.toMatch(ESC);
    expect(text).toContain(HOSTILE_NAME.slice(0, 10));
  });

  it("colors only when asked, and the plain text is the same", () => {
    const colored = renderTable(report, { color: true });
    expect(colored).toMatch(ESC);
    // eslint-disable-next-line no-control-regex
    expect(colored.replace(/\u001b\[\d+m/g, "")).toBe(text);
  });

  it("fits a terminal's width by cutting names and titles; cuts nothing without one", () => {
    // 140 columns: the subscription table's fixed columns (id and six counts) take 121 of them.
    const narrow = renderTable(report, { color: false, width: 140 });
    const tableRows = narrow
      .split("\n")
      .filter((l) => /^(urgent |high |medium |low |Microsoft\.|prod |dev |shared-)/.test(l));
    expect(tableRows.length).toBe(report.findings.length + report.byResourceType.length + 3);
    for (const l of tableRows) expect(l.length).toBeLessThanOrEqual(140);
    expect(tableRows.some((l) => l.endsWith("…"))).toBe(true);
    // The numbers stay whole when names are cut.
    const row = rowOf(narrow, "Microsoft.Ma");
    expect(row.slice(1)).toEqual(["4", "0", "2", "0", "1", "1", "0.0%"]);
    // A narrow terminal (80 columns) gets the compact form: nothing cut but subscription ids, all fits.
    const compact = renderTable(report, { color: false, width: 80 });
    for (const l of compact.split("\n")) expect(l.replace(/…/g, ".").length).toBeLessThan(80);
    expect(compact).toMatch(/^TYPE\s+ALL\s+OK\s+NOT OK\s+RISK\s+EXCL\.\s+UNDET\.\s+OK %$/m);
    for (const g of report.byResourceType) {
      const c = g.counts;
      expect(rowOf(compact, g.key.replace(/^Microsoft\./, ""))).toEqual([
        g.key.replace(/^Microsoft\./, ""),
        ...[c.resources, c.compliant, c.nonCompliant, c.atRisk, c.excluded, c.undetermined].map(String),
        formatCompliancePercent(c),
      ]);
    }
    expect(rowOf(compact, "dev & test (")[0]).toBe(`dev & test (${SUB_DEV.slice(0, 8)}…)`);
    const flat = compact.replace(/\s+/g, " ");
    for (const f of report.findings) expect(flat).toContain(f.title.replace(/\s+/g, " "));
    expect(compact).toMatch(/^urgent +CmkKeyExpired +rg-compute\/des-legacy$/m);
    expect(text).not.toContain("…");
    for (const f of report.findings) expect(text).toContain(f.title);
  });

  it("lists the excluded resources with their exclusion", () => {
    expect(report.excluded.length).toBeGreaterThan(0);
    expect(text).toContain(`Excluded: ${report.excluded.length} resources`);
    for (const e of report.excluded) {
      const name = e.resourceId.split("/").pop() ?? "";
      expect(text).toMatch(
        new RegExp(`^\\S*${name}\\s+${e.resourceType.replace("/", "\\/")}\\s+${e.reason}$`, "m"),
      );
    }
  });

  it("says so when there is nothing", () => {
    const empty: ComplianceReport = {
      ...report,
      totals: { resources: 0, compliant: 0, nonCompliant: 0, excluded: 0, undetermined: 0, atRisk: 0 },
      byResourceType: [],
      bySubscription: [],
      findings: [],
      undeterminedResources: [],
      excluded: [],
    };
    const out = renderTable(empty, { color: false });
    expect(out).toContain("0 resources: 0 compliant");
    expect(out).toContain("n/a compliant");
    expect(out).toContain("Findings: none");
  });
});
