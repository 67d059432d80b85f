import { recordedAction } from "../report/recordedAction.js";
import type {
  ComplianceCounts,
  ComplianceGroup,
  ComplianceReport,
  ExcludedResource,
  ReportFinding,
  ReportTicket,
  ReportUndetermined,
} from "./complianceReport.js";

// Each object is rebuilt field by field so the key order is the contract's, whatever order the
// report's objects were assembled in (a report read back from JSON, or built by other code).

function counts(c: ComplianceCounts): ComplianceCounts {
  return {
    resources: c.resources,
    compliant: c.compliant,
    nonCompliant: c.nonCompliant,
    excluded: c.excluded,
    undetermined: c.undetermined,
    atRisk: c.atRisk,
  };
}

function undetermined(u: ReportUndetermined): ReportUndetermined {
  return {
    resourceId: u.resourceId,
    resourceType: u.resourceType,
    subscriptionId: u.subscriptionId,
    reason: u.reason,
    ...(u.field === undefined ? {} : { field: u.field }),
  };
}

function group(g: ComplianceGroup): ComplianceGroup {
  return { key: g.key, ...(g.label === undefined ? {} : { label: g.label }), counts: counts(g.counts) };
}

function finding(f: ReportFinding): ReportFinding {
  return {
    resourceId: f.resourceId,
    resourceType: f.resourceType,
    subscriptionId: f.subscriptionId,
    code: f.code,
    severity: f.severity,
    title: f.title,
    body: f.body,
    selfRemediable: f.selfRemediable,
  };
}

function excludedResource(e: ExcludedResource): ExcludedResource {
  return {
    resourceId: e.resourceId,
    resourceType: e.resourceType,
    subscriptionId: e.subscriptionId,
    reason: e.reason,
  };
}

function ticket(t: ReportTicket): ReportTicket {
  return {
    resourceId: t.resourceId,
    resourceType: t.resourceType,
    findingCode: t.findingCode,
    severity: t.severity,
    title: t.title,
    state: t.state,
    ...(t.url === undefined ? {} : { url: t.url }),
    count: t.count,
    firstSeen: t.firstSeen,
    lastSeen: t.lastSeen,
  };
}

/**
 * The report as JSON (`cmkr scan --format json`): the {@link ComplianceReport} as is, with keys in
 * the order the type declares them, two-space indented, ending in a newline. The same report
 * always gives the same bytes, so outputs can be diffed between scans. Fields added to the contract
 * later (`atRisk`, `undeterminedResources`) come after the ones before them (docs/report.md).
 */
export function renderJson(report: ComplianceReport): string {
  const ordered: ComplianceReport = {
    generatedAt: report.generatedAt,
    scope: {
      subscriptions: [...report.scope.subscriptions],
      managementGroups: [...report.scope.managementGroups],
    },
    totals: counts(report.totals),
    byResourceType: report.byResourceType.map(group),
    bySubscription: report.bySubscription.map(group),
    findings: report.findings.map(finding),
    excluded: report.excluded.map(excludedResource),
    actions: report.actions.map(recordedAction),
    tickets: report.tickets.map(ticket),
    graphPages: report.graphPages,
    undeterminedResources: report.undeterminedResources.map(undetermined),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
