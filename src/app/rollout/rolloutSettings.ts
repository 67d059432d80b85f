import type { WavePlan } from "../../core/rollout/rolloutWaves.js";

/** How a key version's consumers are moved in waves (`CMKR_ROLLOUT_WAVES`, `CMKR_ROLLOUT_PAUSE_SECONDS`). */
export interface RolloutSettings {
  readonly waves: WavePlan;
  /** The wave list as configured: a rollout records it, so a change of the setting mid-way moves no one. */
  readonly text: string;
  /** Seconds between a wave's confirmation and the next wave's jobs becoming visible on the queue. */
  readonly pauseSeconds: number;
}
