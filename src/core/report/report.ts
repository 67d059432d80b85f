/** What the service did, or would do, about one resource (the report contract, docs/cli.md). */
export type ActionKind = "rotate-key" | "open-ticket" | "update-ticket" | "enable-cmk" | "none" | "refuse";

/** `planned` in a dry run or when queued; `applied` once written and verified. */
export type ActionStatus = "applied" | "planned" | "skipped" | "failed";

export interface ReportAction {
  resourceId: string;
  resourceType: string;
  action: ActionKind;
  status: ActionStatus;
  /** Key URI before (rotations). */
  from?: string;
  /** Key URI after (rotations). */
  to?: string;
  /** Why, in words an operator understands. */
  reason: string;
  /** Stable codes behind the reason (preflight and finding codes), for machines. */
  codes?: string[];
  /** Ticket URL when one was opened or updated. */
  ticket?: string;
}

export interface ReportError {
  /** What could not be processed: an event id, a file name, a resource id. */
  input: string;
  message: string;
}

/** The report every entry point returns: CLI `--json`, HTTP responses and logs. */
export interface Report {
  dryRun: boolean;
  actions: ReportAction[];
  errors: ReportError[];
}

/** An empty report. */
export function emptyReport(dryRun: boolean): Report {
  return { dryRun, actions: [], errors: [] };
}

/** Concatenates reports of the same mode. */
export function mergeReports(dryRun: boolean, reports: readonly Report[]): Report {
  return {
    dryRun,
    actions: reports.flatMap((r) => r.actions),
    errors: reports.flatMap((r) => r.errors),
  };
}

/** True when any action failed or was refused (the CLI's exit code 1). */
export function reportHasProblems(report: Report): boolean {
  return (
    report.errors.length > 0 || report.actions.some((a) => a.status === "failed" || a.action === "refuse")
  );
}
