import type { RotateJob } from "../../core/jobs/job.js";
import type { Ledger } from "../../core/ports/ledger.js";
import { assignWaves } from "../../core/rollout/rolloutWaves.js";
import { rolloutIdFor, type RolloutMember } from "../../core/rollout/rolloutState.js";
import { advanceRollout, sendMembers, type RolloutDeps } from "./advanceRollout.js";
import type { RolloutSettings } from "./rolloutSettings.js";

/** What staging a key version's rollout needs. */
export interface StagingDeps extends RolloutDeps {
  ledger: RolloutDeps["ledger"] & Pick<Ledger, "createRollout">;
  settings: RolloutSettings;
}

/** The wave each job was placed in (0 = first), and how many waves there are. */
export interface StagedJobs {
  waveOf: ReadonlyMap<string, number>;
  waves: number;
}

/**
 * Queues a key version's rotation jobs in waves: the first wave now, the others held in the ledger
 * (the rollout record of the key version) until the worker confirming the last job of a wave
 * releases the next. Jobs that fit in one wave are queued at once, unstaged. A rollout recorded
 * before (a redelivered event) is moved on instead: jobs of released waves that never reached the
 * queue are sent.
 */
export async function stageRollout(
  keyId: string,
  jobs: readonly RotateJob[],
  deps: StagingDeps,
): Promise<StagedJobs> {
  const rolloutId = rolloutIdFor(keyId);
  const waves = assignWaves(jobs, deps.settings.waves);
  const waveOf = new Map<string, number>();
  for (const [index, wave] of waves.entries()) for (const job of wave) waveOf.set(job.dedupeKey, index);
  if (waves.length <= 1) {
    if (jobs.length > 0) await deps.queue.enqueue(jobs);
    else await advanceRollout(rolloutId, deps);
    return { waveOf, waves: waves.length };
  }
  const members: RolloutMember[] = waves.flatMap((wave, index) =>
    wave.map((job) => ({
      resourceId: job.resourceId,
      resourceType: job.resourceType,
      wave: index,
      state: "held" as const,
      job: JSON.stringify({ ...job, rollout: rolloutId }),
    })),
  );
  const at = deps.now().toISOString();
  const created = await deps.ledger.createRollout(
    {
      rolloutId,
      keyId,
      state: "running",
      wave: 0,
      waves: waves.length,
      pauseSeconds: deps.settings.pauseSeconds,
      createdAt: at,
      updatedAt: at,
    },
    members,
  );
  if (!created) {
    // A rollout of this version exists: these jobs join no wave of it, and wait for it to finish.
    await deps.queue.enqueue(jobs);
    await advanceRollout(rolloutId, deps);
    return { waveOf: new Map(), waves: 1 };
  }
  await sendMembers(
    rolloutId,
    members.filter((m) => m.wave === 0),
    0,
    deps,
  );
  return { waveOf, waves: waves.length };
}
