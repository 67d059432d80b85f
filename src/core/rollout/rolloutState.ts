import type { ReportAction } from "../report/report.js";
import { parseWaves, waveSlots, type WavePlan } from "./rolloutWaves.js";

/**
 * A staged rollout of one key version (DESIGN: issue 16 item 2), as the ledger keeps it.
 * - `running`: waves up to `wave` are released; later ones are held in the ledger.
 * - `halted`: a write of a released wave failed (or did not read back the new version); the held
 *   waves are never released and automatic paths (events, sweep) do not move consumers to this
 *   version. One ticket for the key version says so.
 * - `stopped`: the write budget or the kill switch held a write of a wave; the held waves are not
 *   released, and the sweep's catch-up rotations (which honour the budget and the switch) move the
 *   rest later.
 * - `done`: planning is complete and every wave is released (a failure in the last wave still halts).
 */
export type RolloutState = "running" | "halted" | "stopped" | "done";

/**
 * The rollout record of one key version: one entity, whatever the number of consumers. The plan
 * pages assign consumers to waves with its counters (`typesSeen`, `assigned`), the workers count
 * settled members of waves that have a successor (`ok`, `failed`): O(1) per consumer.
 */
export interface Rollout {
  /** {@link rolloutIdFor} of the key version. */
  readonly rolloutId: string;
  /** The versioned key URI the consumers move to. */
  readonly keyId: string;
  /** The fan-out run (plan pages) that assigns its consumers; pages of another run do not join it. */
  readonly runId: string;
  readonly state: RolloutState;
  /** The wave list it was planned with (`CMKR_ROLLOUT_WAVES` at the event), so a change of the setting mid-way does not move anyone. */
  readonly plan: string;
  /** The highest released wave (0 = the first, released from the start). */
  readonly wave: number;
  /** The highest wave whose consumers were all put on the queue. */
  readonly sentWave: number;
  /** When `wave` was released (ISO 8601). */
  readonly releasedAt: string;
  /** Every plan page is assigned: the totals in `assigned` are final. */
  readonly planned: boolean;
  /** The page without a skipToken, once seen. */
  readonly lastPage?: number | undefined;
  /** How many plan pages are assigned (each once). */
  readonly pagesStored: number;
  /** Resource types (lower case) with a consumer in the per-type wave. */
  readonly typesSeen: readonly string[];
  /** Consumers per wave. */
  readonly assigned: readonly number[];
  /** Members per wave settled without a failed write (counted only in waves that have a successor). */
  readonly ok: readonly number[];
  /** Members per wave whose write failed. */
  readonly failed: readonly number[];
  /** Seconds between a wave's confirmation and the next wave's jobs becoming visible. */
  readonly pauseSeconds: number;
  /** Why it halted or stopped. */
  readonly reason?: string | undefined;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A rollout as read, with the version (ETag) a conditional change must match. */
export interface VersionedRollout {
  readonly rollout: Rollout;
  readonly version: string;
}

/** One consumer of a rollout chunk. */
export interface ChunkConsumer {
  readonly id: string;
  readonly type: string;
}

/**
 * Up to one queue message of a wave's consumers, stored when its plan page assigned them; keyed
 * wave / page / index, so a wave lists as one range query.
 */
export interface RolloutChunk {
  readonly wave: number;
  readonly page: number;
  readonly index: number;
  readonly consumers: readonly ChunkConsumer[];
}

/**
 * What became of one consumer's job: `confirmed` (written and read back on the new version),
 * `neutral` (nothing to write: already moved, refused by the proof and ticketed, gone), `failed`
 * (a write that failed or did not read back), `gated` (the write budget or the kill switch held it).
 */
export type MemberOutcome = "confirmed" | "neutral" | "failed" | "gated";

/** The rollout id of a key version: its versioned URI, lower-case (Key Vault compares them so). */
export function rolloutIdFor(keyId: string): string {
  return `rollout|${keyId.toLowerCase().replace(/\/+$/, "")}`;
}

/** Codes a held write carries (the write budget and the kill switch). */
export const writeHoldCodes: ReadonlySet<string> = new Set(["WriteBudgetExhausted", "WritesPaused"]);

/** What one job's action means for its rollout. */
export function memberOutcome(action: ReportAction): MemberOutcome {
  if (action.codes?.some((c) => writeHoldCodes.has(c)) === true) return "gated";
  if (action.status === "failed") return "failed";
  if (action.action === "rotate-key" && action.status === "applied")
    return action.codes?.includes("ProvisioningNotSucceeded") === true ? "failed" : "confirmed";
  // A refusal by the proof is the normal ticket path, not a failure of the wave.
  return "neutral";
}

/** How long after a release its jobs may still be on their way to the queue. */
export const resendAfterMs = 5 * 60_000;

/** The wave plan a rollout was recorded with. */
export function planOf(rollout: Rollout): WavePlan {
  const plan = parseWaves(rollout.plan);
  // Recorded from a validated setting; an unreadable one moves everything in one wave.
  return typeof plan === "string" ? ["rest"] : plan;
}

/** A new rollout record, wave 0 released (its consumers are queued as their pages are planned). */
export function newRollout(input: {
  keyId: string;
  runId: string;
  plan: string;
  pauseSeconds: number;
  at: string;
}): Rollout {
  const slots = waveSlots(planOf({ plan: input.plan } as Rollout));
  const zeros = Array.from({ length: slots }, () => 0);
  return {
    rolloutId: rolloutIdFor(input.keyId),
    keyId: input.keyId,
    runId: input.runId,
    state: "running",
    plan: input.plan,
    wave: 0,
    sentWave: 0,
    releasedAt: input.at,
    planned: false,
    pagesStored: 0,
    typesSeen: [],
    assigned: zeros,
    ok: zeros,
    failed: zeros,
    pauseSeconds: input.pauseSeconds,
    createdAt: input.at,
    updatedAt: input.at,
  };
}

/** The waves of one plan page's consumers, in their order, and the record counting them. */
export interface PageAssignment {
  readonly next: Rollout;
  readonly waveOf: readonly number[];
  /** The wave this change released (planning completed and wave 0 was settled already), if any. */
  readonly released?: number | undefined;
}

/**
 * Assigns one plan page's consumers to waves in discovery order, with the record's counters (pure):
 * the per-type wave takes the first consumer of each type seen, a number N the next N consumers,
 * `*` (and the wave after a list without it) the rest. The page without a skipToken (`last`) marks
 * planning complete once every page before it is assigned too (pages may be assigned out of order).
 */
export function assignPage(
  rollout: Rollout,
  consumers: readonly ChunkConsumer[],
  page: { page: number; last: boolean },
  at: string,
): PageAssignment {
  const plan = planOf(rollout);
  const assigned = [...rollout.assigned];
  const types = new Set(rollout.typesSeen);
  const waveOf = consumers.map((consumer) => {
    const type = consumer.type.toLowerCase();
    if (plan[0] === "per-type" && !types.has(type)) {
      types.add(type);
      assigned[0] = (assigned[0] ?? 0) + 1;
      return 0;
    }
    for (let slot = plan[0] === "per-type" ? 1 : 0; slot < assigned.length; slot++) {
      const size = plan[slot];
      if (typeof size === "number" && (assigned[slot] ?? 0) >= size) continue;
      assigned[slot] = (assigned[slot] ?? 0) + 1;
      return slot;
    }
    // Unreachable: the last slot is unbounded (`*` or the wave after the list).
    return assigned.length - 1;
  });
  const lastPage = page.last ? page.page : rollout.lastPage;
  const pagesStored = rollout.pagesStored + 1;
  const next: Rollout = {
    ...rollout,
    assigned,
    typesSeen: [...types],
    pagesStored,
    lastPage,
    planned: lastPage !== undefined && pagesStored >= lastPage,
    updatedAt: at,
  };
  const released = releaseCheck(next, at);
  return { next: released.next, waveOf, released: released.released };
}

/** Whether a settled member of `wave` must be counted: only waves that have a successor are. */
export function countsSettle(rollout: Rollout, wave: number, outcome: MemberOutcome): boolean {
  if (outcome === "failed" || outcome === "gated") return true;
  if (!rollout.planned) return wave < rollout.assigned.length - 1;
  return rollout.assigned.some((n, w) => w > wave && n > 0);
}

/** What settling one member changes on its rollout. */
export interface SettleChange {
  readonly next: Rollout;
  /** This change halted the rollout (a failed write): open its one ticket. */
  readonly halted: boolean;
  /** The wave this change released, if any. */
  readonly released?: number | undefined;
}

/**
 * Counts one settled member of `wave` (pure): a failed write halts a running (or done) rollout
 * while a later wave has (or, planning incomplete, may have) members, a held write stops a running one, and once planning is complete and every member of the released
 * wave settled without a failure, the next wave with members is released (or the rollout is done).
 */
export function settleMember(
  rollout: Rollout,
  wave: number,
  outcome: MemberOutcome,
  reason: string,
  at: string,
): SettleChange {
  const bump = (list: readonly number[]): number[] => list.map((n, w) => (w === wave ? n + 1 : n));
  let next: Rollout = { ...rollout, updatedAt: at };
  let halted = false;
  if (outcome === "failed") {
    next = { ...next, failed: bump(rollout.failed) };
    // A failure holds back only what comes after it: in the last wave with members (a key whose
    // consumers all fit in one wave, say) there is nothing to stop, and the consumer's own ticket
    // says what failed, as without staging.
    const holdsBack = !rollout.planned || rollout.assigned.some((n, w) => w > wave && n > 0);
    if (holdsBack && (rollout.state === "running" || rollout.state === "done")) {
      next = { ...next, state: "halted", reason };
      halted = true;
    }
  } else if (outcome === "gated") {
    if (rollout.state === "running") next = { ...next, state: "stopped", reason };
  } else {
    next = { ...next, ok: bump(rollout.ok) };
  }
  const released = releaseCheck(next, at);
  return { next: released.next, halted, released: released.released };
}

/** Releases the next wave with members once the released one settled, or marks the rollout done. */
export function releaseCheck(rollout: Rollout, at: string): { next: Rollout; released?: number } {
  if (rollout.state !== "running" || !rollout.planned) return { next: rollout };
  const w = rollout.wave;
  if ((rollout.failed[w] ?? 0) > 0) return { next: rollout };
  const hasMembers = (rollout.assigned[w] ?? 0) > 0;
  if (hasMembers && (rollout.ok[w] ?? 0) < (rollout.assigned[w] ?? 0)) {
    // Members of a wave without a successor are not counted: the rollout is done once it is released.
    return rollout.assigned.some((n, later) => later > w && n > 0)
      ? { next: rollout }
      : { next: { ...rollout, state: "done" } };
  }
  const following = rollout.assigned.findIndex((n, later) => later > w && n > 0);
  if (following < 0) return { next: { ...rollout, state: "done" } };
  const released: Rollout = { ...rollout, wave: following, releasedAt: at };
  // The released wave is the last with members: nothing more to release after it.
  const more = rollout.assigned.some((n, later) => later > following && n > 0);
  return { next: more ? released : { ...released, state: "done" }, released: following };
}

/** A released wave whose jobs were not all queued long after its release (the sender died). */
export function needsResend(rollout: Rollout, now: Date): boolean {
  if (rollout.sentWave >= rollout.wave) return false;
  if (rollout.state === "halted" || rollout.state === "stopped") return false;
  return now.getTime() - Date.parse(rollout.releasedAt) > resendAfterMs;
}
