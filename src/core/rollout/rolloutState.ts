import type { ReportAction } from "../report/report.js";

/**
 * A staged rollout of one key version (DESIGN: issue 16 item 2), as the ledger keeps it.
 * - `running`: waves up to `wave` are released; later ones are held in the ledger.
 * - `halted`: a write of a released wave failed (or did not read back the new version); the held
 *   waves are never released and automatic paths (events, sweep) do not move consumers to this
 *   version. One ticket for the key version says so.
 * - `stopped`: the write budget or the kill switch held a write of a wave; the held waves are not
 *   released, and the sweep's catch-up rotations (which honour the budget and the switch) move the
 *   rest later.
 * - `done`: every wave settled.
 */
export type RolloutState = "running" | "halted" | "stopped" | "done";

/** The rollout record of one key version. */
export interface Rollout {
  /** {@link rolloutIdFor} of the key version. */
  readonly rolloutId: string;
  /** The versioned key URI the consumers move to. */
  readonly keyId: string;
  readonly state: RolloutState;
  /** The highest released wave (0 = the first). */
  readonly wave: number;
  /** How many waves the rollout has. */
  readonly waves: number;
  /** Seconds between a wave's confirmation and the next wave's jobs becoming visible. */
  readonly pauseSeconds: number;
  /** Why it halted or stopped. */
  readonly reason?: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * What became of one consumer's job: `confirmed` (written and read back on the new version),
 * `neutral` (nothing to write: already moved, refused by the proof and ticketed, gone), `failed`
 * (a write that failed or did not read back), `gated` (the write budget or the kill switch held it).
 */
export type MemberOutcome = "confirmed" | "neutral" | "failed" | "gated";

/** One consumer of a rollout: its wave, its job (held until released) and its outcome. */
export interface RolloutMember {
  readonly resourceId: string;
  readonly resourceType: string;
  readonly wave: number;
  /** `held`: kept in the ledger, not yet on the queue; `released`: on the queue, not yet settled. */
  readonly state: "held" | "released" | MemberOutcome;
  /** The job, as JSON text, to put on the queue when its wave is released. */
  readonly job: string;
  /** What the job reported, when settled. */
  readonly reason?: string;
}

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

/** What to do next with a running rollout, given its members. */
export type RolloutStep =
  | { readonly kind: "wait" }
  /** Put these held members of released waves on the queue (a release interrupted before they were sent). */
  | { readonly kind: "resend"; readonly members: readonly RolloutMember[] }
  | { readonly kind: "release"; readonly wave: number; readonly members: readonly RolloutMember[] }
  | { readonly kind: "halt"; readonly failed: readonly RolloutMember[] }
  | { readonly kind: "stop"; readonly gated: readonly RolloutMember[] }
  | { readonly kind: "done" };

/**
 * Decides the next step of a running rollout from its members (pure). A failed member halts it at
 * once; a member held by the budget or the kill switch stops it; members of released waves still
 * `held` for longer than {@link resendAfterMs} since the release (the releasing worker died between
 * the record and the queue) are sent again, their job claims making a duplicate message harmless;
 * once every member of the released waves settled, the next wave is released, or the rollout is done.
 */
export function nextRolloutStep(rollout: Rollout, members: readonly RolloutMember[], now: Date): RolloutStep {
  if (rollout.state !== "running") return { kind: "wait" };
  const released = members.filter((m) => m.wave <= rollout.wave);
  const failed = released.filter((m) => m.state === "failed");
  if (failed.length > 0) return { kind: "halt", failed };
  const gated = released.filter((m) => m.state === "gated");
  if (gated.length > 0) return { kind: "stop", gated };
  const unsent = released.filter((m) => m.state === "held");
  if (unsent.length > 0) {
    // A releasing worker still sending them is not interrupted: only a release long past is resent.
    const sinceRelease = now.getTime() - Date.parse(rollout.updatedAt);
    return sinceRelease > resendAfterMs ? { kind: "resend", members: unsent } : { kind: "wait" };
  }
  if (released.some((m) => m.state === "released")) return { kind: "wait" };
  const next = members.filter((m) => m.wave === rollout.wave + 1);
  if (next.length === 0) return { kind: "done" };
  return { kind: "release", wave: rollout.wave + 1, members: next };
}
