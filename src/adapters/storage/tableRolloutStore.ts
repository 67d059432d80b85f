import type { TableEntityResult, TransactionAction } from "@azure/data-tables";
import type { RolloutStore, RolloutWrite } from "../../core/ports/rolloutStore.js";
import type {
  ChunkConsumer,
  Rollout,
  RolloutChunk,
  RolloutState,
  VersionedRollout,
} from "../../core/rollout/rolloutState.js";
import { digest } from "./ledgerKeys.js";
import { isStatus, odataString, type LedgerTable } from "./ledgerTable.js";

/** The record: scalars as they are, the counters as JSON (a handful of waves, a handful of types). */
interface RolloutEntity {
  partitionKey: string;
  rowKey: string;
  rolloutId: string;
  keyId: string;
  runId: string;
  state: RolloutState;
  plan: string;
  wave: number;
  sentWave: number;
  releasedAt: string;
  planned: boolean;
  lastPage: number;
  pagesStored: number;
  typesSeen: string;
  assigned: string;
  ok: string;
  failed: string;
  pauseSeconds: number;
  reason: string;
  createdAt: string;
  updatedAt: string;
}

interface ChunkEntity {
  partitionKey: string;
  rowKey: string;
  wave: number;
  page: number;
  index: number;
  /** JSON `[id, type][]`: at most a queue message's worth (under 40,000 characters). */
  consumers: string;
}

// A rollout's record, page markers, chunks and settle markers share a partition: a wave lists as
// one range query and every change of the record is one transaction with the rows it comes with.
const partitionOf = (rolloutId: string): string => `rollout|${digest(rolloutId)}`;
const recordRow = "rollout";
const pad = (n: number, width: number): string => String(n).padStart(width, "0");
const pageRow = (page: number): string => `page|${pad(page, 6)}`;
const chunkPrefix = (wave: number, page?: number): string =>
  `chunk|${pad(wave, 3)}|${page === undefined ? "" : `${pad(page, 6)}|`}`;
const chunkRow = (c: RolloutChunk): string => `${chunkPrefix(c.wave, c.page)}${pad(c.index, 4)}`;
const settledRow = (resourceId: string): string => `settled|${digest(resourceId)}`;

function numbers(text: string): number[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.map((n) => (typeof n === "number" ? n : 0)) : [];
}

function toRollout(e: RolloutEntity): Rollout {
  const types: unknown = JSON.parse(e.typesSeen);
  return {
    rolloutId: e.rolloutId,
    keyId: e.keyId,
    runId: e.runId,
    state: e.state,
    plan: e.plan,
    wave: e.wave,
    sentWave: e.sentWave,
    releasedAt: e.releasedAt,
    planned: e.planned,
    ...(e.lastPage > 0 ? { lastPage: e.lastPage } : {}),
    pagesStored: e.pagesStored,
    typesSeen: Array.isArray(types) ? types.filter((t): t is string => typeof t === "string") : [],
    assigned: numbers(e.assigned),
    ok: numbers(e.ok),
    failed: numbers(e.failed),
    pauseSeconds: e.pauseSeconds,
    ...(e.reason === "" ? {} : { reason: e.reason }),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

function toEntity(r: Rollout): RolloutEntity {
  return {
    partitionKey: partitionOf(r.rolloutId),
    rowKey: recordRow,
    rolloutId: r.rolloutId,
    keyId: r.keyId,
    runId: r.runId,
    state: r.state,
    plan: r.plan,
    wave: r.wave,
    sentWave: r.sentWave,
    releasedAt: r.releasedAt,
    planned: r.planned,
    lastPage: r.lastPage ?? 0,
    pagesStored: r.pagesStored,
    typesSeen: JSON.stringify(r.typesSeen),
    assigned: JSON.stringify(r.assigned),
    ok: JSON.stringify(r.ok),
    failed: JSON.stringify(r.failed),
    pauseSeconds: r.pauseSeconds,
    reason: r.reason ?? "",
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function toChunk(e: ChunkEntity): RolloutChunk {
  const parsed: unknown = JSON.parse(e.consumers);
  const consumers: ChunkConsumer[] = Array.isArray(parsed)
    ? parsed.flatMap((pair: unknown) =>
        Array.isArray(pair) && typeof pair[0] === "string" && typeof pair[1] === "string"
          ? [{ id: pair[0], type: pair[1] }]
          : [],
      )
    : [];
  return { wave: e.wave, page: e.page, index: e.index, consumers };
}

/**
 * Which operation of a transaction failed: Table Storage answers a failed entity-group transaction
 * with the failing operation's status (409: an inserted marker exists; 412: the record's ETag moved).
 */
function transactionOutcome(error: unknown): RolloutWrite | undefined {
  if (isStatus(error, 409)) return "exists";
  if (isStatus(error, 412)) return "conflict";
  return undefined;
}

/** {@link RolloutStore} in Table Storage: one partition per rollout; every change carries the ETag read. */
export class TableRolloutStore implements RolloutStore {
  constructor(private readonly ledger: LedgerTable) {}

  async createRollout(rollout: Rollout): Promise<boolean> {
    const table = await this.ledger.table();
    try {
      await table.createEntity(toEntity(rollout));
      return true;
    } catch (error) {
      if (isStatus(error, 409)) return false;
      throw error;
    }
  }

  async getRollout(rolloutId: string): Promise<VersionedRollout | undefined> {
    const table = await this.ledger.table();
    let e: TableEntityResult<RolloutEntity>;
    try {
      e = await table.getEntity<RolloutEntity>(partitionOf(rolloutId), recordRow);
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
    return { rollout: toRollout(e), version: e.etag };
  }

  async updateRollout(next: Rollout, version: string): Promise<"stored" | "conflict"> {
    const table = await this.ledger.table();
    try {
      await table.updateEntity({ ...toEntity(next) }, "Replace", { etag: version });
      return "stored";
    } catch (error) {
      if (isStatus(error, 412) || isStatus(error, 404)) return "conflict";
      throw error;
    }
  }

  async storeRolloutPage(
    next: Rollout,
    version: string,
    page: number,
    chunks: readonly RolloutChunk[],
  ): Promise<RolloutWrite> {
    const partitionKey = partitionOf(next.rolloutId);
    // One transaction holds at most 100 operations: the record, the marker and 98 chunks (a page of
    // 1,000 consumers makes at most 32 chunks of the smallest batch size, once per wave it fills).
    if (chunks.length > 98)
      throw new RangeError(`a plan page of ${chunks.length} chunks exceeds one transaction`);
    const actions: TransactionAction[] = [
      ["create", { partitionKey, rowKey: pageRow(page), page }],
      ...chunks.map((c): TransactionAction => [
        "create",
        {
          partitionKey,
          rowKey: chunkRow(c),
          wave: c.wave,
          page: c.page,
          index: c.index,
          consumers: JSON.stringify(c.consumers.map((x) => [x.id, x.type])),
        } satisfies ChunkEntity,
      ]),
      ["update", { ...toEntity(next) }, "Replace", { etag: version }],
    ];
    return this.submit(actions);
  }

  async listRolloutChunks(rolloutId: string, wave: number, page?: number): Promise<RolloutChunk[]> {
    const table = await this.ledger.table();
    const prefix = chunkPrefix(wave, page);
    // `|` + 1 is `}`: the range [prefix, prefix with its last `|` raised) holds exactly that prefix.
    const filter = `PartitionKey eq ${odataString(partitionOf(rolloutId))} and RowKey ge ${odataString(prefix)} and RowKey lt ${odataString(`${prefix.slice(0, -1)}}`)}`;
    const out: RolloutChunk[] = [];
    for await (const e of table.listEntities<ChunkEntity>({ queryOptions: { filter } })) out.push(toChunk(e));
    return out;
  }

  async settleRolloutMember(resourceId: string, next: Rollout, version: string): Promise<RolloutWrite> {
    const partitionKey = partitionOf(next.rolloutId);
    return this.submit([
      ["create", { partitionKey, rowKey: settledRow(resourceId), resourceId }],
      ["update", { ...toEntity(next) }, "Replace", { etag: version }],
    ]);
  }

  private async submit(actions: TransactionAction[]): Promise<RolloutWrite> {
    const table = await this.ledger.table();
    try {
      await table.submitTransaction(actions);
      return "stored";
    } catch (error) {
      const outcome = transactionOutcome(error);
      if (outcome === undefined) throw error;
      return outcome;
    }
  }
}
