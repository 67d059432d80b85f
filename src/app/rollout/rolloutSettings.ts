import type { WavePlan } from "../../core/rollout/rolloutWaves.js";

/** How a key version's consumers are moved in waves (`CMKR_ROLLOUT_WAVES`, `CMKR_ROLLOUT_PAUSE_SECONDS`). */
export interface RolloutSettings {
  readonly waves: WavePlan;
  /** Seconds between a wave's confirmation and the next wave's jobs becoming visible on the queue. */
  readonly pauseSeconds: number;
}
