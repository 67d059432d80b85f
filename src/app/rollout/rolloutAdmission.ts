import type { Ledger } from "../../core/ports/ledger.js";
import type { RotateJob } from "../../core/jobs/job.js";
import { rolloutIdFor } from "../../core/rollout/rolloutState.js";

/** Why a rotation waits for, or may not follow, the staged rollout of its target version. */
export interface RolloutBlock {
  readonly code: "RolloutHalted" | "RolloutWaiting";
  readonly reason: string;
}

/**
 * Whether a rotation to `targetKeyId` may write now, given that version's staged rollout: not while
 * the rollout is halted (a wave's write failed: automatic paths must not repeat it elsewhere), nor,
 * while it runs, for a consumer whose wave is not released yet (the rollout moves it in its turn).
 * A manual remediation is the operator's own ask and stages itself (see `remediateKey`); a stopped or
 * finished rollout, or none, leaves the write to the gate and the proof.
 */
export async function rolloutBlock(
  job: RotateJob,
  ledger: Pick<Ledger, "getRollout" | "getRolloutMember">,
  targetKeyId: string,
): Promise<RolloutBlock | undefined> {
  if (job.trigger === "Manual") return undefined;
  const rolloutId = rolloutIdFor(targetKeyId);
  const rollout = await ledger.getRollout(rolloutId);
  if (rollout === undefined) return undefined;
  if (rollout.state === "halted") {
    return {
      code: "RolloutHalted",
      reason: `the staged rollout of ${rollout.keyId} halted (${rollout.reason ?? "a wave failed"}); nothing written until an operator remediates the key`,
    };
  }
  if (rollout.state !== "running") return undefined;
  const member = await ledger.getRolloutMember(rolloutId, job.resourceId);
  if (member !== undefined && member.wave <= rollout.wave) return undefined;
  return {
    code: "RolloutWaiting",
    reason:
      member === undefined
        ? `a staged rollout of ${rollout.keyId} is running (wave ${rollout.wave + 1} of ${rollout.waves}); this consumer follows once it is done`
        : `held for wave ${member.wave + 1} of ${rollout.waves} of the staged rollout of ${rollout.keyId} (wave ${rollout.wave + 1} is running)`,
  };
}
