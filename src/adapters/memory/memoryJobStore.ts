import type { JobRecord, JobStart, JobStore } from "../../core/ports/jobStore.js";
import { jobResultText } from "../../core/ports/jobResultText.js";
import type { ReportAction } from "../../core/report/report.js";
import { digest } from "../storage/ledgerKeys.js";
import { MemoryLedgerError } from "./memoryLedgerError.js";

interface JobRow {
  dedupeKey: string;
  resourceId: string;
  state: JobRecord["state"];
  attempts: number;
  leaseUntil: number;
  updatedAt: string;
  /** JSON text, capped as Table Storage caps it. */
  result?: string;
}

/** A row as the store reads it back. */
function record(row: JobRow): JobRecord {
  return {
    dedupeKey: row.dedupeKey,
    resourceId: row.resourceId,
    state: row.state,
    attempts: row.attempts,
    updatedAt: row.updatedAt,
    ...(row.result === undefined ? {} : { result: JSON.parse(row.result) as ReportAction[] }),
  };
}

/**
 * {@link JobStore} in memory, with the Table store's semantics: groups and dedupe keys compare
 * case-insensitively (the Table keys are digests of their lower-case form), a job is listed in the
 * Table's row order, and a claim, start or finish replaces or merges fields as the Table does.
 * Every method reads and writes without yielding, so concurrent callers see one another's writes
 * as the Table's ETag checks make them.
 */
export class MemoryJobStore implements JobStore {
  /** Group digest → dedupe-key digest → row: the Table's partition and row keys. */
  private readonly groups = new Map<string, Map<string, JobRow>>();

  constructor(private readonly clock: () => number = Date.now) {}

  private rows(group: string): Map<string, JobRow> {
    const key = digest(group);
    let rows = this.groups.get(key);
    if (rows === undefined) {
      rows = new Map();
      this.groups.set(key, rows);
    }
    return rows;
  }

  /** A duplicate is left out; a job that gave up is claimed again (its result dropped, as a Table replace does). */
  claimJobs(group: string, jobs: readonly { dedupeKey: string; resourceId: string }[]): Promise<Set<string>> {
    return Promise.resolve(this.claim(group, jobs));
  }

  private claim(group: string, jobs: readonly { dedupeKey: string; resourceId: string }[]): Set<string> {
    const rows = this.rows(group);
    const updatedAt = new Date(this.clock()).toISOString();
    const claimed = new Set<string>();
    // The same key twice in one call is one claim; the last spelling wins, as in the Table batch.
    const unique = new Map(jobs.map((j) => [digest(j.dedupeKey), j]));
    for (const [key, j] of unique) {
      const existing = rows.get(key);
      if (existing !== undefined && existing.state !== "failed") continue;
      rows.set(key, {
        dedupeKey: j.dedupeKey,
        resourceId: j.resourceId,
        state: "queued",
        attempts: 0,
        leaseUntil: 0,
        updatedAt,
      });
      claimed.add(j.dedupeKey);
    }
    return claimed;
  }

  startJob(group: string, dedupeKey: string, resourceId: string, leaseMs: number): Promise<JobStart> {
    return Promise.resolve(this.start(group, dedupeKey, resourceId, leaseMs));
  }

  private start(group: string, dedupeKey: string, resourceId: string, leaseMs: number): JobStart {
    const rows = this.rows(group);
    const key = digest(dedupeKey);
    const now = this.clock();
    const row = rows.get(key);
    if (row === undefined) {
      // A job enqueued without a claim (e.g. by an operator): claim it now.
      if (!this.claim(group, [{ dedupeKey, resourceId }]).has(dedupeKey)) return "busy";
      return this.start(group, dedupeKey, resourceId, leaseMs);
    }
    if (row.state === "done") return "done";
    if (row.state === "running" && row.leaseUntil > now) return "busy";
    // A whole new row, as the Table's replace writes it: a result kept from before is gone.
    rows.set(key, {
      dedupeKey,
      resourceId,
      state: "running",
      attempts: row.attempts + 1,
      leaseUntil: now + leaseMs,
      updatedAt: new Date(now).toISOString(),
    });
    return "started";
  }

  /** Throws {@link MemoryLedgerError} for a job never claimed, as the Table's merge fails with 404. */
  finishJob(
    group: string,
    dedupeKey: string,
    state: "done" | "queued" | "failed",
    result?: readonly ReportAction[],
  ): Promise<void> {
    const row = this.groups.get(digest(group))?.get(digest(dedupeKey));
    if (row === undefined) {
      return Promise.reject(
        new MemoryLedgerError("LedgerRecordNotFound", `no job ${dedupeKey} in the group ${group}`),
      );
    }
    row.state = state;
    row.leaseUntil = 0;
    row.updatedAt = new Date(this.clock()).toISOString();
    if (result !== undefined) row.result = jobResultText(result);
    return Promise.resolve();
  }

  readJob(group: string, dedupeKey: string): Promise<JobRecord | undefined> {
    const row = this.groups.get(digest(group))?.get(digest(dedupeKey));
    return Promise.resolve(row === undefined ? undefined : record(row));
  }

  listJobs(group: string): Promise<JobRecord[]> {
    const rows = this.groups.get(digest(group)) ?? new Map<string, JobRow>();
    return Promise.resolve(
      [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => record(row)),
    );
  }
}
