import type { ComplianceCounts } from "./complianceReport.js";
import { formatCompliancePercent } from "./compliancePercent.js";
import { escapeHtml } from "./escapeHtml.js";

/** The five outcomes, in the order the bars stack them. */
export const CHART_SEGMENTS = [
  { outcome: "compliant", label: "Compliant", color: "#2e7d32" },
  { outcome: "nonCompliant", label: "Non-compliant", color: "#c62828" },
  { outcome: "atRisk", label: "At risk", color: "#ef6c00" },
  { outcome: "excluded", label: "Excluded", color: "#9e9e9e" },
  { outcome: "undetermined", label: "Undetermined", color: "#f9a825" },
] as const satisfies readonly { outcome: keyof ComplianceCounts; label: string; color: string }[];

/** One bar of the chart. */
export interface ChartBar {
  /** The group's key (resource type or subscription id), written to `data-key`. */
  key: string;
  /** What the bar is labelled with. */
  label: string;
  counts: ComplianceCounts;
}

const width = 830;
const barX = 310;
const barWidth = 360;
const valueX = barX + barWidth + 8;
const rowHeight = 26;
const barHeight = 16;
const legendHeight = 30;
const maxLabelChars = 46;

function cut(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

function describe(bar: ChartBar): string {
  const c = bar.counts;
  return `${bar.label}: ${c.resources} resources, ${formatCompliancePercent(c)} compliant (${c.compliant} compliant, ${c.nonCompliant} non-compliant, ${c.atRisk} at risk, ${c.excluded} excluded, ${c.undetermined} undetermined)`;
}

function legend(): string {
  const parts = CHART_SEGMENTS.map((s, i) => {
    const x = 10 + i * 130;
    return (
      `<g class="legend-item" data-segment="${s.outcome}">` +
      `<rect x="${x}" y="8" width="12" height="12" fill="${s.color}"></rect>` +
      `<text x="${x + 18}" y="18">${s.label}</text></g>`
    );
  });
  return `<g class="legend" aria-hidden="true">${parts.join("")}</g>`;
}

function barOf(bar: ChartBar, index: number): string {
  const y = legendHeight + index * rowHeight;
  const total = bar.counts.resources;
  let done = 0;
  const segments = CHART_SEGMENTS.map((s) => {
    const n = bar.counts[s.outcome];
    // Positions come from running sums, so rounding never leaves a gap or an overlap between segments.
    const x0 = total === 0 ? 0 : (done / total) * barWidth;
    done += n;
    const x1 = total === 0 ? 0 : (done / total) * barWidth;
    return (
      `<rect class="segment" data-segment="${s.outcome}" data-value="${n}" x="${(barX + x0).toFixed(2)}" ` +
      `y="${y + (rowHeight - barHeight) / 2}" width="${(x1 - x0).toFixed(2)}" height="${barHeight}" fill="${s.color}">` +
      `<title>${s.label}: ${n} of ${total}</title></rect>`
    );
  });
  const label = escapeHtml(cut(bar.label, maxLabelChars));
  return (
    `<g class="bar" data-key="${escapeHtml(bar.key)}" data-resources="${total}">` +
    `<title>${escapeHtml(describe(bar))}</title>` +
    `<text class="bar-label" x="${barX - 10}" y="${y + rowHeight / 2 + 4}" text-anchor="end">${label}</text>` +
    `<rect class="track" x="${barX}" y="${y + (rowHeight - barHeight) / 2}" width="${barWidth}" height="${barHeight}" fill="#eeeeee"></rect>` +
    segments.join("") +
    `<text class="bar-value" x="${valueX}" y="${y + rowHeight / 2 + 4}">${formatCompliancePercent(bar.counts)} of ${total - bar.counts.excluded} in scope</text>` +
    `</g>`
  );
}

/**
 * Horizontal stacked bars, one per group, each split into compliant, non-compliant, at-risk,
 * excluded and undetermined shares of the group's resources, with a legend, text labels and the compliance
 * percentage. Inline SVG (no external reference, no script), with `<title>` and `<desc>` for
 * screen readers; every segment carries `data-segment` and its count in `data-value`.
 */
export function complianceChartSvg(
  bars: readonly ChartBar[],
  options: { id: string; title: string },
): string {
  const height = legendHeight + Math.max(1, bars.length) * rowHeight + 6;
  const id = escapeHtml(options.id);
  const desc = bars.length === 0 ? "No resources." : bars.map(describe).join("; ");
  return (
    `<svg class="chart" id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc" ` +
    `aria-label="${escapeHtml(options.title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">` +
    `<title id="${id}-title">${escapeHtml(options.title)}</title>` +
    `<desc id="${id}-desc">${escapeHtml(desc)}</desc>` +
    legend() +
    bars.map(barOf).join("") +
    `</svg>`
  );
}
