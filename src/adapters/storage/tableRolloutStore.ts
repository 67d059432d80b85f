import type { TableEntityResult, TransactionAction } from "@azure/data-tables";
import type { RolloutStore } from "../../core/ports/rolloutStore.js";
import type { MemberOutcome, Rollout, RolloutMember, RolloutState } from "../../core/rollout/rolloutState.js";
import { digest } from "./ledgerKeys.js";
import { isStatus, odataString, type LedgerTable } from "./ledgerTable.js";

interface RolloutEntity {
  partitionKey: string;
  rowKey: string;
  rolloutId: string;
  keyId: string;
  state: RolloutState;
  wave: number;
  waves: number;
  pauseSeconds: number;
  reason?: string;
  createdAt: string;
  updatedAt: string;
}

interface MemberEntity {
  partitionKey: string;
  rowKey: string;
  resourceId: string;
  resourceType: string;
  wave: number;
  state: RolloutMember["state"];
  job: string;
  reason?: string;
}

// A rollout's record and its members share a partition: one query lists them, and batches create them.
const partitionOf = (rolloutId: string): string => `rollout|${digest(rolloutId)}`;
const recordRow = "rollout";
const memberRow = (resourceId: string): string => `m|${digest(resourceId)}`;

function toRollout(e: RolloutEntity): Rollout {
  return {
    rolloutId: e.rolloutId,
    keyId: e.keyId,
    state: e.state,
    wave: e.wave,
    waves: e.waves,
    pauseSeconds: e.pauseSeconds,
    ...(typeof e.reason === "string" && e.reason !== "" ? { reason: e.reason } : {}),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

function toMember(e: MemberEntity): RolloutMember {
  return {
    resourceId: e.resourceId,
    resourceType: e.resourceType,
    wave: e.wave,
    state: e.state,
    job: e.job,
    ...(typeof e.reason === "string" && e.reason !== "" ? { reason: e.reason } : {}),
  };
}

/** {@link RolloutStore} in Table Storage: one partition per rollout; every change carries the ETag read. */
export class TableRolloutStore implements RolloutStore {
  constructor(private readonly ledger: LedgerTable) {}

  private async read<T extends object>(
    partitionKey: string,
    rowKey: string,
  ): Promise<TableEntityResult<T> | undefined> {
    const table = await this.ledger.table();
    try {
      return await table.getEntity<T>(partitionKey, rowKey);
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async createRollout(rollout: Rollout, members: readonly RolloutMember[]): Promise<boolean> {
    const table = await this.ledger.table();
    const partitionKey = partitionOf(rollout.rolloutId);
    if ((await this.read(partitionKey, recordRow)) !== undefined) return false;
    // Members first, in batches of 100 (upserts: a planner that died half-way left some), the record last.
    const rows = members.map((m): MemberEntity => ({
      partitionKey,
      rowKey: memberRow(m.resourceId),
      resourceId: m.resourceId,
      resourceType: m.resourceType,
      wave: m.wave,
      state: m.state,
      job: m.job,
      reason: m.reason ?? "",
    }));
    for (let i = 0; i < rows.length; i += 100) {
      await table.submitTransaction(
        rows.slice(i, i + 100).map((row): TransactionAction => ["upsert", { ...row }, "Replace"]),
      );
    }
    const record: RolloutEntity = {
      partitionKey,
      rowKey: recordRow,
      ...rollout,
      reason: rollout.reason ?? "",
    };
    try {
      await table.createEntity(record);
      return true;
    } catch (error) {
      if (isStatus(error, 409)) return false;
      throw error;
    }
  }

  async getRollout(rolloutId: string): Promise<Rollout | undefined> {
    const e = await this.read<RolloutEntity>(partitionOf(rolloutId), recordRow);
    return e === undefined ? undefined : toRollout(e);
  }

  async listRolloutMembers(rolloutId: string): Promise<RolloutMember[]> {
    const table = await this.ledger.table();
    const filter = `PartitionKey eq ${odataString(partitionOf(rolloutId))} and RowKey ge 'm|' and RowKey lt 'm}'`;
    const out: RolloutMember[] = [];
    for await (const e of table.listEntities<MemberEntity>({ queryOptions: { filter } }))
      out.push(toMember(e));
    return out.sort((a, b) => a.wave - b.wave);
  }

  async getRolloutMember(rolloutId: string, resourceId: string): Promise<RolloutMember | undefined> {
    const e = await this.read<MemberEntity>(partitionOf(rolloutId), memberRow(resourceId));
    return e === undefined ? undefined : toMember(e);
  }

  /** Re-read and retried on a lost ETag race: the other writer may have settled it (then false). */
  async settleRolloutMember(
    rolloutId: string,
    resourceId: string,
    outcome: MemberOutcome,
    reason: string,
  ): Promise<boolean> {
    return this.changeMember(rolloutId, resourceId, (m) =>
      m.state === "held" || m.state === "released" ? { state: outcome, reason } : undefined,
    );
  }

  async markRolloutMembersReleased(rolloutId: string, resourceIds: readonly string[]): Promise<void> {
    await Promise.all(
      resourceIds.map((id) =>
        this.changeMember(rolloutId, id, (m) => (m.state === "held" ? { state: "released" } : undefined)),
      ),
    );
  }

  private async changeMember(
    rolloutId: string,
    resourceId: string,
    change: (m: MemberEntity) => Partial<MemberEntity> | undefined,
  ): Promise<boolean> {
    const table = await this.ledger.table();
    const partitionKey = partitionOf(rolloutId);
    for (;;) {
      const current = await this.read<MemberEntity>(partitionKey, memberRow(resourceId));
      if (current === undefined) return false;
      const patch = change(current);
      if (patch === undefined) return false;
      try {
        await table.updateEntity({ partitionKey, rowKey: current.rowKey, ...patch }, "Merge", {
          etag: current.etag,
        });
        return true;
      } catch (error) {
        if (!isStatus(error, 412)) throw error;
      }
    }
  }

  async updateRollout(
    rolloutId: string,
    expected: { wave: number; state: RolloutState },
    change: { wave?: number; state?: RolloutState; reason?: string },
  ): Promise<boolean> {
    const table = await this.ledger.table();
    const current = await this.read<RolloutEntity>(partitionOf(rolloutId), recordRow);
    if (current?.wave !== expected.wave || current.state !== expected.state) return false;
    try {
      await table.updateEntity(
        {
          partitionKey: current.partitionKey,
          rowKey: recordRow,
          ...change,
          updatedAt: new Date(this.ledger.clock()).toISOString(),
        },
        "Merge",
        { etag: current.etag },
      );
      return true;
    } catch (error) {
      if (isStatus(error, 412)) return false;
      throw error;
    }
  }
}
