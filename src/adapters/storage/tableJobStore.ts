import type { TableEntityResult, TransactionAction } from "@azure/data-tables";
import type { JobRecord, JobStart, JobStore } from "../../core/ports/jobStore.js";
import type { ReportAction } from "../../core/report/report.js";
import { jobResultText } from "../../core/ports/jobResultText.js";
import { isStatus, odataString, type LedgerTable } from "./ledgerTable.js";
import { digest, jobPartition, operationRow } from "./ledgerKeys.js";

interface JobEntity {
  partitionKey: string;
  rowKey: string;
  dedupeKey: string;
  resourceId: string;
  state: "queued" | "running" | "done" | "failed";
  attempts: number;
  leaseUntil: number;
  updatedAt: string;
}

/** A job row as read back. */
function jobRecord(e: Record<string, unknown>): JobRecord {
  return {
    dedupeKey: String(e.dedupeKey),
    resourceId: String(e.resourceId),
    state: e.state as JobRecord["state"],
    attempts: typeof e.attempts === "number" ? e.attempts : 0,
    updatedAt: String(e.updatedAt),
    ...(typeof e.result === "string" ? { result: JSON.parse(e.result) as ReportAction[] } : {}),
  };
}

/** {@link JobStore} in Table Storage: one partition per job group, one row per dedupe key. */
export class TableJobStore implements JobStore {
  constructor(private readonly ledger: LedgerTable) {}

  /**
   * Claims in Table transactions of up to 100 (one partition per group), so planning thousands of
   * jobs costs tens of requests. A transaction fails whole when one row exists already; its keys are
   * then claimed one by one.
   */
  async claimJobs(
    group: string,
    jobs: readonly { dedupeKey: string; resourceId: string }[],
  ): Promise<Set<string>> {
    const table = await this.ledger.table();
    const partitionKey = jobPartition(group);
    const claimed = new Set<string>();
    const updatedAt = new Date(this.ledger.clock()).toISOString();
    const entity = (j: { dedupeKey: string; resourceId: string }): JobEntity => ({
      partitionKey,
      rowKey: digest(j.dedupeKey),
      dedupeKey: j.dedupeKey,
      resourceId: j.resourceId,
      state: "queued",
      attempts: 0,
      leaseUntil: 0,
      updatedAt,
    });
    const unique = [...new Map(jobs.map((j) => [digest(j.dedupeKey), j])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      const chunk = unique.slice(i, i + 100);
      try {
        await table.submitTransaction(chunk.map((j): TransactionAction => ["create", { ...entity(j) }]));
        for (const j of chunk) claimed.add(j.dedupeKey);
        continue;
      } catch (error) {
        if (!isStatus(error, 409) && !isStatus(error, 400)) throw error;
      }
      await Promise.all(
        chunk.map(async (j) => {
          try {
            await table.createEntity(entity(j));
            claimed.add(j.dedupeKey);
          } catch (error) {
            if (!isStatus(error, 409)) throw error;
            if (await this.reclaimFailed(partitionKey, entity(j))) claimed.add(j.dedupeKey);
          }
        }),
      );
    }
    return claimed;
  }

  /**
   * A job that gave up (poison queue) is claimed again by the next event that plans it: the cause
   * may be gone (a key version Key Vault did not list yet). Done, queued and running jobs stay
   * duplicates. The ETag makes one of two concurrent planners win.
   */
  private async reclaimFailed(partitionKey: string, fresh: JobEntity): Promise<boolean> {
    const table = await this.ledger.table();
    let existing: TableEntityResult<JobEntity>;
    try {
      existing = await table.getEntity<JobEntity>(partitionKey, fresh.rowKey);
    } catch (error) {
      if (isStatus(error, 404)) return false;
      throw error;
    }
    if (existing.state !== "failed") return false;
    try {
      await table.updateEntity<JobEntity>(fresh, "Replace", { etag: existing.etag });
      return true;
    } catch (error) {
      if (isStatus(error, 412)) return false;
      throw error;
    }
  }

  /** Uses the entity's ETag so two workers cannot both win. */
  async startJob(group: string, dedupeKey: string, resourceId: string, leaseMs: number): Promise<JobStart> {
    const table = await this.ledger.table();
    const partitionKey = jobPartition(group);
    const rowKey = digest(dedupeKey);
    const now = this.ledger.clock();
    let entity: TableEntityResult<JobEntity> | undefined;
    try {
      entity = await table.getEntity<JobEntity>(partitionKey, rowKey);
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
    }
    if (entity === undefined) {
      // A job enqueued without a claim (e.g. by an operator): claim it now.
      const claimed = await this.claimJobs(group, [{ dedupeKey, resourceId }]);
      if (!claimed.has(dedupeKey)) return "busy";
      return this.startJob(group, dedupeKey, resourceId, leaseMs);
    }
    if (entity.state === "done") return "done";
    if (entity.state === "running" && entity.leaseUntil > now) return "busy";
    try {
      await table.updateEntity<JobEntity>(
        {
          partitionKey,
          rowKey,
          dedupeKey,
          resourceId,
          state: "running",
          attempts: entity.attempts + 1,
          leaseUntil: now + leaseMs,
          updatedAt: new Date(now).toISOString(),
        },
        "Replace",
        { etag: entity.etag },
      );
      return "started";
    } catch (error) {
      if (isStatus(error, 412)) return "busy";
      throw error;
    }
  }

  /** The job's report actions are kept with the claim so a manual operation can report them. */
  async finishJob(
    group: string,
    dedupeKey: string,
    state: "done" | "queued" | "failed",
    result?: readonly ReportAction[],
  ): Promise<void> {
    const table = await this.ledger.table();
    const resultText = result === undefined ? undefined : jobResultText(result);
    await table.updateEntity(
      {
        partitionKey: jobPartition(group),
        rowKey: digest(dedupeKey),
        state,
        leaseUntil: 0,
        updatedAt: new Date(this.ledger.clock()).toISOString(),
        ...(resultText === undefined ? {} : { result: resultText }),
      },
      "Merge",
    );
  }

  /** One point read. */
  async readJob(group: string, dedupeKey: string): Promise<JobRecord | undefined> {
    const table = await this.ledger.table();
    try {
      return jobRecord(await table.getEntity(jobPartition(group), digest(dedupeKey)));
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  /** One partition query. */
  async listJobs(group: string): Promise<JobRecord[]> {
    const table = await this.ledger.table();
    const filter = `PartitionKey eq ${odataString(jobPartition(group))}`;
    const out: JobRecord[] = [];
    for await (const e of table.listEntities({ queryOptions: { filter } })) {
      if (e.rowKey === operationRow) continue;
      out.push(jobRecord(e));
    }
    return out;
  }
}
