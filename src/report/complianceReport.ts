import type { FindingCode, FindingSeverity } from "../core/findings/finding.js";
import type { LedgerAction } from "../core/ports/actionStore.js";

/**
 * Resources judged in one group (a resource type, a subscription, or the whole scan). Each resource
 * is counted in exactly one outcome: `resources` = `compliant` + `nonCompliant` + `excluded` +
 * `undetermined` + `atRisk` (docs/report.md).
 */
export interface ComplianceCounts {
  /** Every in-scope resource seen. */
  resources: number;
  /** No finding and nothing undetermined. */
  compliant: number;
  /** At least one finding that is not only an at-risk one (see `atRisk`). */
  nonCompliant: number;
  /** Taken out of scope by an exclusion tag or id pattern. */
  excluded: number;
  /**
   * Could not be judged and nothing was found: an input was missing, its key store or key facts
   * could not be read, or a field had an unexpected shape. Neither compliant nor not.
   */
  undetermined: number;
  /**
   * Encrypted as required today, but its next key rotation would be refused: its only findings are
   * `CmkNextRotationRefused`. Not compliant. (Added to the contract after the other counts; such
   * resources were counted compliant before.)
   */
  atRisk: number;
}

/** The counts of one resource type or one subscription. */
export interface ComplianceGroup {
  /** The resource type (`Microsoft.Compute/disks`) or the subscription id. */
  key: string;
  /** For subscriptions: the display name, when known. */
  label?: string;
  counts: ComplianceCounts;
}

/** One finding of the scan, with the steps that fix it. */
export interface ReportFinding {
  resourceId: string;
  resourceType: string;
  subscriptionId: string;
  code: FindingCode;
  severity: FindingSeverity;
  title: string;
  /** Markdown: what, where, why, the steps to fix, and what the service does by itself. */
  body: string;
  /** Whether the service fixes it by itself (rotation, enforce mode) rather than by ticket. */
  selfRemediable: boolean;
}

/** A resource that could not be fully judged, and why (whatever its outcome: findings still count). */
export interface ReportUndetermined {
  resourceId: string;
  resourceType: string;
  subscriptionId: string;
  /** What could not be read or checked. */
  reason: string;
  /** The resource field (dotted path) whose unexpected shape stopped the judgement, when that was the cause. */
  field?: string;
}

/** A resource taken out of scope by an exclusion (tag or id pattern), and which one. */
export interface ExcludedResource {
  resourceId: string;
  resourceType: string;
  subscriptionId: string;
  /** `excluded by tag cmk-remediation=exclude`, `excluded by id pattern ...`. */
  reason: string;
}

/** One action from the ledger, as the report lists it: the report action with when and in which mode. */
export type RecordedAction = Pick<
  LedgerAction,
  "at" | "resourceId" | "resourceType" | "action" | "status" | "reason" | "from" | "to" | "dryRun"
>;

/** One ticket request from the ledger. */
export interface ReportTicket {
  resourceId: string;
  resourceType: string;
  findingCode: string;
  severity: FindingSeverity;
  title: string;
  state: "requested" | "open" | "closing" | "closed";
  url?: string;
  count: number;
  /** ISO 8601. */
  firstSeen: string;
  /** ISO 8601. */
  lastSeen: string;
}

/**
 * What `cmkr scan` reports and the sweep computes: compliance per resource type and per
 * subscription, the findings with their fixes, the resources left out by an exclusion and why, and
 * what the ledger says the service did. Every renderer (table, JSON, CSV, HTML) works from this one
 * shape; `--format json` prints it as is. Resource types are spelled the registry's way
 * (`Microsoft.Compute/diskEncryptionSets`), whatever casing Resource Graph or the ledger used.
 */
export interface ComplianceReport {
  /** ISO 8601. */
  generatedAt: string;
  /** Where the scan ran: the subscriptions and management groups it was limited to (empty: all visible). */
  scope: { subscriptions: string[]; managementGroups: string[] };
  totals: ComplianceCounts;
  /** Sorted by resource type. */
  byResourceType: ComplianceGroup[];
  /** Sorted by subscription id. */
  bySubscription: ComplianceGroup[];
  /** Sorted by severity (urgent first), then resource id, then code. */
  findings: ReportFinding[];
  /** Every excluded resource with its exclusion, sorted by resource id. */
  excluded: ExcludedResource[];
  /** Newest first. */
  actions: RecordedAction[];
  /** Open ones first, then by last seen, newest first. */
  tickets: ReportTicket[];
  /** Resource Graph pages read. */
  graphPages: number;
  /** Every resource not fully judged, with the reason; sorted by resource id. */
  undeterminedResources: ReportUndetermined[];
}
