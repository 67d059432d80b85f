import type { ReportAction } from "../report/report.js";

/** Outcome of trying to start a job. */
export type JobStart = "started" | "done" | "busy";

/** A job claim as read back, with what the job did once finished. */
export interface JobRecord {
  dedupeKey: string;
  resourceId: string;
  state: "queued" | "running" | "done" | "failed";
  attempts: number;
  /** ISO 8601. */
  updatedAt: string;
  result?: ReportAction[];
}

/**
 * Job claims: they make duplicate events and duplicate queue messages harmless. Claims of one group
 * (one key event, one manual operation) are stored together so they can be made and listed in bulk.
 */
export interface JobStore {
  /**
   * Claims dedupe keys for new jobs. Returns the keys claimed now; a key claimed before (a duplicate
   * event) is left out, so nothing is queued twice, except a job that gave up, which may be claimed
   * again.
   */
  claimJobs(group: string, jobs: readonly { dedupeKey: string; resourceId: string }[]): Promise<Set<string>>;
  /**
   * Takes the job for one worker with a lease: a duplicate message, or a second worker, sees `busy`
   * (while the lease runs) or `done`. Two workers never both get `started`.
   */
  startJob(group: string, dedupeKey: string, resourceId: string, leaseMs: number): Promise<JobStart>;
  /** Ends a job: `done` for any final outcome, `queued` to let a retry take it, `failed` when it gave up. */
  finishJob(
    group: string,
    dedupeKey: string,
    state: "done" | "queued" | "failed",
    result?: readonly ReportAction[],
  ): Promise<void>;
  /** One job's claim as read back (one point read); undefined when it was never claimed. */
  readJob(group: string, dedupeKey: string): Promise<JobRecord | undefined>;
  /** Every job claimed in a group, with the actions of finished ones. */
  listJobs(group: string): Promise<JobRecord[]>;
}
