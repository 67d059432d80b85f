import { describe, expect, it } from "vitest";
import type { ComplianceReport, ReportFinding } from "../../src/report/complianceReport.js";
import { CSV_COLUMNS, csvField, renderCsv } from "../../src/report/renderCsv.js";
import { buildReportTenant, HOSTILE_NAME, reportOf } from "./reportFixtures.js";

/** A strict RFC 4180 reader: CRLF between records, quoted fields with doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error("unterminated quoted field");
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const end = text.slice(i).search(/,|\r\n/);
      if (end < 0) throw new Error("record not terminated by CRLF");
      field = text.slice(i, i + end);
      if (/["\r\n]/.test(field)) throw new Error(`bare quote or line break in unquoted field ${field}`);
      i += end;
    }
    row.push(field);
    if (text[i] === ",") {
      i++;
      continue;
    }
    if (text.startsWith("\r\n", i)) {
      rows.push(row);
      row = [];
      i += 2;
      if (i === text.length) return rows;
      continue;
    }
    throw new Error(`unexpected character at ${i}`);
  }
}

const tenant = buildReportTenant();
const report = reportOf(tenant);

describe("renderCsv", () => {
  it("one row per finding after a header row, every field read back as written", () => {
    const rows = parseCsv(renderCsv(report));
    expect(rows).toHaveLength(
      report.findings.length + report.undeterminedResources.length + report.excluded.length + 1,
    );
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    for (const [i, f] of report.findings.entries()) {
      const r = Object.fromEntries(CSV_COLUMNS.map((c, j) => [c, rows[i + 1]?.[j]]));
      expect(rows[i + 1]).toHaveLength(CSV_COLUMNS.length);
      expect(r).toMatchObject({
        severity: f.severity,
        code: f.code,
        title: f.title,
        resource_type: f.resourceType,
        subscription_id: f.subscriptionId,
        resource_id: f.resourceId,
        self_remediable: String(f.selfRemediable),
        details: f.body,
        state: f.code === "CmkNextRotationRefused" ? "at-risk" : "non-compliant",
      });
      expect(f.resourceId.endsWith(`/${r.resource_name ?? "?"}`)).toBe(true);
      expect(f.resourceId).toContain(`/resourceGroups/${r.resource_group ?? "?"}/`);
    }
    // The multi-line markdown bodies are what makes quoting matter.
    expect(report.findings.every((f) => f.body.includes("\n"))).toBe(true);
    // Then each excluded resource: no severity, code Excluded, its exclusion as the title.
    expect(report.excluded.length).toBeGreaterThan(0);
    for (const [i, e] of report.excluded.entries()) {
      const r = rows[report.findings.length + report.undeterminedResources.length + 1 + i] ?? [];
      expect(Object.fromEntries(CSV_COLUMNS.map((c, j) => [c, r[j]]))).toMatchObject({
        severity: "",
        code: "Excluded",
        title: e.reason,
        resource_type: e.resourceType,
        subscription_id: e.subscriptionId,
        resource_id: e.resourceId,
        self_remediable: "false",
        details: "",
        state: "excluded",
      });
    }
    const names = new Map(rows.slice(1).map((r) => [r[6], r[7]]));
    expect([...names.values()].sort()).toEqual(["dev & test", "prod", "shared-keys"]);
    expect(rows.slice(1).some((r) => r[5] === HOSTILE_NAME)).toBe(true);
  });

  it("then one row per resource not fully judged, state undetermined, with its reason", () => {
    const rows = parseCsv(renderCsv(report))
      .slice(1 + report.findings.length)
      .slice(0, -report.excluded.length);
    expect(rows).toHaveLength(report.undeterminedResources.length);
    for (const [i, u] of report.undeterminedResources.entries()) {
      const r = Object.fromEntries(CSV_COLUMNS.map((c, j) => [c, rows[i]?.[j]]));
      expect(r).toMatchObject({
        severity: "",
        code: "Undetermined",
        title: `Not fully judged: ${u.reason}`,
        resource_id: u.resourceId,
        subscription_id: u.subscriptionId,
        self_remediable: "false",
        state: "undetermined",
      });
      if (u.field !== undefined) expect(r.details).toContain(`(field ${u.field})`);
    }
    expect(rows.some((r) => r[0] === "" && r.at(-1) === "undetermined")).toBe(true);
    const states = parseCsv(renderCsv(report))
      .slice(1)
      .map((r) => r.at(-1));
    expect(new Set(states)).toEqual(new Set(["non-compliant", "at-risk", "excluded", "undetermined"]));
  });

  it("ends every record with CRLF and contains no bare CR", () => {
    const csv = renderCsv(report);
    expect(csv.endsWith("\r\n")).toBe(true);
    expect(csv).not.toMatch(/\r(?!\n)/);
    expect(csv.split("\r\n")[0]).toBe(CSV_COLUMNS.join(","));
  });

  it("neutralises cells a spreadsheet would run as formulas", () => {
    const base = report.findings[0] as ReportFinding;
    const hostile: ComplianceReport = {
      ...report,
      excluded: [],
      findings: [
        { ...base, title: '=HYPERLINK("https://evil.example","x")' },
        { ...base, title: "+1+1", body: "-2+3" },
        { ...base, title: "@SUM(A1)", body: "\t=1" },
        { ...base, title: "\r=1", body: "a, b" },
      ],
    };
    const rows = parseCsv(renderCsv({ ...hostile, undeterminedResources: [] })).slice(1);
    expect(rows.map((r) => r[2])).toEqual([
      `'=HYPERLINK("https://evil.example","x")`,
      "'+1+1",
      "'@SUM(A1)",
      "'\r=1",
    ]);
    expect(rows.map((r) => r[10])).toEqual([base.body, "'-2+3", "'\t=1", "a, b"]);
    for (const r of rows) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("csvField quotes only what needs it", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("a\nb")).toBe('"a\nb"');
    expect(csvField("=1,2")).toBe(`"'=1,2"`);
    expect(csvField("")).toBe("");
  });

  it("an empty report is the header row alone", () => {
    expect(renderCsv({ ...report, findings: [], undeterminedResources: [], excluded: [] })).toBe(
      `${CSV_COLUMNS.join(",")}\r\n`,
    );
  });
});
