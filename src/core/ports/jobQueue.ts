import type { Job } from "../jobs/job.js";

/** Where planned jobs go (a Storage queue in Azure; the worker takes them from there). */
export interface JobQueue {
  enqueue(jobs: readonly Job[]): Promise<void>;
}
