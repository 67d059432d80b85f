import { canonicalResourceType } from "../core/consumers/registry.js";
import { recordedAction } from "../report/recordedAction.js";
import type { LedgerAction } from "../core/ports/actionStore.js";
import type { TicketRequest } from "../core/ports/ticketRequestStore.js";
import { isAtRisk, type Evaluation, type FindingSeverity } from "../core/findings/finding.js";
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

/** Options of {@link createComplianceReportBuilder}. */
export interface ComplianceReportBuilderOptions {
  /** The subscriptions and management groups the scan was limited to (empty: all visible). */
  scope: { subscriptions: readonly string[]; managementGroups: readonly string[] };
  /** When the report is generated (`generatedAt`). */
  now: Date;
  /** Display names of subscriptions by id (compared case-insensitively), shown next to the id. */
  subscriptionNames?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
}

/**
 * Accumulates a {@link ComplianceReport} while a scan streams through the tenant, one evaluation at
 * a time. Memory stays flat in the number of resources: a resource adds only to counters (one
 * entry per resource type and per subscription), and nothing of it is kept unless it has findings or
 * could not be judged. Findings are kept in full, since they are what the report is about, and so
 * are the reasons a resource could not be judged; their number grows with the problems found, not
 * with the tenant. Each resource is to be added once: the builder keeps no set
 * of resource ids, which is what would make memory grow with the tenant.
 */
export interface ComplianceReportBuilder {
  /** Counts one judged resource and keeps its findings. */
  add(evaluation: Evaluation, subscriptionId: string): void;
  /** Adds to the number of Resource Graph pages read. */
  addGraphPages(pages: number): void;
  /** The ledger's actions and ticket requests to show; replaces what an earlier call set. */
  setLedger(actions: readonly LedgerAction[], tickets: readonly TicketRequest[]): void;
  /** The report so far, in the orders {@link ComplianceReport} documents; the builder stays usable. */
  build(): ComplianceReport;
}

/** Stable code of {@link ComplianceReportBuilderError}. */
export type ComplianceReportBuilderErrorCode = "ReportInputInvalid";

/** An input the builder cannot count; `field` names it. */
export class ComplianceReportBuilderError extends Error {
  readonly code: ComplianceReportBuilderErrorCode = "ReportInputInvalid";
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid report input ${field}: ${problem}`);
    this.name = "ComplianceReportBuilderError";
  }
}

/** Urgent first. */
export const SEVERITY_ORDER: readonly FindingSeverity[] = ["urgent", "high", "medium", "low"];

const severityRank: Readonly<Record<FindingSeverity, number>> = { urgent: 0, high: 1, medium: 2, low: 3 };

function zeroCounts(): ComplianceCounts {
  return { resources: 0, compliant: 0, nonCompliant: 0, excluded: 0, undetermined: 0, atRisk: 0 };
}

type Outcome = "compliant" | "nonCompliant" | "excluded" | "undetermined" | "atRisk";

/**
 * Where one evaluation counts. An exclusion wins (an excluded resource has no findings); a finding
 * makes the resource non-compliant even when something else could not be judged, unless its only
 * findings put it at risk (`CmkNextRotationRefused`).
 */
function outcomeOf(evaluation: Evaluation): Outcome {
  if (evaluation.excluded !== undefined) return "excluded";
  if (evaluation.findings.length > 0)
    return isAtRisk(evaluation) && evaluation.undetermined === undefined ? "atRisk" : "nonCompliant";
  if (evaluation.undetermined !== undefined || !evaluation.compliant) return "undetermined";
  return "compliant";
}

/** Counters of one group. Keyed lower-case: Resource Graph returns types and ids in lower case, ARM in mixed. */
interface GroupState {
  key: string;
  counts: ComplianceCounts;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareKeys(a: string, b: string): number {
  return compareText(a.toLowerCase(), b.toLowerCase()) || compareText(a, b);
}

function byFindingOrder(a: ReportFinding, b: ReportFinding): number {
  return (
    severityRank[a.severity] - severityRank[b.severity] ||
    compareKeys(a.resourceId, b.resourceId) ||
    compareText(a.code, b.code)
  );
}

function reportTicket(t: TicketRequest): ReportTicket {
  const url = t.ticketUrl ?? t.sinkRef?.url;
  return {
    resourceId: t.resourceId,
    resourceType: canonicalResourceType(t.resourceType),
    findingCode: t.findingCode,
    severity: t.severity,
    title: t.title,
    state: t.state,
    ...(url === undefined || url === "" ? {} : { url }),
    count: t.count,
    firstSeen: t.firstSeen,
    lastSeen: t.lastSeen,
  };
}

/** Newest first; ties by resource id so the order never depends on the ledger's listing order. */
function byActionOrder(a: RecordedAction, b: RecordedAction): number {
  return (
    compareText(b.at, a.at) || compareKeys(a.resourceId, b.resourceId) || compareText(a.action, b.action)
  );
}

/** Not yet closed first (requested, open and closing all still need someone), then last seen, newest first. */
function byTicketOrder(a: ReportTicket, b: ReportTicket): number {
  const closed = (t: ReportTicket): number => (t.state === "closed" ? 1 : 0);
  return (
    closed(a) - closed(b) ||
    compareText(b.lastSeen, a.lastSeen) ||
    compareKeys(a.resourceId, b.resourceId) ||
    compareText(a.findingCode, b.findingCode)
  );
}

function namesOf(names: ComplianceReportBuilderOptions["subscriptionNames"]): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  if (names === undefined) return out;
  const entries = names instanceof Map ? names.entries() : Object.entries(names);
  for (const [id, name] of entries as Iterable<[string, string]>) out.set(id.toLowerCase(), name);
  return out;
}

function groupsOf(
  groups: Map<string, GroupState>,
  label?: (key: string) => string | undefined,
): ComplianceGroup[] {
  return [...groups.values()]
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((g) => {
      const name = label?.(g.key);
      return { key: g.key, ...(name === undefined ? {} : { label: name }), counts: { ...g.counts } };
    });
}

/** Starts an empty {@link ComplianceReportBuilder}. */
export function createComplianceReportBuilder(
  options: ComplianceReportBuilderOptions,
): ComplianceReportBuilder {
  if (Number.isNaN(options.now.getTime())) throw new ComplianceReportBuilderError("now", "not a valid date");
  const generatedAt = options.now.toISOString();
  const scope = {
    subscriptions: [...options.scope.subscriptions],
    managementGroups: [...options.scope.managementGroups],
  };
  const names = namesOf(options.subscriptionNames);
  const totals = zeroCounts();
  const byType = new Map<string, GroupState>();
  const bySubscription = new Map<string, GroupState>();
  const findings: ReportFinding[] = [];
  const undetermined: ReportUndetermined[] = [];
  const excluded: ExcludedResource[] = [];
  let actions: RecordedAction[] = [];
  let tickets: ReportTicket[] = [];
  let graphPages = 0;

  const count = (groups: Map<string, GroupState>, key: string, outcome: Outcome): void => {
    const lower = key.toLowerCase();
    let group = groups.get(lower);
    if (group === undefined) {
      // The first spelling seen is the one shown.
      group = { key, counts: zeroCounts() };
      groups.set(lower, group);
    }
    group.counts.resources++;
    group.counts[outcome]++;
  };

  return {
    add(evaluation, subscriptionId) {
      if (subscriptionId === "") throw new ComplianceReportBuilderError("subscriptionId", "empty");
      if (evaluation.resourceType === "")
        throw new ComplianceReportBuilderError(
          "evaluation.resourceType",
          `empty for ${evaluation.resourceId}`,
        );
      const outcome = outcomeOf(evaluation);
      const resourceType = canonicalResourceType(evaluation.resourceType);
      totals.resources++;
      totals[outcome]++;
      count(byType, resourceType, outcome);
      count(bySubscription, subscriptionId, outcome);
      if (evaluation.excluded !== undefined) {
        // Listed with its reason: a count alone leaves the reader to guess which ones and why.
        excluded.push({
          resourceId: evaluation.resourceId,
          resourceType,
          subscriptionId,
          reason: evaluation.excluded.reason,
        });
        return;
      }
      if (evaluation.undetermined !== undefined) {
        undetermined.push({
          resourceId: evaluation.resourceId,
          resourceType,
          subscriptionId,
          reason: evaluation.undetermined.reason,
          ...(evaluation.undetermined.field === undefined ? {} : { field: evaluation.undetermined.field }),
        });
      }
      for (const f of evaluation.findings) {
        findings.push({
          resourceId: f.resourceId,
          resourceType: canonicalResourceType(f.resourceType),
          subscriptionId,
          code: f.code,
          severity: f.severity,
          title: f.title,
          body: f.body,
          selfRemediable: f.remediation !== undefined,
        });
      }
    },
    addGraphPages(pages) {
      if (!Number.isSafeInteger(pages) || pages < 0)
        throw new ComplianceReportBuilderError("graphPages", `${pages} is not a whole number of pages`);
      graphPages += pages;
    },
    setLedger(ledgerActions, ledgerTickets) {
      actions = ledgerActions
        .map(recordedAction)
        .map((a) => ({ ...a, resourceType: canonicalResourceType(a.resourceType) }))
        .sort(byActionOrder);
      tickets = ledgerTickets.map(reportTicket).sort(byTicketOrder);
    },
    build() {
      return {
        generatedAt,
        scope: { subscriptions: [...scope.subscriptions], managementGroups: [...scope.managementGroups] },
        totals: { ...totals },
        byResourceType: groupsOf(byType),
        bySubscription: groupsOf(bySubscription, (key) => names.get(key.toLowerCase())),
        findings: [...findings].sort(byFindingOrder),
        actions: actions.map((a) => ({ ...a })),
        tickets: tickets.map((t) => ({ ...t })),
        graphPages,
        undeterminedResources: [...undetermined].sort((a, b) => compareKeys(a.resourceId, b.resourceId)),
        excluded: [...excluded].sort((a, b) => compareKeys(a.resourceId, b.resourceId)),
      };
    },
  };
}
