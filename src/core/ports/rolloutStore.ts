import type { Rollout, RolloutChunk, VersionedRollout } from "../rollout/rolloutState.js";

/** How a conditional change of a rollout record went. */
export type RolloutWrite =
  /** Done, atomically with what it carried. */
  | "stored"
  /** The record changed since it was read (ETag): nothing written; read and decide again. */
  | "conflict"
  /** The page (or the member's settle marker) was recorded before: nothing written. */
  | "exists";

/**
 * Staged rollouts of key versions: one record per key version (its counters), its consumers in
 * chunks keyed wave / page / index, one marker per assigned plan page and one per settled member.
 * Every change of the record is conditional on the version read (ETags in Table Storage) and
 * atomic with the markers and chunks it comes with (one entity-group transaction: the record and
 * its rows share a partition), so concurrent plan pages and workers count each thing once.
 */
export interface RolloutStore {
  /** Records a new rollout unless one with its id exists (then false and nothing is changed). */
  createRollout(rollout: Rollout): Promise<boolean>;
  getRollout(rolloutId: string): Promise<VersionedRollout | undefined>;
  /** Replaces the record if it is still at `version`. */
  updateRollout(next: Rollout, version: string): Promise<"stored" | "conflict">;
  /**
   * Records plan page `page` (its marker), its chunks and the record's new counters, all or
   * nothing: `exists` when the page was recorded before (a retried page), `conflict` when the
   * record changed since `version`.
   */
  storeRolloutPage(
    next: Rollout,
    version: string,
    page: number,
    chunks: readonly RolloutChunk[],
  ): Promise<RolloutWrite>;
  /** The chunks of one wave (of one page, when given), in key order: one range query. */
  listRolloutChunks(rolloutId: string, wave: number, page?: number): Promise<RolloutChunk[]>;
  /**
   * Records that a member settled (an insert: `exists` when it settled before) and the record's new
   * counters with it, all or nothing.
   */
  settleRolloutMember(resourceId: string, next: Rollout, version: string): Promise<RolloutWrite>;
}
