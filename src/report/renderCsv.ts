import { AT_RISK_CODES } from "../core/findings/finding.js";
import type {
  ComplianceReport,
  ExcludedResource,
  ReportFinding,
  ReportUndetermined,
} from "./complianceReport.js";

/** The CSV columns, in order. */
export const CSV_COLUMNS = [
  "severity",
  "code",
  "title",
  "resource_type",
  "resource_group",
  "resource_name",
  "subscription_id",
  "subscription_name",
  "resource_id",
  "self_remediable",
  "details",
  /**
   * Added after the others: `non-compliant`, `at-risk` (CmkNextRotationRefused), `undetermined` or
   * `excluded`.
   */
  "state",
] as const;

/**
 * One CSV field: a value a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or
 * carriage return) gets a leading apostrophe, so opening the file never executes resource names or
 * titles; then RFC 4180 quoting when the value holds a quote, comma or line break.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function segment(resourceId: string, name: string): string {
  const parts = resourceId.split("/");
  const i = parts.findIndex((p) => p.toLowerCase() === name);
  return i < 0 ? "" : (parts[i + 1] ?? "");
}

/** What a row says about its resource; the resource columns come from the row's resource. */
interface RowVerdict {
  severity: string;
  code: string;
  title: string;
  selfRemediable: boolean;
  details: string;
  state: string;
}

/** The resource a row is about: findings, undetermined and excluded resources all carry these. */
type RowResource = Pick<ReportFinding, "resourceId" | "resourceType" | "subscriptionId">;

/** One CSV record in {@link CSV_COLUMNS} order. */
function csvRow(r: RowResource, subscriptionName: string, v: RowVerdict): string {
  return [
    v.severity,
    v.code,
    v.title,
    r.resourceType,
    segment(r.resourceId, "resourcegroups"),
    r.resourceId.replace(/\/+$/, "").split("/").pop() ?? "",
    r.subscriptionId,
    subscriptionName,
    r.resourceId,
    String(v.selfRemediable),
    v.details,
    v.state,
  ]
    .map(csvField)
    .join(",");
}

const findingVerdict = (f: ReportFinding): RowVerdict => ({
  severity: f.severity,
  code: f.code,
  title: f.title,
  selfRemediable: f.selfRemediable,
  details: f.body,
  state: AT_RISK_CODES.has(f.code) ? "at-risk" : "non-compliant",
});

/** A resource that could not be fully judged: no severity, code `Undetermined`, the reason as details. */
const undeterminedVerdict = (u: ReportUndetermined): RowVerdict => ({
  severity: "",
  code: "Undetermined",
  title: `Not fully judged: ${u.reason}`,
  selfRemediable: false,
  details: u.field === undefined ? u.reason : `${u.reason} (field ${u.field})`,
  state: "undetermined",
});

/** An excluded resource: no severity, code `Excluded`, the exclusion as its title. */
const excludedVerdict = (e: ExcludedResource): RowVerdict => ({
  severity: "",
  code: "Excluded",
  title: e.reason,
  selfRemediable: false,
  details: "",
  state: "excluded",
});

/**
 * The report's findings as CSV (`cmkr scan --format csv`): a header row ({@link CSV_COLUMNS}), then
 * one row per finding in the report's order, with its markdown details (what, where, why, how to
 * fix) and whether it makes the resource non-compliant or at risk, then one row per resource that
 * could not be fully judged (`state` `undetermined`), then one row per excluded resource (empty
 * severity, code `Excluded`, the exclusion as title, `state` `excluded`). RFC 4180: CRLF between
 * records, quoted fields may span lines.
 */
export function renderCsv(report: ComplianceReport): string {
  const names = new Map(report.bySubscription.map((g) => [g.key.toLowerCase(), g.label ?? ""]));
  const lines = [CSV_COLUMNS.join(",")];
  const nameOf = (r: RowResource): string => names.get(r.subscriptionId.toLowerCase()) ?? "";
  for (const f of report.findings) lines.push(csvRow(f, nameOf(f), findingVerdict(f)));
  for (const u of report.undeterminedResources) lines.push(csvRow(u, nameOf(u), undeterminedVerdict(u)));
  for (const e of report.excluded) lines.push(csvRow(e, nameOf(e), excludedVerdict(e)));
  return `${lines.join("\r\n")}\r\n`;
}
