import type { ComplianceCounts, ComplianceGroup, ComplianceReport } from "./complianceReport.js";
import { wrapText } from "./wrapText.js";
import { compliancePercent, formatCompliancePercent } from "./compliancePercent.js";
import type { FindingSeverity } from "../core/findings/finding.js";

/** Options of {@link renderTable}; the caller decides from its output stream, so this stays pure. */
export interface TableOptions {
  /** ANSI colors (only when writing to a terminal that wants them). */
  color: boolean;
  /**
   * Columns available (the terminal's width); long names and titles are cut to fit. Absent: no
   * limit, nothing cut (output piped to a file or another program).
   */
  width?: number;
  /** How many findings to list (urgent first). Default 20. */
  maxFindings?: number;
}

const ansi = {
  bold: "\u001b[1m",
  dim: "\u001b[2m",
  red: "\u001b[31m",
  green: "\u001b[32m",
  yellow: "\u001b[33m",
  reset: "\u001b[0m",
} as const;

type Style = keyof typeof ansi | undefined;

const severityStyle: Readonly<Record<FindingSeverity, Style>> = {
  urgent: "red",
  high: "red",
  medium: "yellow",
  low: "dim",
};

interface Column {
  header: string;
  align: "left" | "right";
  /** The column that gives up width when the table is too wide. */
  flex?: boolean;
}

interface Cell {
  text: string;
  style?: Style;
}

/** Control characters (a resource name or title could carry ESC sequences) must not reach the terminal. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

function pad(text: string, width: number, align: "left" | "right"): string {
  const space = " ".repeat(Math.max(0, width - text.length));
  return align === "right" ? space + text : text + space;
}

function table(columns: readonly Column[], rows: readonly Cell[][], width: number, color: boolean): string[] {
  const paint = (text: string, style: Style): string =>
    color && style !== undefined ? `${ansi[style]}${text}${ansi.reset}` : text;
  const widths = columns.map((c, i) =>
    rows.reduce((w, r) => Math.max(w, r[i]?.text.length ?? 0), c.header.length),
  );
  const total = widths.reduce((sum, w) => sum + w, 0) + 2 * (columns.length - 1);
  const flex = columns.findIndex((c) => c.flex === true);
  if (total > width && flex >= 0) {
    widths[flex] = Math.max(12, (widths[flex] ?? 0) - (total - width));
  }
  const line = (cells: readonly Cell[], header: boolean): string =>
    columns
      .map((c, i) => {
        const w = widths[i] ?? 0;
        const cell = cells[i] ?? { text: "" };
        const text = pad(cut(cell.text, w), i === columns.length - 1 && c.align === "left" ? 0 : w, c.align);
        return paint(text, header ? "bold" : cell.style);
      })
      .join("  ")
      .trimEnd();
  return [
    line(
      columns.map((c) => ({ text: c.header })),
      true,
    ),
    ...rows.map((r) => line(r, false)),
  ];
}

function percentStyle(counts: ComplianceCounts): Style {
  const percent = compliancePercent(counts);
  if (percent === undefined) return "dim";
  return percent === 100 ? "green" : percent >= 80 ? "yellow" : "red";
}

const countColumns: readonly Column[] = [
  { header: "RESOURCES", align: "right" },
  { header: "COMPLIANT", align: "right" },
  { header: "NON-COMPLIANT", align: "right" },
  { header: "AT RISK", align: "right" },
  { header: "EXCLUDED", align: "right" },
  { header: "UNDETERMINED", align: "right" },
  { header: "COMPLIANT %", align: "right" },
];

/** Short headers for a narrow terminal; {@link compactLegend} spells them out. */
const compactCountColumns: readonly Column[] = [
  { header: "ALL", align: "right" },
  { header: "OK", align: "right" },
  { header: "NOT OK", align: "right" },
  { header: "RISK", align: "right" },
  { header: "EXCL.", align: "right" },
  { header: "UNDET.", align: "right" },
  { header: "OK %", align: "right" },
];

const compactLegend =
  "OK: compliant, NOT OK: non-compliant, RISK: at risk, EXCL.: excluded, UNDET.: undetermined; the percentage is of the resources in scope.";

/** Below this width the tables take their compact form: short headers, details beneath rows. */
const compactBelow = 120;

/** Every type the service judges is Microsoft's: a narrow terminal shows it without the prefix. */
function shortType(type: string): string {
  return type.replace(/^Microsoft\./i, "");
}

/**
 * The compact form of a table: each row on one line, and beneath it its detail (the column that
 * would not fit), word-wrapped and indented.
 */
function rowsWithDetails(
  columns: readonly Column[],
  rows: readonly Cell[][],
  details: readonly string[],
  width: number,
  color: boolean,
): string[] {
  const lines = table(columns, rows, width - 1, color);
  const out = [lines[0] ?? ""];
  details.forEach((detail, i) => {
    out.push(lines[i + 1] ?? "", ...wrapText(detail, width - 5).map((l) => `    ${l}`));
  });
  return out;
}

function countCells(c: ComplianceCounts): Cell[] {
  return [
    { text: String(c.resources) },
    { text: String(c.compliant) },
    { text: String(c.nonCompliant), style: c.nonCompliant > 0 ? "red" : undefined },
    { text: String(c.atRisk), style: c.atRisk > 0 ? "yellow" : undefined },
    { text: String(c.excluded) },
    { text: String(c.undetermined), style: c.undetermined > 0 ? "yellow" : undefined },
    { text: formatCompliancePercent(c), style: percentStyle(c) },
  ];
}

function groupTable(
  title: string,
  header: string,
  groups: readonly ComplianceGroup[],
  width: number,
  color: boolean,
): string[] {
  if (groups.length === 0) return [title, "  (none)"];
  if (width < compactBelow) {
    // One key column (a subscription's name with the start of its id) and short count headers.
    const rows = groups.map((g) => [
      {
        text: clean(
          g.label === undefined
            ? header === "RESOURCE TYPE"
              ? shortType(g.key)
              : g.key
            : `${g.label} (${g.key.slice(0, 8)}…)`,
        ),
      },
      ...countCells(g.counts),
    ]);
    return [
      title,
      ...table(
        [
          { header: header === "RESOURCE TYPE" ? "TYPE" : "SUBSCRIPTION", align: "left", flex: true },
          ...compactCountColumns,
        ],
        rows,
        width,
        color,
      ),
    ];
  }
  // Subscriptions get their display name in a column of its own, so cutting a long name never cuts the id.
  const named = groups.some((g) => g.label !== undefined);
  const columns: Column[] = named
    ? [{ header: "NAME", align: "left", flex: true }, { header, align: "left" }, ...countColumns]
    : [{ header, align: "left", flex: true }, ...countColumns];
  const rows = groups.map((g) => [
    ...(named ? [{ text: clean(g.label ?? "") }] : []),
    { text: clean(g.key) },
    ...countCells(g.counts),
  ]);
  return [title, ...table(columns, rows, width, color)];
}

/** `resource-group/name` of a resource id: enough to recognise it in a terminal. */
function shortId(resourceId: string): string {
  const parts = resourceId.replace(/\/+$/, "").split("/");
  const group = parts.findIndex((p) => p.toLowerCase() === "resourcegroups");
  const name = parts.at(-1) ?? resourceId;
  return group < 0 ? name : `${parts[group + 1] ?? ""}/${name}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * The report for a terminal (`cmkr scan`, the default format): a summary, compliance per resource
 * type and per subscription with percentages, the most severe findings, the resources that could
 * not be fully judged and why, and what the ledger holds.
 * Plain text unless `color` is set; with a `width`, no table line is wider except when a table
 * cannot shrink further. Percentages follow {@link compliancePercent}.
 */
export function renderTable(report: ComplianceReport, options: TableOptions): string {
  const width = options.width === undefined ? Number.POSITIVE_INFINITY : Math.max(40, options.width);
  const color = options.color;
  const maxFindings = Math.max(0, options.maxFindings ?? 20);
  const t = report.totals;
  const scope =
    report.scope.subscriptions.length === 0 && report.scope.managementGroups.length === 0
      ? "all visible subscriptions"
      : [
          ...report.scope.subscriptions.map((s) => `subscription ${s}`),
          ...report.scope.managementGroups.map((m) => `management group ${m}`),
        ].join(", ");
  const percent = formatCompliancePercent(t);
  const percentText = color ? `${ansi[percentStyle(t) ?? "reset"]}${percent}${ansi.reset}` : percent;
  const compact = width < compactBelow;
  // Paragraphs wrap on a narrow terminal (the plain text: colour codes take no columns).
  const paragraph = (plain: string): string[] => (compact ? wrapText(plain, width - 1) : [plain]);
  const totalsLine = (p: string) =>
    `${plural(t.resources, "resource")}: ${t.compliant} compliant, ${t.nonCompliant} non-compliant, ${t.atRisk} at risk, ${t.excluded} excluded, ${t.undetermined} undetermined; ${p} compliant; ${plural(report.findings.length, "finding")}; ${plural(report.graphPages, "Resource Graph page")} read`;
  const totalsLines = compact
    ? wrapText(totalsLine(percent), width - 1).map((l) =>
        l.replace(`${percent} compliant;`, `${percentText} compliant;`),
      )
    : [totalsLine(percentText)];
  const out: string[] = [
    ...paragraph(clean(`CMK compliance report, generated ${report.generatedAt}; scope: ${scope}`)),
    ...totalsLines,
    "",
    ...groupTable("By resource type", "RESOURCE TYPE", report.byResourceType, width, color),
    "",
    ...groupTable("By subscription", "SUBSCRIPTION ID", report.bySubscription, width, color),
    ...(compact ? paragraph(compactLegend) : []),
    "",
  ];

  const bySeverity = new Map<FindingSeverity, number>();
  for (const f of report.findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  const severities = (["urgent", "high", "medium", "low"] as const)
    .filter((s) => bySeverity.has(s))
    .map((s) => `${bySeverity.get(s) ?? 0} ${s}`)
    .join(", ");
  if (report.findings.length === 0) {
    out.push("Findings: none");
  } else {
    const shown = report.findings.slice(0, maxFindings);
    out.push(
      `Findings: ${severities}` +
        (shown.length < report.findings.length
          ? ` (the first ${shown.length}; --format html or csv lists all with their fixes)`
          : ""),
    );
    const rows = shown.map((f) => [
      { text: f.severity, style: severityStyle[f.severity] },
      { text: f.code },
      { text: clean(shortId(f.resourceId)) },
      { text: f.selfRemediable ? "service" : "ticket" },
      { text: clean(f.title) },
    ]);
    if (compact) {
      // SEVERITY CODE RESOURCE on the row; who fixes it and the title, wrapped, beneath.
      out.push(
        ...rowsWithDetails(
          [
            { header: "SEVERITY", align: "left" },
            { header: "CODE", align: "left" },
            { header: "RESOURCE", align: "left", flex: true },
          ],
          rows.map((r) => r.slice(0, 3)),
          shown.map((f) => `${f.selfRemediable ? "fixed by the service" : "ticket"}: ${clean(f.title)}`),
          width,
          color,
        ),
      );
    } else
      out.push(
        ...table(
          [
            { header: "SEVERITY", align: "left" },
            { header: "CODE", align: "left" },
            { header: "RESOURCE", align: "left" },
            { header: "FIX BY", align: "left" },
            { header: "TITLE", align: "left", flex: true },
          ],
          rows,
          width,
          color,
        ),
      );
  }

  if (report.excluded.length > 0) {
    const shown = report.excluded.slice(0, maxFindings);
    out.push(
      "",
      `Excluded: ${plural(report.excluded.length, "resource")}` +
        (shown.length < report.excluded.length
          ? ` (the first ${shown.length}; --format json, csv or html lists all)`
          : ""),
    );
    if (compact) {
      out.push(
        ...rowsWithDetails(
          [
            { header: "RESOURCE", align: "left", flex: true },
            { header: "TYPE", align: "left" },
          ],
          shown.map((e) => [
            { text: clean(shortId(e.resourceId)) },
            { text: clean(shortType(e.resourceType)) },
          ]),
          shown.map((e) => clean(e.reason)),
          width,
          color,
        ),
      );
    } else
      out.push(
        ...table(
          [
            { header: "RESOURCE", align: "left" },
            { header: "TYPE", align: "left" },
            { header: "REASON", align: "left", flex: true },
          ],
          shown.map((e) => [
            { text: clean(shortId(e.resourceId)) },
            { text: clean(e.resourceType) },
            { text: clean(e.reason) },
          ]),
          width,
          color,
        ),
      );
  }

  const notJudged = report.undeterminedResources;
  if (notJudged.length > 0) {
    const shown = notJudged.slice(0, maxFindings);
    out.push(
      "",
      `Not fully judged: ${plural(notJudged.length, "resource")}` +
        (shown.length < notJudged.length
          ? ` (the first ${shown.length}; --format json, csv or html lists all)`
          : ""),
    );
    if (compact) {
      out.push(
        ...rowsWithDetails(
          [{ header: "RESOURCE", align: "left", flex: true }],
          shown.map((u) => [{ text: clean(shortId(u.resourceId)) }]),
          shown.map((u) => clean(u.reason)),
          width,
          color,
        ),
      );
    } else
      out.push(
        ...table(
          [
            { header: "RESOURCE", align: "left" },
            { header: "REASON", align: "left", flex: true },
          ],
          shown.map((u) => [
            { text: clean(shortId(u.resourceId)) },
            { text: clean(u.reason), style: "yellow" },
          ]),
          width,
          color,
        ),
      );
  }

  const openTickets = report.tickets.filter((k) => k.state !== "closed").length;
  const failed = report.actions.filter((a) => a.status === "failed").length;
  out.push(
    "",
    `Ledger: ${plural(report.actions.length, "action")}` +
      (failed > 0 ? ` (${failed} failed)` : "") +
      (report.actions[0] === undefined ? "" : `, newest ${report.actions[0].at}`) +
      `; ${plural(report.tickets.length, "ticket")}, ${openTickets} not closed`,
  );
  return `${out.join("\n")}\n`;
}
