import type { Ledger } from "../../core/ports/ledger.js";
import type { RotateJob } from "../../core/jobs/job.js";
import { rolloutIdFor } from "../../core/rollout/rolloutState.js";

/** Why a rotation waits for, or may not follow, the staged rollout of its target version. */
export interface RolloutBlock {
  readonly code: "RolloutHalted" | "RolloutWaiting";
  readonly reason: string;
}

/**
 * Whether a rotation to `targetKeyId` may write now, given that version's staged rollout (one read
 * of its record): not while the rollout is halted (a wave's write failed: automatic paths must not
 * repeat it elsewhere), nor while it is still releasing waves, unless the job is the rollout's own
 * (released with its wave; a job carries its rollout id only once its wave is released). A manual
 * remediation is the operator's own ask and stages itself (see `remediateKey`); a stopped or
 * finished rollout, or none, leaves the write to the gate and the proof.
 */
export async function rolloutBlock(
  job: RotateJob,
  ledger: Pick<Ledger, "getRollout">,
  targetKeyId: string,
): Promise<RolloutBlock | undefined> {
  if (job.trigger === "Manual") return undefined;
  const rolloutId = rolloutIdFor(targetKeyId);
  const read = await ledger.getRollout(rolloutId);
  if (read === undefined) return undefined;
  const rollout = read.rollout;
  if (rollout.state === "halted") {
    return {
      code: "RolloutHalted",
      reason: `the staged rollout of ${rollout.keyId} halted (${rollout.reason ?? "a wave failed"}); nothing written until an operator remediates the key`,
    };
  }
  if (rollout.state !== "running") return undefined;
  if (job.rollout?.toLowerCase() === rolloutId.toLowerCase()) return undefined;
  return {
    code: "RolloutWaiting",
    reason: `a staged rollout of ${rollout.keyId} is running (wave ${rollout.wave + 1} released); it moves this consumer in its turn, or the sweep once it is over`,
  };
}
