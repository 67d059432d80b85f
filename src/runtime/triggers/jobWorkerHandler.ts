import type { InvocationContext } from "@azure/functions";
import type { ServiceRuntime } from "../serviceRuntime.js";
import { decodeJob, JobDecodeError } from "../../core/jobs/job.js";
import type { ReportAction } from "../../core/report/report.js";
import { runJob } from "../../app/runJob.js";

/**
 * Applies one queued job. A failure is rethrown so the Functions host retries the message and,
 * after `maxDequeueCount` attempts (host.json), moves it to the poison queue.
 */
export function createJobWorkerHandler(runtime: () => Promise<ServiceRuntime>) {
  return async (message: unknown, context: InvocationContext): Promise<ReportAction[] | undefined> => {
    let job;
    try {
      job = decodeJob(message);
    } catch (error) {
      if (error instanceof JobDecodeError) {
        // Retrying cannot repair a malformed message; drop it loudly instead of poisoning the queue.
        context.error(error.message);
        return undefined;
      }
      throw error;
    }
    const { ctx } = await runtime();
    const actions = await runJob(job, ctx);
    context.log(JSON.stringify(actions));
    return actions;
  };
}
