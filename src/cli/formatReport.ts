import { keyRefFromUri, sameKey } from "../core/ids/keyId.js";
import type { Report, ReportAction } from "../core/report/report.js";
import { wrapText } from "../report/wrapText.js";

/** Options of {@link formatReportTable}. */
export interface ReportTableOptions {
  /** Columns available (see `terminalWidth`); 80 when absent. */
  readonly width?: number;
  /** Everything in full, one line per action, whatever the width (`--wide`). */
  readonly wide?: boolean;
  /** Lines to print under the summary (skipped event types, Event Grid limit warnings...). */
  readonly notes?: readonly string[];
}

/** Reasons get a column of their own once it can be at least this wide; else they go beneath the row. */
const minReasonColumn = 60;
/** A code column wider than this cuts codes; no stable code is longer today. */
const maxCodeWidth = 32;

// Report order of the summary: what needs a person first, then what was done, then the rest.
const actionOrder = ["refuse", "rotate-key", "enable-cmk", "open-ticket", "update-ticket", "none"];
const statusOrder = ["failed", "applied", "planned", "skipped"];

/** Control characters from resource names or reasons must not reach the terminal. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** `resource-group/name`; when that is too long the group gives way first, so the name stays whole. */
function shortResource(resourceId: string, width = Number.POSITIVE_INFINITY): string {
  const parts = resourceId.replace(/\/+$/, "").split("/");
  const groupAt = parts.findIndex((p) => p.toLowerCase() === "resourcegroups");
  const name = parts.at(-1) ?? resourceId;
  const group = groupAt < 0 ? "" : (parts[groupAt + 1] ?? "");
  const full = group === "" ? name : `${group}/${name}`;
  if (full.length <= width) return full;
  if (group !== "" && name.length + 3 <= width) return `${group.slice(0, width - name.length - 2)}…/${name}`;
  return cut(name, width);
}

/** `cmk 3f2a9c1e -> 7e9b1d3f`: the key named once when both sides are the same key. */
function keyChange(a: ReportAction): string {
  if (a.from === undefined && a.to === undefined) return "";
  const from = a.from === undefined ? undefined : keyRefFromUri(a.from);
  const to = a.to === undefined ? undefined : keyRefFromUri(a.to);
  const ver = (v: string | undefined) => (v === undefined ? "(no version)" : v.slice(0, 8));
  if (from !== undefined && to !== undefined && sameKey(from, to)) {
    return `${from.keyName} ${ver(from.version)} -> ${ver(to.version)}`;
  }
  const side = (uri: string | undefined, ref: ReturnType<typeof keyRefFromUri>) =>
    uri === undefined ? "(none)" : ref === undefined ? uri : `${ref.keyName}/${ver(ref.version)}`;
  return to === undefined && a.to === undefined
    ? side(a.from, from)
    : `${side(a.from, from)} -> ${side(a.to, to)}`;
}

/**
 * A reason shortened for a terminal without losing what it says: ARM resource ids become the
 * resource's name, key URIs `name/version8`, 32-digit key versions their first 8 digits (as the
 * KEY column shows them). `--wide` and `--json` keep the full text.
 */
export function abbreviateReason(reason: string): string {
  return (
    reason
      .replace(
        /https:\/\/[a-z0-9-]+\.(?:vault|managedhsm)\.[a-z0-9.-]+(?::\d+)?\/keys\/([A-Za-z0-9-]+)(?:\/([0-9A-Za-z]+))?\/?/gi,
        (_m, name: string, version: string | undefined) =>
          version === undefined ? name : `${name}/${version.slice(0, 8)}`,
      )
      .replace(/\/subscriptions\/[^\s,;()'"]+/gi, (id) => {
        // A sentence may end right after an id: keep its full stop.
        const stop = id.endsWith(".") ? "." : "";
        const segments = id.slice(0, id.length - stop.length).split("/");
        return `${segments.at(-1) ?? id}${stop}`;
      })
      // A bare key version (32 hex digits), as the reasons name the versions they chose between.
      .replace(/\b([0-9a-f]{8})[0-9a-f]{24}\b/gi, "$1")
  );
}

/** Word-wraps `text` to `width` columns; a word longer than a line is split. */
export function wrap(text: string, width: number): string[] {
  const lines = wrapText(text, width);
  // A table cell always has a line, even for an empty text.
  return lines.length === 0 ? [""] : lines;
}

/** The stable code column: the first code, and how many more there are. */
function codeCell(a: ReportAction): string {
  const codes = a.codes ?? [];
  const [first] = codes;
  if (first === undefined) return "-";
  return codes.length > 1 ? `${first} +${codes.length - 1}` : first;
}

function reasonText(a: ReportAction, full: boolean): string {
  const reason = clean(full ? a.reason : abbreviateReason(a.reason));
  return a.ticket === undefined ? reason : `${reason} [ticket ${a.ticket}]`;
}

function rank(list: readonly string[], value: string): number {
  const i = list.indexOf(value);
  return i < 0 ? list.length : i;
}

/**
 * The counts a person reads first: `5 rotate-key applied, 6 refuse skipped, ...`, the actions that
 * need someone first. Stable wording (scripts grep it): `{n} {action} {status}`.
 */
export function summarizeActions(actions: readonly ReportAction[]): string {
  const counts = new Map<string, { action: string; status: string; n: number }>();
  for (const a of actions) {
    const key = `${a.action} ${a.status}`;
    const entry = counts.get(key) ?? { action: a.action, status: a.status, n: 0 };
    entry.n++;
    counts.set(key, entry);
  }
  return [...counts.values()]
    .sort(
      (x, y) =>
        (x.status === "failed" ? -1 : 0) - (y.status === "failed" ? -1 : 0) ||
        rank(actionOrder, x.action) - rank(actionOrder, y.action) ||
        rank(statusOrder, x.status) - rank(statusOrder, y.status),
    )
    .map((c) => `${c.n} ${c.action} ${c.status}`)
    .join(", ");
}

function attentionLine(report: Report): string | undefined {
  const refused = report.actions.filter((a) => a.action === "refuse").length;
  const failed = report.actions.filter((a) => a.status === "failed").length;
  const parts = [
    ...(failed > 0 ? [`${failed} failed`] : []),
    ...(refused > 0 ? [`${refused} refused`] : []),
    ...(report.errors.length > 0 ? [`${report.errors.length} input error(s)`] : []),
  ];
  if (parts.length === 0) return undefined;
  const hints = [
    ...(failed + refused > 0 ? ["CODE says why; each reason ends with what to do (--wide: in full)"] : []),
    ...(report.errors.length > 0 ? ["the input errors are listed after the table"] : []),
  ];
  return `Needs attention: ${parts.join(", ")}. ${hints.join("; ")}.`;
}

function wideLines(actions: readonly ReportAction[]): string[] {
  const header = ["ACTION", "STATUS", "RESOURCE", "FROM", "TO", "CODES", "REASON"];
  const rows = actions.map((a) => [
    a.action,
    a.status,
    clean(a.resourceId),
    a.from ?? "-",
    a.to ?? "-",
    (a.codes ?? []).length === 0 ? "-" : (a.codes ?? []).join(","),
    reasonText(a, true),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : pad(cell, widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

function columnLines(actions: readonly ReportAction[], width: number): string[] {
  // As wide as what is in them: every column given back leaves more for the resource.
  const actionWidth = Math.max("ACTION".length, ...actions.map((a) => a.action.length));
  const statusWidth = Math.max("STATUS".length, ...actions.map((a) => a.status.length));
  const codeWidth = Math.min(maxCodeWidth, Math.max(4, ...actions.map((a) => codeCell(a).length)));
  const keys = actions.map(keyChange);
  const keyWidth = Math.min(40, Math.max(3, ...keys.map((k) => k.length)));
  const fixed = actionWidth + statusWidth + codeWidth + 2 * 3;
  const columnResourceWidth = Math.min(
    40,
    Math.max("RESOURCE".length, ...actions.map((a) => shortResource(a.resourceId).length)),
  );
  const left = fixed + columnResourceWidth + 2 + keyWidth + 2;
  if (width - left - 1 >= minReasonColumn) {
    // ACTION STATUS RESOURCE KEY CODE REASON, the reason wrapped inside its own column.
    const resourceWidth = columnResourceWidth;
    const reasonWidth = width - left - 1;
    const head = [
      pad("ACTION", actionWidth),
      pad("STATUS", statusWidth),
      pad("RESOURCE", resourceWidth),
      pad("KEY", keyWidth),
      pad("CODE", codeWidth),
      "REASON",
    ].join("  ");
    const out = [head];
    actions.forEach((a, i) => {
      const reason = wrap(reasonText(a, false), reasonWidth);
      const first = [
        pad(a.action, actionWidth),
        pad(a.status, statusWidth),
        pad(shortResource(clean(a.resourceId), resourceWidth), resourceWidth),
        pad(cut(keys[i] ?? "", keyWidth), keyWidth),
        pad(codeCell(a), codeWidth),
        reason[0] ?? "",
      ].join("  ");
      out.push(first.trimEnd(), ...reason.slice(1).map((l) => `${" ".repeat(left)}${l}`));
    });
    return out;
  }
  // Narrow: ACTION STATUS RESOURCE CODE on the row, key change and reason wrapped beneath it.
  const resourceWidth = Math.max(12, width - fixed - 1);
  const indent = "    ";
  const resourceCells = actions.map((a) => shortResource(clean(a.resourceId), resourceWidth));
  // CODE follows the longest resource shown, not the far edge of the terminal.
  const shown = Math.min(resourceWidth, Math.max("RESOURCE".length, ...resourceCells.map((r) => r.length)));
  const out = [
    [pad("ACTION", actionWidth), pad("STATUS", statusWidth), pad("RESOURCE", shown), "CODE"].join("  "),
  ];
  actions.forEach((a, i) => {
    out.push(
      [
        pad(a.action, actionWidth),
        pad(a.status, statusWidth),
        pad(resourceCells[i] ?? "", shown),
        codeCell(a),
      ]
        .join("  ")
        .trimEnd(),
    );
    const key = keys[i] ?? "";
    const detail = `${key === "" ? "" : `${key}: `}${reasonText(a, false)}`;
    out.push(...wrap(detail, width - indent.length - 1).map((l) => `${indent}${l}`));
  });
  return out;
}

/**
 * The report for a terminal: what happened first (dry run or applied, the counts, what needs a
 * person), then one row per action fitted to `width`: ACTION, STATUS, RESOURCE (group/name), the
 * stable CODE, and the key change and reason (abbreviated, never cut: the end of a reason says
 * what to do) beneath the row, or in a column of their own from 120 columns on. `wide` prints
 * every field in full, one line per action, however long.
 */
export function formatReportTable(report: Report, options: ReportTableOptions = {}): string {
  const width = Math.max(40, options.width ?? 80);
  const summary = summarizeActions(report.actions);
  const attention = attentionLine(report);
  const paragraph = (text: string): string[] => wrap(text, width - 1);
  const out = [
    report.dryRun ? "Dry run: nothing was written (use --apply to make changes)." : "Applied.",
    ...paragraph(
      `Summary: ${summary === "" ? "nothing to do" : summary}${report.errors.length > 0 ? `; ${report.errors.length} error(s)` : ""}`,
    ),
    ...(attention === undefined ? [] : paragraph(attention)),
    ...(options.notes ?? []).flatMap(paragraph),
    "",
    ...(report.actions.length === 0
      ? ["No actions."]
      : options.wide === true
        ? wideLines(report.actions)
        : columnLines(report.actions, width)),
    ...report.errors.map((e) => `error: ${clean(e.input)}: ${clean(e.message)}`),
  ];
  return `${out.join("\n")}\n`;
}
