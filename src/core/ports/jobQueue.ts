import type { Job } from "../jobs/job.js";

/** Where planned jobs go (a Storage queue in Azure; the worker takes them from there). */
export interface JobQueue {
  /** `delaySeconds`: the jobs stay invisible that long (the pause between a rollout's waves). */
  enqueue(jobs: readonly Job[], options?: { delaySeconds?: number }): Promise<void>;
}
