import type { MemberOutcome, Rollout, RolloutMember, RolloutState } from "../rollout/rolloutState.js";

/**
 * Staged rollouts of key versions: the rollout record (wave, state) and its members (wave, job held
 * until released, outcome). Every change is conditional on what the caller read (ETags in Table
 * Storage), so concurrent workers and redelivered messages settle and release each thing once.
 */
export interface RolloutStore {
  /**
   * Records a rollout and its members, unless one with this id exists (then false and nothing is
   * changed). The record is written last, so a planner that died half-way leaves no rollout.
   */
  createRollout(rollout: Rollout, members: readonly RolloutMember[]): Promise<boolean>;
  getRollout(rolloutId: string): Promise<Rollout | undefined>;
  /** Every member, in wave order. */
  listRolloutMembers(rolloutId: string): Promise<RolloutMember[]>;
  getRolloutMember(rolloutId: string, resourceId: string): Promise<RolloutMember | undefined>;
  /** Records a member's outcome unless one is recorded already; true when this call recorded it. */
  settleRolloutMember(
    rolloutId: string,
    resourceId: string,
    outcome: MemberOutcome,
    reason: string,
  ): Promise<boolean>;
  /** Marks members still `held` as `released` (their jobs are on the queue). */
  markRolloutMembersReleased(rolloutId: string, resourceIds: readonly string[]): Promise<void>;
  /**
   * Moves the rollout on, only if its wave and state are still `expected`; true when this call
   * moved it (one of two concurrent callers wins).
   */
  updateRollout(
    rolloutId: string,
    expected: { wave: number; state: RolloutState },
    change: { wave?: number; state?: RolloutState; reason?: string },
  ): Promise<boolean>;
}
