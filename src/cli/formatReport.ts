import type { Report, ReportAction } from "../core/report/report.js";

function shortId(resourceId: string): string {
  const parts = resourceId.split("/");
  const group = parts[4] ?? "";
  return `${group}/${parts.at(-1) ?? resourceId}`;
}

function version(keyId: string | undefined): string {
  if (keyId === undefined) return "";
  const parts = keyId.split("/");
  return parts.length >= 6 ? `${parts[4] ?? ""}/${(parts[5] ?? "").slice(0, 8)}` : keyId;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function row(a: ReportAction): string[] {
  const change = a.from === undefined && a.to === undefined ? "" : `${version(a.from)} -> ${version(a.to)}`;
  return [
    a.action,
    a.status,
    shortId(a.resourceId),
    change,
    a.reason + (a.ticket === undefined ? "" : ` [${a.ticket}]`),
  ];
}

/** The report as a readable table for a terminal, with a one-line summary. */
export function formatReportTable(report: Report, width = 160): string {
  const header = ["ACTION", "STATUS", "RESOURCE", "KEY", "REASON"];
  const rows = report.actions.map(row);
  const widths = header.map((h, i) =>
    Math.min(i === 4 ? 200 : 48, Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length))),
  );
  const fixed = widths.slice(0, 4).reduce((sum, w) => sum + w + 2, 0);
  const reasonWidth = Math.max(30, width - fixed);
  const lines = [header, ...rows].map((r) =>
    r
      .map((cell, i) =>
        i === 4 ? truncate(cell, reasonWidth) : pad(truncate(cell, widths[i] ?? 10), widths[i] ?? 10),
      )
      .join("  ")
      .trimEnd(),
  );
  const counts = new Map<string, number>();
  for (const a of report.actions)
    counts.set(`${a.action} ${a.status}`, (counts.get(`${a.action} ${a.status}`) ?? 0) + 1);
  const summary = [...counts.entries()].map(([k, n]) => `${n} ${k}`).join(", ");
  const out = [
    report.dryRun ? "Dry run: nothing was written (use --apply to make changes)." : "Applied.",
    ...(report.actions.length === 0 ? ["No actions."] : lines),
    "",
    `Summary: ${summary === "" ? "nothing to do" : summary}${report.errors.length > 0 ? `; ${report.errors.length} error(s)` : ""}`,
    ...report.errors.map((e) => `error: ${e.input}: ${e.message}`),
  ];
  return `${out.join("\n")}\n`;
}
