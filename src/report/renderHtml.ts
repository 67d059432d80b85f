import type { FindingSeverity } from "../core/findings/finding.js";
import { markdownToHtml } from "../core/tickets/markdownToHtml.js";
import { CHART_SEGMENTS, complianceChartSvg, type ChartBar } from "./complianceChartSvg.js";
import type {
  ComplianceCounts,
  ComplianceGroup,
  ComplianceReport,
  ExcludedResource,
  RecordedAction,
  ReportFinding,
  ReportTicket,
  ReportUndetermined,
} from "./complianceReport.js";
import { formatCompliancePercent } from "./compliancePercent.js";
import { escapeHtml } from "./escapeHtml.js";

/**
 * The page may load nothing: no script, no font, no image but data URIs, only its own inline
 * style. Links to the portal and to tickets stay clickable (navigation is not loading).
 */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const severities: readonly { severity: FindingSeverity; label: string }[] = [
  { severity: "urgent", label: "Urgent" },
  { severity: "high", label: "High" },
  { severity: "medium", label: "Medium" },
  { severity: "low", label: "Low" },
];

const style = `
:root { color-scheme: light; --ok: #2e7d32; --bad: #c62828; --muted: #5f6368; --line: #dadce0; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #202124; background: #fff; }
header, main { max-width: 1100px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; border-bottom: 1px solid var(--line); }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 8px; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 16px; }
a { color: #1a73e8; }
.meta { color: var(--muted); }
.headline { font-size: 18px; }
.headline strong { font-size: 28px; }
dl.totals { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
dl.totals div { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
dl.totals dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
dl.totals dd { margin: 0; font-size: 22px; font-weight: 600; }
dd[data-count="nonCompliant"] { color: var(--bad); }
dd[data-count="atRisk"], dd[data-count="undetermined"] { color: #b45309; }
dd[data-count="compliant"] { color: var(--ok); }
svg.chart { max-width: 100%; height: auto; font-size: 12px; }
svg.chart text { fill: #202124; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
td time { white-space: nowrap; }
.table-wrap { max-width: 100%; overflow-x: auto; }
th { background: #f1f3f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Consolas, monospace; background: #f1f3f4; padding: 1px 4px; border-radius: 3px; word-break: break-all; }
pre { background: #f1f3f4; padding: 8px; overflow-x: auto; }
pre code { background: none; padding: 0; word-break: normal; }
.sev { display: inline-block; min-width: 64px; text-align: center; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; }
.sev-urgent { background: #7f0000; } .sev-high { background: #c62828; } .sev-medium { background: #ef6c00; } .sev-low { background: #757575; }
article.finding { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; padding: 6px 12px; }
article.finding summary { cursor: pointer; }
article.finding .title { font-weight: 600; }
.fix { font-size: 12px; color: var(--muted); }
.finding-body { border-top: 1px solid var(--line); margin-top: 8px; }
.finding-body h3 { font-size: 15px; } .finding-body h4, .finding-body h5, .finding-body h6 { font-size: 14px; }
.legend-list { display: flex; gap: 16px; list-style: none; padding: 0; margin: 4px 0; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
.empty { color: var(--muted); font-style: italic; }
@media print { nav { display: none; } article.finding { break-inside: avoid; } }
`;

function percentOf(counts: ComplianceCounts): string {
  return formatCompliancePercent(counts);
}

/** `resource-group/name`: recognisable in a table cell; the full id is in `title`. */
function shortId(resourceId: string): string {
  const parts = resourceId.replace(/\/+$/, "").split("/");
  const group = parts.findIndex((p) => p.toLowerCase() === "resourcegroups");
  const name = parts.at(-1) ?? resourceId;
  return group < 0 ? name : `${parts[group + 1] ?? ""}/${name}`;
}

function resourceCell(resourceId: string): string {
  return `<td><span title="${escapeHtml(resourceId)}">${escapeHtml(shortId(resourceId))}</span></td>`;
}

/** Only http(s) URLs become links: a `javascript:` or `data:` ticket URL stays text. */
function link(url: string | undefined, text: string): string {
  if (url === undefined) return "";
  return /^https?:\/\//i.test(url)
    ? `<a href="${escapeHtml(url)}" rel="noreferrer">${escapeHtml(text)}</a>`
    : escapeHtml(url);
}

/**
 * The finding body in HTML. markdownToHtml escapes all text before adding its own tags, so every
 * tag in its output is its own and headings can be moved below the page's own levels.
 */
function bodyHtml(markdown: string): string {
  return markdownToHtml(markdown).replace(
    /<(\/?)h([1-6])>/g,
    (_m, slash: string, level: string) => `<${slash}h${Math.min(6, Number(level) + 2)}>`,
  );
}

function countsCells(c: ComplianceCounts): string {
  return (
    `<td class="num" data-count="resources">${c.resources}</td>` +
    CHART_SEGMENTS.map((s) => `<td class="num" data-count="${s.outcome}">${c[s.outcome]}</td>`).join("") +
    `<td class="num" data-count="compliancePercent">${percentOf(c)}</td>`
  );
}

function groupSection(
  id: string,
  title: string,
  keyHeader: string,
  dataGroup: string,
  groups: readonly ComplianceGroup[],
  labelOf: (g: ComplianceGroup) => string,
): string {
  const bars: ChartBar[] = groups.map((g) => ({ key: g.key, label: labelOf(g), counts: g.counts }));
  const rows = groups
    .map(
      (g) =>
        `<tr data-key="${escapeHtml(g.key)}"><th scope="row">${escapeHtml(labelOf(g))}` +
        (g.label === undefined ? "" : ` <code>${escapeHtml(g.key)}</code>`) +
        `</th>${countsCells(g.counts)}</tr>`,
    )
    .join("\n");
  return `<section id="${id}" aria-labelledby="${id}-heading">
<h2 id="${id}-heading">${escapeHtml(title)}</h2>
<figure>
${complianceChartSvg(bars, { id: `${id}-chart`, title })}
<figcaption class="meta">Each bar is one ${keyHeader.toLowerCase()}, split by outcome; the percentage counts compliant resources among those in scope (excluded ones are not).</figcaption>
</figure>
<table class="groups" data-group="${dataGroup}">
<thead><tr><th scope="col">${escapeHtml(keyHeader)}</th><th scope="col" class="num">Resources</th>${CHART_SEGMENTS.map((s) => `<th scope="col" class="num">${s.label}</th>`).join("")}<th scope="col" class="num">Compliant %</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</section>`;
}

function findingArticle(f: ReportFinding, index: number, subscriptionLabel: string): string {
  return `<article class="finding" id="finding-${index + 1}" data-severity="${escapeHtml(f.severity)}" data-code="${escapeHtml(f.code)}" data-resource-id="${escapeHtml(f.resourceId)}" data-self-remediable="${f.selfRemediable}">
<details${f.severity === "urgent" ? " open" : ""}>
<summary><span class="sev sev-${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</span> <span class="title">${escapeHtml(f.title)}</span> <code>${escapeHtml(f.code)}</code> <span class="fix">${f.selfRemediable ? "the service fixes this itself" : "needs a person: ticket"}</span></summary>
<p class="meta">Resource <code>${escapeHtml(f.resourceId)}</code><br>Type ${escapeHtml(f.resourceType)}; subscription ${escapeHtml(subscriptionLabel)}</p>
<div class="finding-body">
${bodyHtml(f.body)}
</div>
</details>
</article>`;
}

function findingsSection(report: ComplianceReport): string {
  const labels = new Map(
    report.bySubscription.map((g) => [
      g.key.toLowerCase(),
      g.label === undefined ? g.key : `${g.label} (${g.key})`,
    ]),
  );
  const groups = new Map<FindingSeverity, string[]>();
  report.findings.forEach((f, i) => {
    let list = groups.get(f.severity);
    if (list === undefined) {
      list = [];
      groups.set(f.severity, list);
    }
    list.push(findingArticle(f, i, labels.get(f.subscriptionId.toLowerCase()) ?? f.subscriptionId));
  });
  const counts = severities.map((s) => `${groups.get(s.severity)?.length ?? 0} ${s.severity}`).join(", ");
  const parts = severities
    .filter((s) => groups.has(s.severity))
    .map((s) => {
      const list = groups.get(s.severity) ?? [];
      return `<section class="severity" id="findings-${s.severity}" data-severity="${s.severity}" data-total="${list.length}" aria-labelledby="findings-${s.severity}-heading">
<h3 id="findings-${s.severity}-heading">${s.label} (${list.length})</h3>
${list.join("\n")}
</section>`;
    });
  return `<section id="findings" aria-labelledby="findings-heading" data-total="${report.findings.length}">
<h2 id="findings-heading">Findings (${report.findings.length})</h2>
${report.findings.length === 0 ? `<p class="empty">No findings.</p>` : `<p class="meta">${counts}. Open a finding for what is wrong, where, why it matters and the steps to fix it.</p>\n${parts.join("\n")}`}
</section>`;
}

function undeterminedRow(u: ReportUndetermined): string {
  return `<tr class="undetermined" data-resource-id="${escapeHtml(u.resourceId)}"${u.field === undefined ? "" : ` data-field="${escapeHtml(u.field)}"`}>${resourceCell(u.resourceId)}<td>${escapeHtml(u.resourceType)}</td><td>${escapeHtml(u.reason)}</td></tr>`;
}

function undeterminedSection(list: readonly ReportUndetermined[]): string {
  const body =
    list.length === 0
      ? `<p class="empty">Every resource was judged.</p>`
      : `<p class="meta">What could not be read or checked; nobody has shown these resources compliant.</p>
<table class="undetermined" data-table="undetermined">
<thead><tr><th scope="col">Resource</th><th scope="col">Type</th><th scope="col">Reason</th></tr></thead>
<tbody>
${list.map(undeterminedRow).join("\n")}
</tbody>
</table>`;
  return `<section id="undetermined" aria-labelledby="undetermined-heading" data-total="${list.length}">
<h2 id="undetermined-heading">Not fully judged (${list.length})</h2>
${body}
</section>`;
}

/** `cmk/3f2a9c1e`: a key version as the page shows it; the full key URI is in `title`. */
function shortKey(keyId: string): string {
  const m = /\/keys\/([^/]+)(?:\/([0-9A-Za-z]+))?\/?$/.exec(keyId);
  if (m === null) return keyId;
  return m[2] === undefined ? (m[1] ?? keyId) : `${m[1] ?? ""}/${m[2].slice(0, 8)}`;
}

function keyChangeCell(a: RecordedAction): string {
  if (a.from === undefined && a.to === undefined) return "<td></td>";
  const side = (keyId: string | undefined) =>
    keyId === undefined ? "" : `<span title="${escapeHtml(keyId)}">${escapeHtml(shortKey(keyId))}</span>`;
  return `<td>${side(a.from)} → ${side(a.to)}</td>`;
}

function actionRow(a: RecordedAction): string {
  return `<tr class="action" data-status="${escapeHtml(a.status)}" data-action="${escapeHtml(a.action)}"><td><time datetime="${escapeHtml(a.at)}">${escapeHtml(a.at)}</time></td><td>${escapeHtml(a.action)}</td><td>${escapeHtml(a.status)}${a.dryRun ? " (dry run)" : ""}</td>${resourceCell(a.resourceId)}${keyChangeCell(a)}<td>${escapeHtml(a.reason)}</td></tr>`;
}

function actionsSection(actions: readonly RecordedAction[]): string {
  const body =
    actions.length === 0
      ? `<p class="empty">The ledger holds no actions.</p>`
      : `<div class="table-wrap"><table class="ledger" data-table="actions">
<thead><tr><th scope="col">At</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Resource</th><th scope="col">Key change</th><th scope="col">Reason</th></tr></thead>
<tbody>
${actions.map(actionRow).join("\n")}
</tbody>
</table></div>`;
  return `<section id="actions" aria-labelledby="actions-heading" data-total="${actions.length}">
<h2 id="actions-heading">Actions (${actions.length})</h2>
${body}
</section>`;
}

function ticketRow(t: ReportTicket): string {
  return `<tr class="ticket" data-state="${escapeHtml(t.state)}" data-severity="${escapeHtml(t.severity)}"><td>${escapeHtml(t.state)}</td><td><span class="sev sev-${escapeHtml(t.severity)}">${escapeHtml(t.severity)}</span></td><td><code>${escapeHtml(t.findingCode)}</code></td><td>${escapeHtml(t.title)}</td>${resourceCell(t.resourceId)}<td class="num">${escapeHtml(String(t.count))}</td><td><time datetime="${escapeHtml(t.firstSeen)}">${escapeHtml(t.firstSeen)}</time></td><td><time datetime="${escapeHtml(t.lastSeen)}">${escapeHtml(t.lastSeen)}</time></td><td>${link(t.url, "open")}</td></tr>`;
}

function ticketsSection(tickets: readonly ReportTicket[]): string {
  const body =
    tickets.length === 0
      ? `<p class="empty">The ledger holds no tickets.</p>`
      : `<div class="table-wrap"><table class="ledger" data-table="tickets">
<thead><tr><th scope="col">State</th><th scope="col">Severity</th><th scope="col">Finding</th><th scope="col">Title</th><th scope="col">Resource</th><th scope="col" class="num">Seen</th><th scope="col">First seen</th><th scope="col">Last seen</th><th scope="col">Ticket</th></tr></thead>
<tbody>
${tickets.map(ticketRow).join("\n")}
</tbody>
</table></div>`;
  return `<section id="tickets" aria-labelledby="tickets-heading" data-total="${tickets.length}">
<h2 id="tickets-heading">Tickets (${tickets.length})</h2>
${body}
</section>`;
}

function excludedSection(excluded: readonly ExcludedResource[]): string {
  const body =
    excluded.length === 0
      ? `<p class="empty">No resource is excluded.</p>`
      : `<div class="table-wrap"><table class="excluded" data-table="excluded">
<thead><tr><th scope="col">Resource</th><th scope="col">Resource type</th><th scope="col">Subscription</th><th scope="col">Why</th></tr></thead>
<tbody>
${excluded
  .map(
    (e) =>
      `<tr class="excluded-resource">${resourceCell(e.resourceId)}<td>${escapeHtml(e.resourceType)}</td><td>${escapeHtml(e.subscriptionId)}</td><td>${escapeHtml(e.reason)}</td></tr>`,
  )
  .join("\n")}
</tbody>
</table></div>`;
  return `<section id="excluded" aria-labelledby="excluded-heading" data-total="${excluded.length}">
<h2 id="excluded-heading">Excluded resources (${excluded.length})</h2>
<p class="meta">Left alone by an exclusion tag or id pattern (CMKR_EXCLUDE_TAG, CMKR_EXCLUDE_ID_PATTERNS), and out of the compliance counts.</p>
${body}
</section>`;
}

function summarySection(report: ComplianceReport): string {
  const t = report.totals;
  const item = (name: string, label: string, value: number | string): string =>
    `<div><dt>${label}</dt><dd data-count="${name}">${value}</dd></div>`;
  const scope =
    report.scope.subscriptions.length === 0 && report.scope.managementGroups.length === 0
      ? "all subscriptions the scan could see"
      : [
          ...report.scope.subscriptions.map((s) => `subscription ${s}`),
          ...report.scope.managementGroups.map((m) => `management group ${m}`),
        ].join(", ");
  return `<section id="summary" aria-labelledby="summary-heading">
<h2 id="summary-heading">Summary</h2>
<p class="headline"><strong data-count="compliancePercent">${percentOf(t)}</strong> of the resources in scope are encrypted and kept as required.</p>
<dl class="totals">
${item("resources", "Resources", t.resources)}
${CHART_SEGMENTS.map((s) => item(s.outcome, s.label, t[s.outcome])).join("\n")}
${item("findings", "Findings", report.findings.length)}
${item("actions", "Actions", report.actions.length)}
${item("tickets", "Tickets", report.tickets.length)}
</dl>
<ul class="legend-list" aria-hidden="true">${CHART_SEGMENTS.map((s) => `<li><span class="swatch" style="background:${s.color}"></span>${s.label}</li>`).join("")}</ul>
<p class="meta">Generated at <time id="generated-at" datetime="${escapeHtml(report.generatedAt)}">${escapeHtml(report.generatedAt)}</time>. Scope: <span id="scope">${escapeHtml(scope)}</span>. Resource Graph pages read: <span data-count="graphPages">${report.graphPages}</span>. Compliance counts compliant resources among those in scope: excluded resources are out of scope; undetermined ones (something could not be read or checked) and those at risk (their next key rotation would be refused) are not counted as compliant.</p>
</section>`;
}

/**
 * The report as one self-contained HTML5 page (`cmkr scan --format html`): inline style and inline
 * SVG charts, no script, nothing loaded from the network (a Content-Security-Policy meta tag
 * enforces it), so the file opens anywhere, offline, and can be mailed or attached to a ticket.
 * It shows the summary, compliance per resource type and per subscription (chart and table), the
 * findings grouped by severity with their remediation steps, the resources that could not be fully
 * judged and why, the excluded resources with their exclusion, and the ledger's actions and tickets;
 * long ids and key URIs wrap inside their cells, so every table fits the page.
 * For tests and tooling: sections have stable ids; an element whose text is a count names it in
 * `data-count` (`resources`, `compliant`, `nonCompliant`, `atRisk`, `excluded`, `undetermined`,
 * `compliancePercent`...); sections carry their number of entries in `data-total` and chart
 * segments their count in `data-value`.
 * All report text is escaped; finding bodies go through {@link markdownToHtml}, which escapes too.
 */
export function renderHtml(report: ComplianceReport): string {
  const subscriptionLabel = (g: ComplianceGroup): string =>
    g.label === undefined ? g.key : `${g.label} (${g.key.slice(0, 8)}…)`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cmkr scan">
<title>CMK compliance report, ${escapeHtml(report.generatedAt)}</title>
<style>${style}</style>
</head>
<body>
<header>
<h1>Customer-managed key compliance</h1>
<p class="meta">Generated at ${escapeHtml(report.generatedAt)}</p>
<nav aria-label="Sections"><ul><li><a href="#summary">Summary</a></li><li><a href="#by-resource-type">By resource type</a></li><li><a href="#by-subscription">By subscription</a></li><li><a href="#findings">Findings</a></li><li><a href="#undetermined">Not fully judged</a></li><li><a href="#excluded">Excluded</a></li><li><a href="#actions">Actions</a></li><li><a href="#tickets">Tickets</a></li></ul></nav>
</header>
<main>
${summarySection(report)}
${groupSection("by-resource-type", "Compliance per resource type", "Resource type", "resourceType", report.byResourceType, (g) => g.key)}
${groupSection("by-subscription", "Compliance per subscription", "Subscription", "subscription", report.bySubscription, subscriptionLabel)}
${findingsSection(report)}
${undeterminedSection(report.undeterminedResources)}
${excludedSection(report.excluded)}
${actionsSection(report.actions)}
${ticketsSection(report.tickets)}
</main>
</body>
</html>
`;
}
