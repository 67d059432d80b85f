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

function row(f: ReportFinding, subscriptionName: string): string {
  return [
    f.severity,
    f.code,
    f.title,
    f.resourceType,
    segment(f.resourceId, "resourcegroups"),
    f.resourceId.replace(/\/+$/, "").split("/").pop() ?? "",
    f.subscriptionId,
    subscriptionName,
    f.resourceId,
    String(f.selfRemediable),
    f.body,
    AT_RISK_CODES.has(f.code) ? "at-risk" : "non-compliant",
  ]
    .map(csvField)
    .join(",");
}

/** A resource that could not be fully judged: no severity, code `Undetermined`, the reason as details. */
function undeterminedRow(u: ReportUndetermined, subscriptionName: string): string {
  return [
    "",
    "Undetermined",
    `Not fully judged: ${u.reason}`,
    u.resourceType,
    segment(u.resourceId, "resourcegroups"),
    u.resourceId.replace(/\/+$/, "").split("/").pop() ?? "",
    u.subscriptionId,
    subscriptionName,
    u.resourceId,
    "false",
    u.field === undefined ? u.reason : `${u.reason} (field ${u.field})`,
    "undetermined",
  ]
    .map(csvField)
    .join(",");
}

/** An excluded resource as a row: no severity, code `Excluded`, the exclusion as its title. */
function excludedRow(e: ExcludedResource, subscriptionName: string): string {
  return [
    "",
    "Excluded",
    e.reason,
    e.resourceType,
    segment(e.resourceId, "resourcegroups"),
    e.resourceId.replace(/\/+$/, "").split("/").pop() ?? "",
    e.subscriptionId,
    subscriptionName,
    e.resourceId,
    "false",
    "",
    "excluded",
  ]
    .map(csvField)
    .join(",");
}

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
  for (const f of report.findings) lines.push(row(f, names.get(f.subscriptionId.toLowerCase()) ?? ""));
  for (const u of report.undeterminedResources)
    lines.push(undeterminedRow(u, names.get(u.subscriptionId.toLowerCase()) ?? ""));
  for (const e of report.excluded)
    lines.push(excludedRow(e, names.get(e.subscriptionId.toLowerCase()) ?? ""));
  return `${lines.join("\r\n")}\r\n`;
}
